package dev.interactionsandbox.core.service;

import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import dev.interactionsandbox.core.error.ResultNotStoredException;
import dev.interactionsandbox.core.error.StoreException;
import dev.interactionsandbox.core.error.ExecutorFailureException;
import dev.interactionsandbox.core.model.AuditEventType;
import dev.interactionsandbox.core.model.CallerContext;
import dev.interactionsandbox.core.model.CapturedOutput;
import dev.interactionsandbox.core.model.DetachedRun;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.ExecutionRequest;
import dev.interactionsandbox.core.model.ExecutionResult;
import dev.interactionsandbox.core.model.ExecutionStatus;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.RunProgress;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.model.SanitizerReport;
import dev.interactionsandbox.core.port.AuditLog;
import dev.interactionsandbox.core.port.CodeSanitizer;
import dev.interactionsandbox.core.port.ExecutionStore;
import dev.interactionsandbox.core.port.Executor;
import dev.interactionsandbox.core.port.OperationalLog;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The execution service: validate (done by the caller's parser), audit, sanitise, pick a path, run, store, audit.
 * Plain Java; the Lambda handler is a thin adapter around it.
 *
 * <p>Fail closed: if the REQUESTED or STARTED audit record or the RUNNING result cannot be written, nothing runs and
 * the infrastructure exception reaches the caller. Once code has run, its result is stored before it is returned.
 *
 * <p>The writes of each step go out together ({@link ParallelWrites}): the REQUESTED record while the code is
 * analysed, the RUNNING result with the STARTED record, the final result with the COMPLETED record; every write of a
 * step has ended before the next step begins. An execution therefore waits for two store round trips, not five.
 */
public final class InteractionSandbox {
    private final CodeSanitizer sanitizer;
    private final ExecutionStore store;
    private final AuditLog audit;
    private final PathSelector paths;
    private final OperationalLog log;
    private final Clock clock;
    private final Supplier<String> executionIds;
    private final Durability durability;
    private final java.util.concurrent.Executor writes;

    /**
     * @param writes runs the writes of a step concurrently (virtual threads in production; {@code Runnable::run}
     *               writes them one after another)
     */
    public InteractionSandbox(CodeSanitizer sanitizer, ExecutionStore store, AuditLog audit, PathSelector paths,
                              OperationalLog log, Clock clock, Supplier<String> executionIds, Durability durability,
                              java.util.concurrent.Executor writes) {
        this.sanitizer = sanitizer;
        this.store = store;
        this.audit = audit;
        this.paths = paths;
        this.log = log;
        this.clock = clock;
        this.executionIds = executionIds;
        this.durability = durability;
        this.writes = writes;
    }

    /** Runs one request to completion and returns its stored result. */
    public ExecutionResult execute(ExecutionRequest request, CallerContext caller) {
        String id = executionIds.get();
        Instant createdAt = clock.instant();
        AuditTrail trail = new AuditTrail(audit, clock, id, request, caller);
        ParallelWrites step = new ParallelWrites(writes).start(trail.recording(AuditEventType.REQUESTED, e -> { }));
        log.info(id, "execution requested", fields("mode", request.mode().wireName(), "policy",
                request.policy().wireName(), "codeBytes", trail.codeBytes(), "tag", request.tag(),
                "channel", caller.channel()));

        SanitizerReport report;
        try {
            report = sanitizer.analyze(request.code(), request.policy());
        } catch (RuntimeException e) {
            step.settle();
            throw e;
        }
        if (report.verdict() != SanitizerReport.Verdict.ALLOW) {
            return refuse(request, trail, report, createdAt, step);
        }

        PathSelector.Choice choice = paths.choose(request.mode());
        if (choice.fallbackReason() != null) {
            step.start(trail.recording(AuditEventType.FALLBACK, e -> e.mode(choice.executor().mode())
                    .detail(choice.fallbackReason())));
            log.warn(id, "falling back to the subprocess path", fields("reason", choice.fallbackReason()));
        }
        ExecutionMode mode = choice.executor() == null ? choice.requestedPathMode() : choice.executor().mode();
        if (choice.executor() == null) {
            step.await();
            ExecutionResult notStarted = ExecutionResult.running(id, mode, List.of(), report.findings(), null,
                    request.tag(), createdAt);
            return finish(trail, notStarted, RunReport.systemError(choice.unavailableReason(), List.of(), 0));
        }

        ExecutionResult started = ExecutionResult.running(id, mode, List.of(), report.findings(),
                choice.fallbackReason(), request.tag(), createdAt);
        try {
            step.start(() -> store.create(started))
                    .start(trail.recording(AuditEventType.STARTED, e -> e.mode(mode)))
                    .await();
        } catch (StoreException e) {
            recordNotStarted(trail, started, e);
            throw e;
        }

        ExecutionResult running = started;
        ExecutionJob job = new ExecutionJob(id, request.code(), request.stdin(), request.limits(), request.policy());
        RunProgress progress;
        try {
            progress = choice.executor().launch(job);
        } catch (ExecutorUnavailableException e) {
            Optional<Executor> fallback = request.mode() == ExecutionMode.AUTO && mode == ExecutionMode.CONTAINER
                    ? paths.executorFor(ExecutionMode.SUBPROCESS) : Optional.empty();
            if (fallback.isEmpty()) {
                progress = platformFailure(id, e, 0);
            } else {
                String reason = "the container path could not start the execution: " + e.getMessage();
                log.warn(id, "falling back to the subprocess path", fields("reason", reason));
                ExecutionResult fellBack = ExecutionResult.running(id, ExecutionMode.SUBPROCESS, List.of(),
                        report.findings(), reason, request.tag(), createdAt);
                new ParallelWrites(writes)
                        .start(trail.recording(AuditEventType.FALLBACK, d -> d.mode(ExecutionMode.SUBPROCESS)
                                .detail(reason)))
                        .start(() -> store.update(fellBack))
                        .await();
                running = fellBack;
                progress = launch(fallback.get(), job, id);
            }
        } catch (ExecutorFailureException e) {
            progress = platformFailure(id, e, 0);
        }
        if (progress instanceof RunProgress.Detached detached) {
            ExecutionResult accepted = running.detachedAs(detached.run());
            store.update(accepted);
            log.info(id, "execution continues after the request", fields("mode", mode.wireName(),
                    "deadline", detached.run().deadline().toString()));
            return accepted;
        }
        RunReport run = ((RunProgress.Finished) progress).report();
        return finish(trail, running, run);
    }

    /**
     * The stored result of an execution, if any. A detached run that is still RUNNING is asked for its progress
     * first: finished runs are stored and audited here, runs past their deadline are stopped as timeouts.
     */
    public Optional<ExecutionResult> find(String executionId) {
        Optional<ExecutionResult> stored = store.find(executionId);
        if (stored.isEmpty() || stored.get().status().isFinal()) {
            return stored;
        }
        ExecutionResult running = stored.get();
        DetachedRun run = running.detached();
        if (run == null) {
            return abandoned(running) ? Optional.of(markLost(running)) : stored;
        }
        Executor executor = paths.executorFor(running.mode()).orElse(null);
        if (executor == null) {
            return stored;
        }
        AuditTrail trail = AuditTrail.forCompletion(audit, clock, running);
        Optional<RunReport> report;
        try {
            report = executor.poll(run);
        } catch (ExecutorUnavailableException | ExecutorFailureException e) {
            log.warn(executionId, "could not read the progress of a detached run", fields("reason", e.getMessage()));
            return stored;
        }
        if (report.isPresent()) {
            return Optional.of(finish(trail, running, report.get()));
        }
        if (clock.instant().isAfter(run.deadline())) {
            executor.stop(run, "deadline passed");
            long ms = Duration.between(running.createdAt(), clock.instant()).toMillis();
            return Optional.of(finish(trail, running, new RunReport(Outcome.TIMEOUT, CapturedOutput.EMPTY,
                    CapturedOutput.EMPTY, null, null, run.isolation(), ms,
                    "stopped: the deadline passed before the run finished")));
        }
        return stored;
    }

    /** A run in this process whose handler never stored its end: it died, or the store was down too long. */
    private boolean abandoned(ExecutionResult running) {
        return running.createdAt() != null
                && clock.instant().isAfter(running.createdAt().plus(durability.abandonedAfter()));
    }

    private ExecutionResult markLost(ExecutionResult running) {
        long ms = Duration.between(running.createdAt(), clock.instant()).toMillis();
        return finish(AuditTrail.forCompletion(audit, clock, running), running, RunReport.systemError(
                "the result of this execution was lost: it was not stored when the execution ended (the store was "
                        + "unavailable or the handler stopped)", List.of(), ms));
    }

    /**
     * The writes before a run failed, so nothing runs; but some of them may have landed (a RUNNING result, a STARTED
     * record). Best effort, so that neither claims a run that never happened: the execution ends as a system_error
     * that says nothing ran, with a FAILED record. If the store is down, these fail too and nothing was written.
     */
    private void recordNotStarted(AuditTrail trail, ExecutionResult started, StoreException cause) {
        String detail = "nothing ran: the execution could not be recorded before it started: " + cause.getMessage();
        ExecutionResult notRun = new ExecutionResult(started.executionId(), ExecutionStatus.FAILED,
                Outcome.SYSTEM_ERROR, CapturedOutput.EMPTY, CapturedOutput.EMPTY, null, null, started.mode(),
                List.of(), 0, started.findings(), started.fallbackReason(), detail, started.tag(), started.createdAt(),
                null);
        new ParallelWrites(writes)
                .start(() -> store.update(notRun))
                .start(trail.recording(AuditEventType.FAILED, e -> e.mode(started.mode()).outcome(Outcome.SYSTEM_ERROR)
                        .detail(detail)))
                .settle();
    }

    private RunProgress launch(Executor executor, ExecutionJob job, String id) {
        long started = System.nanoTime();
        try {
            return executor.launch(job);
        } catch (ExecutorUnavailableException | ExecutorFailureException e) {
            return platformFailure(id, e, Duration.ofNanos(System.nanoTime() - started).toMillis());
        }
    }

    /**
     * Stores a final result within the write budget ({@link #durably}): the code has run, so giving up loses its
     * result. Past the budget the caller gets {@link ResultNotStoredException}.
     */
    private void storeFinal(ExecutionResult result) {
        try {
            durably(result.executionId(), "storing the result", () -> store.update(result));
        } catch (StoreException e) {
            log.error(result.executionId(), "result not stored", fields("reason", e.getMessage()));
            throw new ResultNotStoredException("the execution ran but its result could not be stored: "
                    + e.getMessage(), e);
        }
    }

    /**
     * A write at the end of a run, retrying retryable store failures with backoff within the write budget; past it,
     * or on a failure that is not retryable, the last {@link StoreException}.
     */
    private void durably(String executionId, String what, Runnable write) {
        long deadline = System.nanoTime() + durability.resultWriteBudget().toNanos();
        long pauseMs = 100;
        while (true) {
            try {
                write.run();
                return;
            } catch (StoreException e) {
                if (!e.retryable() || System.nanoTime() + pauseMs * 1_000_000 > deadline) {
                    throw e;
                }
                log.warn(executionId, what + " failed; retrying", fields("reason", e.getMessage(),
                        "retryInMs", pauseMs));
                sleep(pauseMs);
                pauseMs = Math.min(pauseMs * 2, 5_000);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ResultNotStoredException("interrupted while storing a result", e);
        }
    }

    /** The code may have started; either way the platform failed this execution: a stored system_error. */
    private RunProgress platformFailure(String id, RuntimeException e, long durationMs) {
        log.error(id, "execution path failed", fields("errorType", e.getClass().getSimpleName(),
                "reason", e.getMessage()));
        return new RunProgress.Finished(RunReport.systemError(e.getMessage(), List.of(), durationMs));
    }

    private ExecutionResult refuse(ExecutionRequest request, AuditTrail trail, SanitizerReport report,
                                   Instant createdAt, ParallelWrites step) {
        boolean syntax = report.verdict() == SanitizerReport.Verdict.SYNTAX_ERROR;
        ExecutionResult result = new ExecutionResult(trail.executionId(),
                syntax ? ExecutionStatus.FAILED : ExecutionStatus.REJECTED,
                syntax ? Outcome.SYNTAX_ERROR : Outcome.POLICY_VIOLATION,
                CapturedOutput.EMPTY, CapturedOutput.EMPTY, null, report.syntaxError(), null, List.of(), 0,
                report.findings(), null,
                syntax ? "the code does not parse; nothing ran" : "the sanitiser refused the code; nothing ran",
                request.tag(), createdAt, null);
        step.start(() -> store.update(result))
                .start(trail.recording(AuditEventType.REJECTED, e -> e.outcome(result.outcome())
                        .findings(report.findings())))
                .await();
        log.info(trail.executionId(), "execution refused before running", fields("outcome",
                result.outcome().wireName(), "findings", report.findings().size()));
        return result;
    }

    private ExecutionResult finish(AuditTrail trail, ExecutionResult running, RunReport run) {
        ExecutionResult result = new ExecutionResult(running.executionId(), ExecutionStatus.forOutcome(run.outcome()),
                run.outcome(), run.stdout(), run.stderr(), run.exitCode(), run.exception(), running.mode(),
                run.isolation(), run.durationMs(), running.findings(), running.fallbackReason(), run.detail(),
                running.tag(), running.createdAt(), running.detached());
        boolean platformFailed = run.outcome() == Outcome.SYSTEM_ERROR;
        // The result first: when both fail, the caller learns that the result was not stored.
        new ParallelWrites(writes)
                .start(() -> storeFinal(result))
                .start(() -> durably(running.executionId(), "recording the end", trail.recording(
                        platformFailed ? AuditEventType.FAILED : AuditEventType.COMPLETED,
                        e -> e.mode(running.mode()).isolation(run.isolation()).outcome(run.outcome())
                                .durationMs(run.durationMs())
                                .outputs(run.stdout().text().length(), run.stderr().text().length())
                                .detail(run.detail()))))
                .await();
        log.log(platformFailed ? OperationalLog.Level.ERROR : OperationalLog.Level.INFO, running.executionId(),
                "execution finished", fields("outcome", run.outcome().wireName(), "mode", running.mode().wireName(),
                        "durationMs", run.durationMs(), "fallback", running.fallbackReason() != null));
        return result;
    }

    private static Map<String, Object> fields(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }
}
