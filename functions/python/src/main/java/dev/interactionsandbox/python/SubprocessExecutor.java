package dev.interactionsandbox.python;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interactionsandbox.core.error.ExecutorFailureException;
import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.port.Executor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The subprocess path: one fresh runner process per execution ({@code sandbox_runner.py}, a supervisor that forks
 * the restricted child). The runner answers on its own stdout, which user code never holds; the JVM kills the
 * runner's whole tree if it overruns the deadline.
 */
public final class SubprocessExecutor implements Executor {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DIAGNOSTICS_CAP = 8 * 1024;

    private final SubprocessSettings settings;
    private final RunnerDirectory programs;
    private final RunnerProtocol protocol = new RunnerProtocol(JSON);

    public SubprocessExecutor(SubprocessSettings settings, RunnerDirectory programs) {
        this.settings = settings;
        this.programs = programs;
    }

    @Override
    public ExecutionMode mode() {
        return ExecutionMode.SUBPROCESS;
    }

    @Override
    public Availability availability() {
        return Files.isExecutable(settings.python()) ? Availability.AVAILABLE
                : Availability.unavailable("no Python interpreter at " + settings.python());
    }

    @Override
    public RunReport run(ExecutionJob job) {
        long started = System.nanoTime();
        Process runner = start();
        try {
            CompletableFuture<byte[]> answer = readAll(runner.getInputStream(), Integer.MAX_VALUE);
            CompletableFuture<byte[]> diagnostics = readAll(runner.getErrorStream(), DIAGNOSTICS_CAP);
            try (OutputStream in = runner.getOutputStream()) {
                in.write(JSON.writeValueAsBytes(protocol.writeRunnerJob(job, settings)));
            }
            long deadlineMs = job.limits().timeoutSeconds() * 1000L + settings.grace().toMillis();
            if (!runner.waitFor(deadlineMs, TimeUnit.MILLISECONDS)) {
                return RunReport.systemError("the runner did not answer within " + deadlineMs + " ms", List.of(),
                        elapsedMs(started));
            }
            byte[] document = answer.get(5, TimeUnit.SECONDS);
            if (document.length == 0) {
                String why = new String(diagnostics.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip();
                return RunReport.systemError("the runner exited with " + runner.exitValue() + " without a result"
                        + (why.isEmpty() ? "" : ": " + lastLine(why)), List.of(), elapsedMs(started));
            }
            return protocol.readReport(JSON.readTree(document));
        } catch (IOException | ExecutionException | TimeoutException e) {
            throw new ExecutorFailureException("the subprocess runner failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorFailureException("interrupted while running", e);
        } finally {
            killTree(runner);
        }
    }

    private Process start() {
        ProcessBuilder builder = new ProcessBuilder(programs.runnerCommand(settings.python()));
        builder.environment().clear();
        try {
            return builder.start();
        } catch (IOException e) {
            throw new ExecutorUnavailableException("cannot start the Python runner: " + e.getMessage(), e);
        }
    }

    private static CompletableFuture<byte[]> readAll(InputStream stream, int cap) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[16 * 1024];
            try (stream) {
                int n;
                while ((n = stream.read(buffer)) >= 0) {
                    int keep = Math.min(n, cap - out.size());
                    if (keep > 0) {
                        out.write(buffer, 0, keep);
                    }
                }
            } catch (IOException e) {
                // The process was killed; what was read is all there is.
            }
            return out.toByteArray();
        }, Thread::startVirtualThread);
    }

    private static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    private static String lastLine(String text) {
        int cut = text.lastIndexOf('\n');
        return cut < 0 ? text : text.substring(cut + 1);
    }
}
