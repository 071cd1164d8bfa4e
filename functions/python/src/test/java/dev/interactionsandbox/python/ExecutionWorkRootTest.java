package dev.interactionsandbox.python;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Execution directories go away after a run, and those of a JVM that died are swept; a live JVM's stay. */
class ExecutionWorkRootTest {
    @TempDir
    Path workRoot;

    @Test
    void closingRemovesEverythingEvenWhatTheCodeLockedUp() throws IOException {
        ExecutionWorkRoot root = ExecutionWorkRoot.create(workRoot, "e1");
        Path locked = Files.createDirectories(root.path().resolve("isb-x/locked"));
        Files.writeString(locked.resolve("file"), "user data");
        locked.toFile().setWritable(false, false);
        locked.toFile().setExecutable(false, false);

        root.close();

        assertFalse(Files.exists(root.path()));
    }

    @Test
    void sweepRemovesOnlyDirectoriesOfDeadJvms() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path orphan = Files.createDirectories(workRoot.resolve("isb-run-" + dead.pid() + "-e2-123/isb-abc"));
        ExecutionWorkRoot live = ExecutionWorkRoot.create(workRoot, "e3");

        assertEquals(1, ExecutionWorkRoot.sweep(workRoot));

        assertFalse(Files.exists(orphan.getParent()));
        assertTrue(Files.exists(live.path()), "a live JVM's execution directory must stay");
        live.close();
    }
}
