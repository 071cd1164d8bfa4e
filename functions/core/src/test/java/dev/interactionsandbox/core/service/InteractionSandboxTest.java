package dev.interactionsandbox.core.service;

import dev.interactionsandbox.core.error.ExecutorFailureException;
import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import dev.interactionsandbox.core.error.ResultNotStoredException;
import dev.interactionsandbox.core.error.StoreException;
import dev.interactionsandbox.core.model.AuditEventType;
import dev.interactionsandbox.core.model.AuditRecord;
import dev.interactionsandbox.core.model.CallerContext;
import dev.interactionsandbox.core.model.CapturedOutput;
import dev.interactionsandbox.core.model.DetachedRun;
import dev.interactionsandbox.core.model.ExceptionInfo;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.ExecutionRequest;
import dev.interactionsandbox.core.model.ExecutionResult;
import dev.interactionsandbox.core.model.ExecutionStatus;
import dev.interactionsandbox.core.model.Finding;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.model.RunProgress;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.model.SanitizerReport;
import dev.interactionsandbox.core.port.Executor;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InteractionSandboxTest {
    private static final String ID = "00000000-0000-4000-8000-000000000001";
    private static final CallerContext CALLER = new CallerContext("arn:aws:iam::1:user/alice", "203.0.113.9", "api", "r1");

    private final InMemoryPorts.Store store = new InMemoryPorts.Store();
    private final InMemoryPorts.Audit audit = new InMemoryPorts.Audit();
    private final InMemoryPorts.Sanitizer sanitizer = new InMemoryPorts.Sanitizer();
    private final InMemoryPorts.Log log = new InMemoryPorts.Log();
    private final InMemoryPorts.FakeExecutor subprocess = new InMemoryPorts.FakeExecutor(ExecutionMode.SUBPROCESS,
            job -> new RunReport(Outcome.OK, new CapturedOutput("1\n", false), CapturedOutput.EMPTY, 0, null,
                    List.of("rlimits"), 7, null));

    private java.util.concurrent.Executor writes = Runnable::run;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    private InteractionSandbox sandbox(Optional<Executor> container) {
        return new InteractionSandbox(sanitizer, store, audit, new PathSelector(subprocess, container), log, clock,
                () -> ID, new Durability(Duration.ofSeconds(1), Duration.ofMinutes(10)), writes);
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** A container path whose runs detach, as Fargate tasks do; the test decides when a run has finished. */
    static final class DetachingExecutor extends InMemoryPorts.FakeExecutor {
        RunReport finished;
        final List<String> stopped = new java.util.ArrayList<>();

        DetachingExecutor() {
            super(ExecutionMode.CONTAINER, job -> { throw new AssertionError("detached runs are launched"); });
        }

        @Override
        public RunProgress launch(ExecutionJob job) {
            jobs.add(job);
            return new RunProgress.Detached(new DetachedRun("arn:task/1",
                    Instant.parse("2026-01-01T00:01:00Z"), List.of("fargate")));
        }

        @Override
        public Optional<RunReport> poll(DetachedRun run) {
            return Optional.ofNullable(finished);
        }

        @Override
        public void stop(DetachedRun run, String reason) {
            stopped.add(run.handle());
        }
    }

    @Test
    void detachedRunsAreAcceptedThenCompletedWhenReadBack() {
        DetachingExecutor fargate = new DetachingExecutor();
        InteractionSandbox sandbox = sandbox(Optional.of(fargate));

        ExecutionResult accepted = sandbox.execute(request(ExecutionMode.CONTAINER), CALLER);
        ExecutionResult stillRunning = sandbox.find(ID).orElseThrow();
        fargate.finished = new RunReport(Outcome.OK, new CapturedOutput("done\n", false), CapturedOutput.EMPTY, 0,
                null, List.of("fargate"), 20_000, null);
        ExecutionResult done = sandbox.find(ID).orElseThrow();

        assertEquals(ExecutionStatus.RUNNING, accepted.status());
        assertEquals("arn:task/1", accepted.detached().handle());
        assertEquals(ExecutionStatus.RUNNING, stillRunning.status());
        assertEquals(ExecutionStatus.SUCCEEDED, done.status());
        assertEquals("done\n", done.stdout().text());
        assertEquals(done, sandbox.find(ID).orElseThrow(), "a final result is read back unchanged");
        assertEquals(List.of(AuditEventType.REQUESTED, AuditEventType.STARTED, AuditEventType.COMPLETED),
                audit.events());
    }

    @Test
    void detachedRunsPastTheirDeadlineAreStoppedAsTimeouts() {
        DetachingExecutor fargate = new DetachingExecutor();
        InteractionSandbox sandbox = sandbox(Optional.of(fargate));
        sandbox.execute(request(ExecutionMode.CONTAINER), CALLER);

        clock.now = Instant.parse("2026-01-01T00:02:00Z");
        ExecutionResult result = sandbox.find(ID).orElseThrow();

        assertEquals(Outcome.TIMEOUT, result.outcome());
        assertEquals(List.of("arn:task/1"), fargate.stopped);
        assertEquals(120_000, result.durationMs());
    }

    private static ExecutionRequest request(ExecutionMode mode) {
        return new ExecutionRequest("print(1)", mode, Limits.defaults(), "", "t", Policy.STANDARD);
    }

    @Test
    void runsStoresAndAuditsASuccessfulExecution() {
        ExecutionResult result = sandbox(Optional.empty()).execute(request(ExecutionMode.SUBPROCESS), CALLER);

        assertEquals(ExecutionStatus.SUCCEEDED, result.status());
        assertTrue(result.success());
        assertEquals("1\n", result.stdout().text());
        assertEquals(ExecutionMode.SUBPROCESS, result.mode());
        assertEquals(List.of("rlimits"), result.isolation());
        assertEquals(result, store.find(ID).orElseThrow());
        assertEquals(ExecutionStatus.RUNNING, store.writes.get(0).status(), "RUNNING is stored before the code runs");
        assertEquals(List.of(AuditEventType.REQUESTED, AuditEventType.STARTED, AuditEventType.COMPLETED), audit.events());
        AuditRecord requested = audit.records.get(0);
        assertEquals("d287bb7f9d15abdc5b6e98536263815744b6ef21c8f3c839fc434ca70d8efe99", requested.codeSha256());
        assertEquals(8, requested.codeBytes());
        assertEquals("203.0.113.9", requested.caller().sourceIp());
        assertEquals(2, audit.records.get(2).stdoutChars());
    }

    @Test
    void refusedCodeNeverRuns() {
        Finding finding = new Finding("dangerous-call", "os.system runs a shell", 1, 0, true);
        sanitizer.answer = new SanitizerReport(SanitizerReport.Verdict.REJECT, List.of(finding), null);

        ExecutionResult result = sandbox(Optional.empty()).execute(request(ExecutionMode.SUBPROCESS), CALLER);

        assertEquals(ExecutionStatus.REJECTED, result.status());
        assertEquals(Outcome.POLICY_VIOLATION, result.outcome());
        assertEquals(List.of(finding), result.findings());
        assertTrue(subprocess.jobs.isEmpty());
        assertEquals(List.of(AuditEventType.REQUESTED, AuditEventType.REJECTED), audit.events());
        assertEquals(result, store.find(ID).orElseThrow());
    }

    @Test
    void codeThatDoesNotParseIsASyntaxErrorWithoutRunning() {
        sanitizer.answer = new SanitizerReport(SanitizerReport.Verdict.SYNTAX_ERROR, List.of(),
                new ExceptionInfo("SyntaxError", "invalid syntax", 3));

        ExecutionResult result = sandbox(Optional.empty()).execute(request(ExecutionMode.AUTO), CALLER);

        assertEquals(ExecutionStatus.FAILED, result.status());
        assertEquals(Outcome.SYNTAX_ERROR, result.outcome());
        assertEquals(3, result.exception().line());
        assertTrue(subprocess.jobs.isEmpty());
    }

    @Test
    void failsClosedWhenTheRequestCannotBeAudited() {
        audit.failOn = AuditEventType.REQUESTED;

        assertThrows(StoreException.class,
                () -> sandbox(Optional.empty()).execute(request(ExecutionMode.SUBPROCESS), CALLER));
        assertTrue(subprocess.jobs.isEmpty());
        // The RUNNING result written in the same step does not claim a run: it ends as "nothing ran".
        ExecutionResult stored = store.items.get(ID);
        assertEquals(ExecutionStatus.FAILED, stored.status());
        assertEquals(Outcome.SYSTEM_ERROR, stored.outcome());
        assertTrue(stored.detail().startsWith("nothing ran"), stored.detail());
        assertEquals(List.of(AuditEventType.STARTED, AuditEventType.FAILED), audit.events());
    }

    @Test
    void failsClosedWhenTheStartCannotBeAudited() {
        writes = Executors.newVirtualThreadPerTaskExecutor();
        audit.failOn = AuditEventType.STARTED;

        assertThrows(StoreException.class,
                () -> sandbox(Optional.empty()).execute(request(ExecutionMode.SUBPROCESS), CALLER));
        assertTrue(subprocess.jobs.isEmpty());
        assertEquals(ExecutionStatus.FAILED, store.items.get(ID).status());
        assertFalse(audit.events().contains(AuditEventType.COMPLETED));
    }

    @Test
    void theRequestIsAuditedWhileTheCodeIsAnalysed() {
        writes = Executors.newVirtualThreadPerTaskExecutor();
        CountDownLatch analysisStarted = new CountDownLatch(1);
        boolean[] overlapped = new boolean[1];
        InMemoryPorts.Audit waiting = new InMemoryPorts.Audit() {
            @Override
            public void append(AuditRecord record) {
                if (record.event() == AuditEventType.REQUESTED) {
                    try {
                        overlapped[0] = analysisStarted.await(2, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.append(record);
            }
        };
        InMemoryPorts.Sanitizer signalling = new InMemoryPorts.Sanitizer() {
            @Override
            public SanitizerReport analyze(String code, Policy policy) {
                analysisStarted.countDown();
                return super.analyze(code, policy);
            }
        };
        InteractionSandbox service = new InteractionSandbox(signalling, store, waiting,
                new PathSelector(subprocess, Optional.empty()), log, clock, () -> ID,
                new Durability(Duration.ofSeconds(1), Duration.ofMinutes(10)), writes);

        ExecutionResult result = service.execute(request(ExecutionMode.SUBPROCESS), CALLER);

        assertEquals(Outcome.OK, result.outcome());
        assertTrue(overlapped[0], "the REQUESTED record was written before the analysis instead of during it");
        assertEquals(List.of(AuditEventType.REQUESTED, AuditEventType.STARTED, AuditEventType.COMPLETED),
                waiting.events());
    }

    @Test
    void theResultAndItsRecordAreWrittenTogether() {
        writes = Executors.newVirtualThreadPerTaskExecutor();
        CountDownLatch completedWritten = new CountDownLatch(1);
        InMemoryPorts.Audit signalling = new InMemoryPorts.Audit() {
            @Override
            public void append(AuditRecord record) {
                super.append(record);
                if (record.event() == AuditEventType.COMPLETED) {
                    completedWritten.countDown();
                }
            }
        };
        boolean[] overlapped = new boolean[1];
        InMemoryPorts.Store waiting = new InMemoryPorts.Store() {
            @Override
            public void update(ExecutionResult result) {
                if (result.status().isFinal()) {
                    try {
                        overlapped[0] = completedWritten.await(2, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.update(result);
            }
        };
        InteractionSandbox service = new InteractionSandbox(sanitizer, waiting, signalling,
                new PathSelector(subprocess, Optional.empty()), log, clock, () -> ID,
                new Durability(Duration.ofSeconds(1), Duration.ofMinutes(10)), writes);

        ExecutionResult result = service.execute(request(ExecutionMode.SUBPROCESS), CALLER);

        assertEquals(Outcome.OK, result.outcome());
        assertEquals(Outcome.OK, waiting.items.get(ID).outcome());
        assertTrue(overlapped[0], "the final result waited for its audit record instead of overlapping it");
    }

    @Test
    void doesNotRunWhenTheResultCannotBeRecorded() {
        store.failing = true;

        assertThrows(StoreException.class,
                () -> sandbox(Optional.empty()).execute(request(ExecutionMode.SUBPROCESS), CALLER));
        assertTrue(subprocess.jobs.isEmpty());
    }

    @Test
    void autoFallsBackToTheSubprocessPathAndSaysWhy() {
        InMemoryPorts.FakeExecutor container = new InMemoryPorts.FakeExecutor(ExecutionMode.CONTAINER,
                job -> { throw new AssertionError("must not run"); });
        container.availability = Executor.Availability.unavailable("Docker daemon not reachable");

        ExecutionResult result = sandbox(Optional.of(container)).execute(request(ExecutionMode.AUTO), CALLER);

        assertEquals(ExecutionMode.SUBPROCESS, result.mode());
        assertEquals("the container path is unavailable: Docker daemon not reachable", result.fallbackReason());
        assertEquals(List.of(AuditEventType.REQUESTED, AuditEventType.FALLBACK, AuditEventType.STARTED,
                AuditEventType.COMPLETED), audit.events());
        assertTrue(log.lines.stream().anyMatch(l -> l.startsWith("WARN") && l.contains("Docker daemon")));
    }

    @Test
    void autoPrefersAnAvailableContainerPath() {
        InMemoryPorts.FakeExecutor container = new InMemoryPorts.FakeExecutor(ExecutionMode.CONTAINER,
                job -> new RunReport(Outcome.OK, CapturedOutput.EMPTY, CapturedOutput.EMPTY, 0, null,
                        List.of("container"), 3, null));

        ExecutionResult result = sandbox(Optional.of(container)).execute(request(ExecutionMode.AUTO), CALLER);

        assertEquals(ExecutionMode.CONTAINER, result.mode());
        assertNull(result.fallbackReason());
        assertTrue(subprocess.jobs.isEmpty());
    }

    @Test
    void autoFallsBackWhenTheContainerPathCannotStartTheRun() {
        InMemoryPorts.FakeExecutor container = new InMemoryPorts.FakeExecutor(ExecutionMode.CONTAINER,
                job -> { throw new ExecutorUnavailableException("RunTask started no task: RESOURCE:MEMORY", null); });

        ExecutionResult auto = sandbox(Optional.of(container)).execute(request(ExecutionMode.AUTO), CALLER);

        assertEquals(Outcome.OK, auto.outcome());
        assertEquals(ExecutionMode.SUBPROCESS, auto.mode());
        assertTrue(auto.fallbackReason().contains("RESOURCE:MEMORY"), auto.fallbackReason());
        assertEquals(List.of(AuditEventType.REQUESTED, AuditEventType.STARTED, AuditEventType.FALLBACK,
                AuditEventType.COMPLETED), audit.events());
    }

    @Test
    void containerModeDoesNotFallBackWhenTheRunCannotStart() {
        InMemoryPorts.FakeExecutor container = new InMemoryPorts.FakeExecutor(ExecutionMode.CONTAINER,
                job -> { throw new ExecutorUnavailableException("RunTask throttled", null); });

        ExecutionResult result = sandbox(Optional.of(container)).execute(request(ExecutionMode.CONTAINER), CALLER);

        assertEquals(Outcome.SYSTEM_ERROR, result.outcome());
        assertEquals(ExecutionMode.CONTAINER, result.mode());
        assertTrue(subprocess.jobs.isEmpty());
    }

    @Test
    void theFinalWriteIsRetriedThroughAShortOutage() {
        store.failNextUpdates = 2;

        ExecutionResult result = sandbox(Optional.empty()).execute(request(ExecutionMode.SUBPROCESS), CALLER);

        assertEquals(ExecutionStatus.SUCCEEDED, store.find(ID).orElseThrow().status());
        assertEquals(Outcome.OK, result.outcome());
    }

    @Test
    void theEndRecordIsRetriedThroughAShortOutageToo() {
        writes = Executors.newVirtualThreadPerTaskExecutor();
        int[] failures = {2};
        InMemoryPorts.Audit flaky = new InMemoryPorts.Audit() {
            @Override
            public void append(AuditRecord record) {
                if (record.event() == AuditEventType.COMPLETED && failures[0]-- > 0) {
                    throw new StoreException("audit throttled", null, true);
                }
                super.append(record);
            }
        };
        InteractionSandbox service = new InteractionSandbox(sanitizer, store, flaky,
                new PathSelector(subprocess, Optional.empty()), log, clock, () -> ID,
                new Durability(Duration.ofSeconds(1), Duration.ofMinutes(10)), writes);

        ExecutionResult result = service.execute(request(ExecutionMode.SUBPROCESS), CALLER);

        assertEquals(Outcome.OK, result.outcome());
        assertEquals(List.of(AuditEventType.REQUESTED, AuditEventType.STARTED, AuditEventType.COMPLETED),
                flaky.events());
    }

    @Test
    void aResultThatCannotBeStoredIsNotRetriableAndIsMarkedLostLater() {
        InteractionSandbox sandbox = sandbox(Optional.empty());
        store.failNextUpdates = 1_000;

        ResultNotStoredException failure = assertThrows(ResultNotStoredException.class,
                () -> sandbox.execute(request(ExecutionMode.SUBPROCESS), CALLER));
        assertFalse(failure.retryable(), "retrying would run the code again");
        assertEquals(ExecutionStatus.RUNNING, store.find(ID).orElseThrow().status());

        store.failNextUpdates = 0;
        clock.now = clock.now.plus(Duration.ofMinutes(5));
        assertEquals(ExecutionStatus.RUNNING, sandbox.find(ID).orElseThrow().status(), "not abandoned yet");
        clock.now = clock.now.plus(Duration.ofMinutes(6));
        ExecutionResult lost = sandbox.find(ID).orElseThrow();

        assertEquals(Outcome.SYSTEM_ERROR, lost.outcome());
        assertTrue(lost.detail().contains("lost"), lost.detail());
        assertEquals(AuditEventType.FAILED, audit.events().get(audit.events().size() - 1));
    }

    @Test
    void containerModeNeverFallsBack() {
        ExecutionResult result = sandbox(Optional.empty()).execute(request(ExecutionMode.CONTAINER), CALLER);

        assertEquals(Outcome.SYSTEM_ERROR, result.outcome());
        assertEquals(ExecutionMode.CONTAINER, result.mode());
        assertNull(result.fallbackReason());
        assertTrue(result.detail().contains("not configured"));
        assertTrue(subprocess.jobs.isEmpty());
        assertEquals(AuditEventType.FAILED, audit.events().get(audit.events().size() - 1));
    }

    @Test
    void aPathThatBreaksMidRunIsAStoredSystemError() {
        subprocess.behaviour = job -> { throw new ExecutorFailureException("daemon died", null); };

        ExecutionResult result = sandbox(Optional.empty()).execute(request(ExecutionMode.SUBPROCESS), CALLER);

        assertEquals(Outcome.SYSTEM_ERROR, result.outcome());
        assertFalse(result.success());
        assertEquals(result, store.find(ID).orElseThrow());
        assertEquals(List.of(AuditEventType.REQUESTED, AuditEventType.STARTED, AuditEventType.FAILED), audit.events());
    }
}
