package dev.interactionsandbox.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The answer for one execution, as returned to callers and stored in the Executions table.
 *
 * @param mode the path the code ran on (or would have run on), never {@code AUTO}; null when rejected before a path was chosen
 * @param isolation layers actually applied; empty when nothing ran
 * @param findings everything the sanitiser noticed, blocking or not
 * @param fallbackReason why {@code auto} did not use the container path, or null
 * @param detail short explanation for outcomes other than ok, or null
 * @param detached the detached run (e.g. the Fargate task) this execution had, or null; stored for operators,
 *                 never shown to callers
 */
public record ExecutionResult(String executionId, ExecutionStatus status, Outcome outcome, CapturedOutput stdout,
                              CapturedOutput stderr, Integer exitCode, ExceptionInfo exception, ExecutionMode mode,
                              List<String> isolation, long durationMs, List<Finding> findings, String fallbackReason,
                              String detail, String tag, Instant createdAt, DetachedRun detached) {
    public ExecutionResult {
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(status, "status");
        stdout = stdout == null ? CapturedOutput.EMPTY : stdout;
        stderr = stderr == null ? CapturedOutput.EMPTY : stderr;
        isolation = isolation == null ? List.of() : List.copyOf(isolation);
        findings = findings == null ? List.of() : List.copyOf(findings);
    }

    public boolean success() {
        return status == ExecutionStatus.SUCCEEDED;
    }

    /** A result for an execution that has been accepted and has not finished yet. */
    public static ExecutionResult running(String executionId, ExecutionMode mode, List<String> isolation,
                                          List<Finding> findings, String fallbackReason, String tag,
                                          Instant createdAt) {
        return new ExecutionResult(executionId, ExecutionStatus.RUNNING, null, CapturedOutput.EMPTY,
                CapturedOutput.EMPTY, null, null, mode, isolation, 0, findings, fallbackReason, null, tag, createdAt,
                null);
    }

    /** The same running execution, now known to continue after this request. */
    public ExecutionResult detachedAs(DetachedRun run) {
        return new ExecutionResult(executionId, status, outcome, stdout, stderr, exitCode, exception, mode,
                run.isolation(), durationMs, findings, fallbackReason, detail, tag, createdAt, run);
    }
}
