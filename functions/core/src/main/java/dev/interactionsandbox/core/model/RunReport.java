package dev.interactionsandbox.core.model;

import java.util.List;

/**
 * What an executor observed of one run: the outcome and the evidence. Produced by executors, turned into an
 * {@link ExecutionResult} by the service.
 *
 * @param isolation the layers actually applied to this run
 * @param detail a short explanation for outcomes other than ok, or null
 */
public record RunReport(Outcome outcome, CapturedOutput stdout, CapturedOutput stderr, Integer exitCode,
                        ExceptionInfo exception, List<String> isolation, long durationMs, String detail) {
    public RunReport {
        stdout = stdout == null ? CapturedOutput.EMPTY : stdout;
        stderr = stderr == null ? CapturedOutput.EMPTY : stderr;
        isolation = isolation == null ? List.of() : List.copyOf(isolation);
    }

    public static RunReport systemError(String detail, List<String> isolation, long durationMs) {
        return new RunReport(Outcome.SYSTEM_ERROR, CapturedOutput.EMPTY, CapturedOutput.EMPTY, null, null,
                isolation, durationMs, detail);
    }
}
