package dev.interactionsandbox.core.service;

import dev.interactionsandbox.core.model.AuditEventType;
import dev.interactionsandbox.core.model.AuditRecord;
import dev.interactionsandbox.core.model.CallerContext;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.ExecutionRequest;
import dev.interactionsandbox.core.model.ExecutionResult;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.model.Finding;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.port.AuditLog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/** The audit records of one execution: the fields every event shares, plus what each event adds. */
final class AuditTrail {
    /** Who completes a detached run: the platform, on the request that found it finished. */
    private static final CallerContext COMPLETION = new CallerContext("interaction-sandbox", null, "completion", null);

    private final AuditLog audit;
    private final Clock clock;
    private final String executionId;
    private final CallerContext caller;
    private final String tag;
    private final String codeSha256;
    private final int codeBytes;
    private final ExecutionMode requestedMode;
    private final Policy policy;
    private final Limits limits;

    private AuditTrail(AuditLog audit, Clock clock, String executionId, CallerContext caller, String tag,
                       String codeSha256, int codeBytes, ExecutionMode requestedMode, Policy policy, Limits limits) {
        this.audit = audit;
        this.clock = clock;
        this.executionId = executionId;
        this.caller = caller;
        this.tag = tag;
        this.codeSha256 = codeSha256;
        this.codeBytes = codeBytes;
        this.requestedMode = requestedMode;
        this.policy = policy;
        this.limits = limits;
    }

    /** The trail of a new request: every record carries the request's digest, size, mode, policy and limits. */
    AuditTrail(AuditLog audit, Clock clock, String executionId, ExecutionRequest request, CallerContext caller) {
        this(audit, clock, executionId, caller, request.tag(), sha256(request.code().getBytes(StandardCharsets.UTF_8)),
                request.code().getBytes(StandardCharsets.UTF_8).length, request.mode(), request.policy(),
                request.limits());
    }

    /** The trail that completes a detached run, when only its stored result is at hand. */
    static AuditTrail forCompletion(AuditLog audit, Clock clock, ExecutionResult running) {
        return new AuditTrail(audit, clock, running.executionId(), COMPLETION, running.tag(), null, 0, null, null,
                null);
    }

    String executionId() {
        return executionId;
    }

    int codeBytes() {
        return codeBytes;
    }

    void record(AuditEventType event, Consumer<Details> details) {
        recording(event, details).run();
    }

    /** The write of an event's record, timed now: for {@link ParallelWrites}, which may run it a little later. */
    Runnable recording(AuditEventType event, Consumer<Details> details) {
        Details d = new Details();
        details.accept(d);
        AuditRecord record = new AuditRecord(executionId, event, clock.instant(), caller, tag, codeSha256, codeBytes,
                requestedMode, d.mode, policy, limits, d.isolation, d.outcome, d.durationMs, d.stdoutChars,
                d.stderrChars, d.findings, d.detail);
        return () -> audit.append(record);
    }

    /** What one event adds to the shared fields. */
    static final class Details {
        private ExecutionMode mode;
        private List<String> isolation = List.of();
        private Outcome outcome;
        private Long durationMs;
        private Integer stdoutChars;
        private Integer stderrChars;
        private List<Finding> findings = List.of();
        private String detail;

        Details mode(ExecutionMode value) {
            mode = value;
            return this;
        }

        Details isolation(List<String> value) {
            isolation = value;
            return this;
        }

        Details outcome(Outcome value) {
            outcome = value;
            return this;
        }

        Details durationMs(long value) {
            durationMs = value;
            return this;
        }

        Details outputs(int stdout, int stderr) {
            stdoutChars = stdout;
            stderrChars = stderr;
            return this;
        }

        Details findings(List<Finding> value) {
            findings = value;
            return this;
        }

        Details detail(String value) {
            detail = value;
            return this;
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
