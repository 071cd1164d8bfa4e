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
 * The subprocess path. Each execution gets a fresh supervisor ({@code sandbox_runner.py}) that forks the restricted
 * child; the supervisor is either forked by the warm fork server ({@link WarmRunner}, the default where the host
 * keeps that server out of the code's reach) or a runner process spawned for this execution alone (the fallback,
 * and {@code spawn}). The runner answers on a channel user code never holds; the JVM kills the runner's whole tree
 * if it overruns the deadline.
 */
public final class SubprocessExecutor implements Executor, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DIAGNOSTICS_CAP = 8 * 1024;

    /** How the supervisor of an execution is started. */
    public enum Worker {
        /** forked by a warm fork server started once (falls back to {@code SPAWN} where it cannot be used) */
        WARM,
        /** a runner process spawned per execution */
        SPAWN
    }

    private final SubprocessSettings settings;
    private final RunnerDirectory programs;
    private final RunnerProtocol protocol = new RunnerProtocol(JSON);
    private final WarmRunner warm;

    /** Spawns a runner process per execution. */
    public SubprocessExecutor(SubprocessSettings settings, RunnerDirectory programs) {
        this(settings, programs, Worker.SPAWN);
    }

    /**
     * Removes what executions of dead JVMs left in the work root, and with {@link Worker#WARM} starts the warm
     * fork server now, in the background, before any user code.
     */
    public SubprocessExecutor(SubprocessSettings settings, RunnerDirectory programs, Worker worker) {
        this.settings = settings;
        this.programs = programs;
        ExecutionWorkRoot.sweep(settings.workRoot());
        this.warm = worker == Worker.WARM && Files.isExecutable(settings.python())
                ? new WarmRunner(settings, programs, JSON) : null;
        if (warm != null) {
            warm.prestart();
        }
    }

    /** Which worker the next execution would use (the warm one turns to spawn where the host does not allow it). */
    public Worker worker() {
        return warm != null && warm.usable() ? Worker.WARM : Worker.SPAWN;
    }

    /** The process id of the warm fork server, when one runs. */
    public java.util.OptionalLong warmRunnerPid() {
        return warm == null ? java.util.OptionalLong.empty() : warm.pid();
    }

    @Override
    public void close() {
        if (warm != null) {
            warm.close();
        }
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
        try (ExecutionWorkRoot root = ExecutionWorkRoot.create(settings.workRoot(), job.executionId())) {
            return run(job, settings.withWorkRoot(root.path()));
        }
    }

    private RunReport run(ExecutionJob job, SubprocessSettings settings) {
        if (warm != null && warm.usable()) {
            long started = System.nanoTime();
            long deadlineMs = job.limits().timeoutSeconds() * 1000L + settings.grace().toMillis();
            try {
                return protocol.readReport(warm.run(protocol.writeRunnerJob(job, settings), deadlineMs));
            } catch (WarmRunner.WorkerFailedException e) {
                return RunReport.systemError(e.getMessage(), List.of(), elapsedMs(started));
            } catch (WarmRunner.WorkerException e) {
                // The job never reached a warm runner: nothing ran, so a runner of its own may run it.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ExecutorFailureException("interrupted while running", e);
            }
        }
        return spawn(job, settings);
    }

    private RunReport spawn(ExecutionJob job, SubprocessSettings settings) {
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
