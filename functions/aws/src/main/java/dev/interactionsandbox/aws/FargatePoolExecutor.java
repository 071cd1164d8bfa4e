package dev.interactionsandbox.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interactionsandbox.core.error.ExecutorFailureException;
import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import dev.interactionsandbox.core.model.CapturedOutput;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.port.Executor;
import dev.interactionsandbox.python.RunnerProtocol;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The container path through the pool of pre-started runner tasks: the job is handed to one waiting task over a
 * TCP connection inside the VPC and its result read back on the same connection, so the run finishes within the
 * request (no task start, no log polling). Tasks are tried in random order, so that concurrent callers rarely pick
 * the same one; a task that does not accept (another caller took it) is skipped; when none accepts, the pool is
 * {@linkplain ExecutorUnavailableException unavailable} and the caller takes another path (RunTask).
 */
public final class FargatePoolExecutor implements Executor {
    /** What the pool adds to the task definition's layers: the task accepts one connection and serves one job. */
    public static final List<String> POOL_LAYERS = List.of("single-use-listener");
    private static final long RESULT_OVERHEAD_BYTES = 1 << 20;

    private final PoolTaskDiscovery tasks;
    private final TaskDefinitionIsolation isolation;
    private final FargatePoolSettings settings;
    private final PoolHandOver handOver;
    private final RunnerProtocol protocol;
    private final ObjectMapper json;
    private final Clock clock;
    private final RandomGenerator random;

    public FargatePoolExecutor(PoolTaskDiscovery tasks, TaskDefinitionIsolation isolation,
                               FargatePoolSettings settings, ObjectMapper json, Clock clock, RandomGenerator random) {
        this.tasks = tasks;
        this.isolation = isolation;
        this.settings = settings;
        this.handOver = new PoolHandOver(settings.connectTimeout(), settings.acceptTimeout(), clock);
        this.protocol = new RunnerProtocol(json);
        this.json = json;
        this.clock = clock;
        this.random = random;
    }

    @Override
    public ExecutionMode mode() {
        return ExecutionMode.CONTAINER;
    }

    /** Whether a task is free shows only when one accepts; an empty pool is reported by {@link #run}. */
    @Override
    public Availability availability() {
        return Availability.AVAILABLE;
    }

    @Override
    public RunReport run(ExecutionJob job) {
        List<String> layers = FargateIsolation.merge(isolation.layers(), POOL_LAYERS);
        byte[] line = jobLine(job);
        List<PoolTask> candidates = new ArrayList<>(tasks.available());
        Collections.shuffle(candidates, random);
        Duration wait = Duration.ofSeconds(job.limits().timeoutSeconds()).plus(settings.resultGrace());
        // both output streams, JSON-escaped at worst 6 bytes per byte, and the rest of the report
        long resultMax = RESULT_OVERHEAD_BYTES + 12L * job.limits().maxOutputBytes();
        for (PoolTask task : candidates) {
            tasks.claimed(task);
            Instant started = clock.instant();
            PoolHandOver.Exchange exchange = handOver.exchange(task.endpoint(), line, wait, resultMax);
            long durationMs = Duration.between(started, clock.instant()).toMillis();
            switch (exchange) {
                case PoolHandOver.Exchange.Taken taken -> {
                    continue;
                }
                case PoolHandOver.Exchange.Answered answered -> {
                    return report(answered.line(), task, layers, durationMs);
                }
                case PoolHandOver.Exchange.Lost lost -> {
                    return RunReport.systemError("the runner task " + task.id() + " ended without a result: "
                            + lost.reason(), layers, durationMs);
                }
                case PoolHandOver.Exchange.TimedOut timedOut -> {
                    return new RunReport(Outcome.TIMEOUT, CapturedOutput.EMPTY, CapturedOutput.EMPTY, null, null,
                            layers, durationMs, "the runner task " + task.id() + " sent no result within "
                            + wait.toSeconds() + " s");
                }
            }
        }
        throw new ExecutorUnavailableException(candidates.isEmpty() ? "the runner pool has no waiting task"
                : "none of the " + candidates.size() + " waiting runner tasks accepted the job", null);
    }

    private RunReport report(String line, PoolTask task, List<String> layers, long durationMs) {
        try {
            RunReport r = protocol.readReport(json.readTree(line));
            return new RunReport(r.outcome(), r.stdout(), r.stderr(), r.exitCode(), r.exception(),
                    FargateIsolation.merge(layers, r.isolation()), r.durationMs(), r.detail());
        } catch (JsonProcessingException | ExecutorFailureException e) {
            return RunReport.systemError("the runner task " + task.id() + " answered with no valid result",
                    layers, durationMs);
        }
    }

    private byte[] jobLine(ExecutionJob job) {
        try {
            byte[] doc = json.writeValueAsBytes(protocol.writeJob(job));
            byte[] line = new byte[doc.length + 1];
            System.arraycopy(doc, 0, line, 0, doc.length);
            line[doc.length] = '\n';
            return line;
        } catch (JsonProcessingException e) {
            throw new ExecutorFailureException("the job cannot be written: " + e.getMessage(), e);
        }
    }
}
