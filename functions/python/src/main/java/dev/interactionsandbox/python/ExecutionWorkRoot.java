package dev.interactionsandbox.python;

import dev.interactionsandbox.core.error.ExecutorUnavailableException;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A directory of one execution's own, under the configured work root, inside which the runner makes the private
 * work directory. The JVM removes it after the run whatever happened to the runner: a supervisor killed from outside
 * cannot wipe its work directory, so the user's files would otherwise stay behind.
 */
final class ExecutionWorkRoot implements AutoCloseable {
    private final Path path;

    private ExecutionWorkRoot(Path path) {
        this.path = path;
    }

    /** Mode 0711: the execution's uid may pass through to its own work directory, never list or write here. */
    static ExecutionWorkRoot create(Path workRoot, String executionId) {
        try {
            Path dir = Files.createTempDirectory(workRoot, "isb-run-" + executionId + "-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            return new ExecutionWorkRoot(dir);
        } catch (IOException e) {
            throw new ExecutorUnavailableException("cannot make a work directory under " + workRoot + ": "
                    + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    /** Removes everything below, making directories writable first (code may have taken its own rights away). */
    @Override
    public void close() {
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    dir.toFile().setWritable(true, true);
                    dir.toFile().setExecutable(true, true);
                    dir.toFile().setReadable(true, true);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Best effort: the leftover check of the test suite and the runner's own cleanup catch the rest.
        }
    }
}
