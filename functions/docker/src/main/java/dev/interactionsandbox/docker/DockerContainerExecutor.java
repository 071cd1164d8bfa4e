package dev.interactionsandbox.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Container;
import dev.interactionsandbox.core.error.ExecutorFailureException;
import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.port.Executor;
import dev.interactionsandbox.core.port.OperationalLog;
import dev.interactionsandbox.python.RunnerProtocol;
import dev.interactionsandbox.python.SubprocessSettings;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The container path on a Docker engine: one hardened container per execution (see {@link ContainerSpec}), taken
 * from a {@link WarmContainerPool} when the job has the default container limits, created on demand otherwise, and
 * force-removed on every path. The runner inside reads the job on stdin and answers on stdout, which user code
 * never holds.
 *
 * <p>Hand-over: one attach, opened when the container started, carries the job in (then half-closed: with
 * {@code StdinOnce} the engine closes the container's stdin) and the runner's stdout/stderr out; see
 * {@link RunnerSession} for why that attach is not docker-java's. Every other engine call goes through docker-java.
 * The runner's answer ends the execution: the runner counted the out-of-memory kills of its cgroup (the
 * container's) after the code ended, so waiting for the container's exit, removing it and starting its
 * replacement happen in the background. Only an answer without that count, or no answer, waits for the engine's
 * view of the ended container (killed for memory).
 *
 * <p>Errors: a container that cannot be created or attached to is {@link ExecutorUnavailableException} (auto mode
 * falls back); an engine that breaks after the job was handed over is {@link ExecutorFailureException}.
 */
public final class DockerContainerExecutor implements Executor, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration AVAILABILITY_TTL = Duration.ofSeconds(1);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(10);
    private static final Duration CLEANUP_DELAY = Duration.ofMillis(100);

    private final DockerSettings settings;
    private final OperationalLog log;
    private final DockerEngine engine;
    private final RunnerProtocol protocol = new RunnerProtocol(JSON);
    private final SubprocessSettings runnerSettings;
    private final OwnerId owner = OwnerId.next();
    private final WarmContainerPool pool;
    private final ExecutorService cleaner = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicReference<CachedAvailability> availability = new AtomicReference<>();
    private volatile List<String> engineLayers;
    private volatile boolean closed;

    private record CachedAvailability(Availability value, long atNanos) {
    }

    /** A container for one execution; {@code pooled}: taken from the warm pool, which is told when it answered. */
    private record Acquired(RunnerSession session, boolean pooled) {
    }

    public DockerContainerExecutor(DockerSettings settings) {
        this(settings, new StderrJsonLog());
    }

    /** Sweeps leftovers of dead processes, then starts filling the warm pool in the background. */
    public DockerContainerExecutor(DockerSettings settings, OperationalLog log) {
        this.settings = settings;
        this.log = log;
        this.engine = new DockerEngine(settings);
        // The runner makes its private work directory on the container's tmpfs; uid slots are not used (disabled).
        this.runnerSettings = new SubprocessSettings(Path.of("python3"), Path.of(ContainerSpec.WORK_DIR),
                settings.disabledLayers(), 61000, 1, settings.grace());
        try {
            sweep();
        } catch (RuntimeException e) {
            log.warn(null, "sweep of leftover containers skipped", Map.of("error", String.valueOf(e.getMessage())));
        }
        this.pool = new WarmContainerPool(engine, ContainerSpec.of(Limits.defaults(), settings), settings.poolSize(),
                labels("pool"), log);
    }

    @Override
    public ExecutionMode mode() {
        return ExecutionMode.CONTAINER;
    }

    @Override
    public Availability availability() {
        if (pool.hasLiveContainer()) {
            return Availability.AVAILABLE;   // an open stream to a started container: the engine and image work
        }
        CachedAvailability cached = availability.get();
        if (cached != null && System.nanoTime() - cached.atNanos() < AVAILABILITY_TTL.toNanos()) {
            return cached.value();
        }
        Availability value = probe();
        availability.set(new CachedAvailability(value, System.nanoTime()));
        return value;
    }

    /**
     * Removes managed containers whose owning process is gone (another boot, or a dead pid); returns how many.
     * Containers of live processes, this one included, are left alone. Runs when the executor is created.
     */
    public int sweep() {
        int removed = 0;
        for (Container container : engine.managedContainers(Map.of(DockerEngine.LABEL_MANAGED, "true"))) {
            Map<String, String> labels = container.getLabels() == null ? Map.of() : container.getLabels();
            Optional<OwnerId> ownerId = OwnerId.parse(labels.get(DockerEngine.LABEL_OWNER));
            if (ownerId.isPresent() && !ownerId.get().sameProcess(owner) && ownerId.get().isGone()
                    && engine.removeQuietly(container.getId())) {
                removed++;
            }
        }
        if (removed > 0) {
            log.info(null, "removed containers left by dead processes", Map.of("count", removed));
        }
        return removed;
    }

    /** Waits until the warm pool is full; false when the timeout passed first. */
    public boolean awaitWarm(Duration timeout) throws InterruptedException {
        return pool.awaitFull(timeout);
    }

    /** The label value that marks this executor's containers. */
    public String ownerId() {
        return owner.toString();
    }

    @Override
    public RunReport run(ExecutionJob job) {
        if (closed) {
            throw new ExecutorUnavailableException("the Docker executor is closed", null);
        }
        byte[] document = encode(job);
        Acquired acquired;
        try {
            acquired = acquire(ContainerSpec.of(job.limits(), settings));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorFailureException("interrupted while taking a container", e);
        }
        RunnerSession session = acquired.session();
        try {
            try {
                session.handOver(document, answerCap(job));
            } catch (IOException | RuntimeException e) {
                throw failure(session.containerId(), "handing the job to the container failed", e);
            }
            return await(session, job);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorFailureException("interrupted while running in a container", e);
        } finally {
            session.close();
            cleanUpLater(session.containerId(), acquired.pooled());
        }
    }

    /** Removes every container of this executor (warm ones included) and stops the pool. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pool.close();
        cleaner.shutdown();
        try {
            if (!cleaner.awaitTermination(60, TimeUnit.SECONDS)) {
                log.warn(null, "container removals still pending at close", Map.of());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            for (Container container : engine.managedContainers(Map.of(DockerEngine.LABEL_OWNER, owner.toString()))) {
                engine.removeQuietly(container.getId());
            }
        } catch (RuntimeException e) {
            log.warn(null, "could not remove this process's containers at close",
                    Map.of("error", String.valueOf(e.getMessage())));
        }
        engine.close();
    }

    // ------------------------------------------------------------------ internals

    /** A container whose runner waits for the job, with its streams attached; unavailable when none can be had. */
    private Acquired acquire(ContainerSpec spec) throws InterruptedException {
        boolean wait = settings.onExhausted() == DockerSettings.Exhaustion.WAIT;
        Optional<RunnerSession> warm = pool.take(spec, wait ? settings.exhaustedWait() : Duration.ZERO);
        if (warm.isPresent()) {
            return new Acquired(warm.get(), true);
        }
        if (wait && pool.size() > 0 && spec.equals(pool.spec())) {
            throw new ExecutorUnavailableException("no warm container within " + settings.exhaustedWait(), null);
        }
        try {
            return new Acquired(engine.startAttached(spec, labels("on-demand")), false);
        } catch (RuntimeException e) {
            throw new ExecutorUnavailableException("cannot start a container: " + e.getMessage(), e);
        }
    }

    /**
     * The job as the runner reads it: one line, which the runner takes without waiting for the end of its input.
     * {@code ownCgroup}: the runner and the code are alone in the container's cgroup, so the runner reads the
     * cgroup's out-of-memory kill counter and reports an OOM kill of any process of the code itself (see
     * {@link #await}).
     */
    private byte[] encode(ExecutionJob job) {
        try {
            byte[] document = JSON.writeValueAsBytes(protocol.writeRunnerJob(job, runnerSettings)
                    .put("ownCgroup", true));
            byte[] line = Arrays.copyOf(document, document.length + 1);
            line[document.length] = '\n';
            return line;
        } catch (JsonProcessingException e) {
            throw new ExecutorFailureException("cannot encode the job", e);
        }
    }

    /** Two capped streams, JSON-escaped, and the rest of the answer. */
    private static int answerCap(ExecutionJob job) {
        return 16 * job.limits().maxOutputBytes() + 1024 * 1024;
    }

    /**
     * Waits for the runner's answer within the job's deadline plus grace and maps it. The answer is final as soon as
     * it arrives when the runner read its cgroup's OOM-kill counter ({@code oomKills}): the container's exit and
     * removal then happen off the critical path. Otherwise (no answer, or a runner that could not read the counter)
     * the engine's view of the ended container decides whether the memory limit killed a process.
     */
    private RunReport await(RunnerSession session, ExecutionJob job) throws InterruptedException {
        String id = session.containerId();
        long handedOver = System.nanoTime();
        long deadline = job.limits().timeoutSeconds() * 1_000_000_000L + settings.grace().toNanos();
        if (!session.awaitAnswer(deadline)) {
            engine.kill(id);   // the code, not only this call: the container is killed, then removed
            return new RunReport(Outcome.TIMEOUT, null, null, null, null, isolation(List.of()), elapsedMs(handedOver),
                    "the container overran the deadline of " + job.limits().timeoutSeconds() + " s (+"
                            + settings.grace().toSeconds() + " s grace) and was killed");
        }
        if (session.streamError() != null) {
            throw failure(id, "the attach stream broke", session.streamError());
        }
        JsonNode document = parse(session.stdout());
        if (session.overflow()) {
            return RunReport.systemError("the runner's answer exceeded its cap", isolation(List.of()),
                    elapsedMs(handedOver));
        }
        if (document == null) {
            // no answer: the runner died (killed for memory, or the engine broke)
            InspectContainerResponse.ContainerState state = exitState(session);
            if (Boolean.TRUE.equals(state.getOOMKilled())) {
                return memoryLimit(job, null, elapsedMs(handedOver));
            }
            String why = lastLine(session.stderr());
            return RunReport.systemError("the runner exited with " + state.getExitCodeLong() + " without a result"
                    + (why.isEmpty() ? "" : ": " + why), isolation(List.of()), elapsedMs(handedOver));
        }
        RunReport report;
        try {
            report = protocol.readReport(document);
        } catch (ExecutorFailureException e) {
            return RunReport.systemError(e.getMessage(), isolation(List.of()), elapsedMs(handedOver));
        }
        // The cgroup's OOM killer may have killed another process of the code (a forked child) while the rest carried
        // on. Without the runner's count, the engine records it in the container's state when the container ends.
        if (!document.path("oomKills").isIntegralNumber()
                && Boolean.TRUE.equals(exitState(session).getOOMKilled())) {
            return memoryLimit(job, report, report.durationMs());
        }
        return adjust(report, isolation(report.isolation()));
    }

    /** Resource exhaustion the runner saw only as an error of the code (threads, forks) is the process bound. */
    static RunReport adjust(RunReport report, List<String> isolation) {
        Outcome outcome = report.outcome();
        String detail = report.detail();
        if (outcome == Outcome.RUNTIME_ERROR) {
            String type = report.exception() == null ? "" : String.valueOf(report.exception().type());
            String text = report.stderr().text();
            if (type.equals("BlockingIOError") || text.contains("can't start new thread")
                    || text.contains("Resource temporarily unavailable")) {
                outcome = Outcome.RESOURCE_LIMIT;
                detail = "process limit reached" + (detail == null ? "" : "; " + detail);
            }
        }
        return new RunReport(outcome, report.stdout(), report.stderr(), report.exitCode(), report.exception(),
                isolation, report.durationMs(), detail);
    }

    private RunReport memoryLimit(ExecutionJob job, RunReport report, long durationMs) {
        String detail = "container memory limit of " + job.limits().memoryMb() + " MiB reached (killed by the engine)";
        if (report == null) {
            return new RunReport(Outcome.MEMORY_LIMIT, null, null, null, null, isolation(List.of()), durationMs,
                    detail);
        }
        return new RunReport(Outcome.MEMORY_LIMIT, report.stdout(), report.stderr(), report.exitCode(),
                report.exception(), isolation(report.isolation()), durationMs, detail);
    }

    /** The container's state once it has exited (or after a bounded wait); the engine failing is a failure. */
    private InspectContainerResponse.ContainerState exitState(RunnerSession session) throws InterruptedException {
        String id = session.containerId();
        session.awaitEnd(EXIT_WAIT);
        long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
        try {
            while (true) {
                InspectContainerResponse.ContainerState state = engine.inspectState(id);
                if (!Boolean.TRUE.equals(state.getRunning()) || System.nanoTime() > deadline) {
                    return state;
                }
                Thread.sleep(10);
            }
        } catch (RuntimeException e) {
            throw failure(id, "the engine failed while the container ran", e);
        }
    }

    private ExecutorFailureException failure(String id, String what, Exception e) {
        if (e instanceof DockerEngine.EngineDownException || e instanceof DockerException) {
            return new ExecutorFailureException(what + ": " + e.getMessage(), e);
        }
        try {
            engine.ping();
        } catch (RuntimeException down) {
            return new ExecutorFailureException(what + ": " + down.getMessage(), e);
        }
        return new ExecutorFailureException(what + " (container " + id + "): " + e.getMessage(), e);
    }

    private Availability probe() {
        try {
            engine.ping();
            if (!engine.imagePresent(settings.image())) {
                return Availability.unavailable("the runner image " + settings.image()
                        + " is missing (runner-image/build-local builds it)");
            }
            if (engineLayers == null) {
                engineLayers = engine.securityOptions().stream().anyMatch(o -> o.contains("seccomp"))
                        ? List.of("seccomp:engine-default") : List.of();
            }
            return Availability.AVAILABLE;
        } catch (RuntimeException e) {
            return Availability.unavailable(String.valueOf(e.getMessage()));
        }
    }

    private List<String> isolation(List<String> runnerLayers) {
        List<String> layers = new ArrayList<>(runnerLayers);
        layers.addAll(ContainerSpec.layers());
        List<String> engineSide = engineLayers;
        if (engineSide == null) {
            try {
                engineSide = engine.securityOptions().stream().anyMatch(o -> o.contains("seccomp"))
                        ? List.of("seccomp:engine-default") : List.of();
                engineLayers = engineSide;
            } catch (RuntimeException e) {
                engineSide = List.of();
            }
        }
        layers.addAll(engineSide);
        return layers;
    }

    private Map<String, String> labels(String origin) {
        return Map.of(DockerEngine.LABEL_MANAGED, "true", DockerEngine.LABEL_OWNER, owner.toString(),
                DockerEngine.LABEL_ORIGIN, origin);
    }

    /**
     * Removes the container, and lets the pool replace a warm one, {@link #CLEANUP_DELAY} after the answer: the
     * caller has usually stored the result by then, which the engine's work (stopping, removing and starting
     * containers: hundreds of milliseconds of CPU) would otherwise slow down on a small machine.
     */
    private void cleanUpLater(String id, boolean pooled) {
        Runnable cleanUp = () -> {
            try {
                if (!engine.remove(id)) {
                    log.warn(null, "container removal refused; close() retries", Map.of("container", id));
                }
            } catch (RuntimeException e) {
                log.warn(null, "container could not be removed; close() or the next sweep retries",
                        Map.of("container", id, "error", String.valueOf(e.getMessage())));
            } finally {
                if (pooled) {
                    pool.release();
                }
            }
        };
        try {
            cleaner.execute(() -> {
                try {
                    Thread.sleep(CLEANUP_DELAY);
                } catch (InterruptedException e) {
                    // never interrupted: close() waits for the cleaner
                }
                cleanUp.run();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            cleanUp.run();   // closing: at once
        }
    }

    private static JsonNode parse(byte[] stdout) {
        if (stdout.length == 0) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(stdout);
            return node != null && node.isObject() ? node : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        String last = lines[lines.length - 1].strip();
        return last.length() > 300 ? last.substring(0, 300) + "..." : last;
    }

    private static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
