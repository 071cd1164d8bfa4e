package dev.interactionsandbox.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One append-only audit record. Holds a digest and the size of the code, never the code itself, and no environment
 * values. Fields that do not apply to an event are null.
 */
public record AuditRecord(String executionId, AuditEventType event, Instant at, CallerContext caller, String tag,
                          String codeSha256, int codeBytes, ExecutionMode requestedMode, ExecutionMode mode,
                          Policy policy, Limits limits, List<String> isolation, Outcome outcome, Long durationMs,
                          Integer stdoutChars, Integer stderrChars, List<Finding> findings, String detail) {
    public AuditRecord {
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(at, "at");
        isolation = isolation == null ? List.of() : List.copyOf(isolation);
        findings = findings == null ? List.of() : List.copyOf(findings);
    }
}
