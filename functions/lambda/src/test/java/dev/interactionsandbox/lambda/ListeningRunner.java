package dev.interactionsandbox.lambda;

import dev.interactionsandbox.aws.PoolTask;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real runner process in listen mode on a local port, standing in for one pooled Fargate task (the runner is the
 * one the image starts; only the task around it is missing).
 */
final class ListeningRunner implements AutoCloseable {
    private final Process process;
    private final int port;
    private final String arn;

    ListeningRunner(String name) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("/usr/bin/python3", "-I", "-S", "-B",
                LocalStack.REPO.resolve("runner-image/runner/sandbox_runner.py").toString(), "--listen", "0",
                "--idle-seconds", "120");
        builder.environment().clear();
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        process = builder.start();
        BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8));
        String listening = stderr.readLine();
        assertTrue(listening != null && listening.contains("\"listening\""), "runner did not listen: " + listening);
        port = Invocations.JSON.readTree(listening).path("port").asInt();
        arn = "arn:aws:ecs:us-east-1:123456789012:task/pool/" + name;
    }

    PoolTask task() {
        return new PoolTask(arn, new InetSocketAddress("127.0.0.1", port));
    }

    int port() {
        return port;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The runner ended, with its exit code, within a few seconds. */
    boolean exitedCleanly() throws InterruptedException {
        return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
    }

    /** Whether the runner has started a child (it has read its job and is running the code). */
    boolean running() {
        return process.descendants().findAny().isPresent();
    }

    /**
     * Kills the runner and everything it started, as a task ending under it would. A task's work directory goes with
     * the task; here the host keeps it, so it is removed too (found as the working directory of the code's process).
     */
    void kill() throws InterruptedException {
        List<Path> workDirs = workDirectories();
        for (long until = System.nanoTime() + 2_000_000_000L; workDirs.isEmpty() && process.descendants().findAny()
                .isPresent() && System.nanoTime() < until; workDirs = workDirectories()) {
            Thread.sleep(20);   // the code's process is set up; its working directory comes last
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        for (Path dir : workDirs) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // already gone
            }
        }
    }

    private List<Path> workDirectories() {
        return process.descendants().map(ListeningRunner::workDirectory).flatMap(Optional::stream).distinct()
                .toList();
    }

    private static Optional<Path> workDirectory(ProcessHandle process) {
        try {
            Path cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(process.pid()), "cwd"));
            return cwd.getFileName() != null && cwd.getFileName().toString().startsWith("isb-")
                    ? Optional.of(cwd) : Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
