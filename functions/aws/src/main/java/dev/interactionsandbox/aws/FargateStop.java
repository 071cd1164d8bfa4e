package dev.interactionsandbox.aws;

import dev.interactionsandbox.core.model.CapturedOutput;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.RunReport;

import java.util.List;
import java.util.Optional;

/**
 * How a stopped runner task ended, and what that means for the execution. Pure: unit-tested for every stopped
 * reason ECS reports.
 *
 * @param stopCode ECS's stop code (TaskFailedToStart, EssentialContainerExited, UserInitiated, ...)
 * @param stoppedReason ECS's task-level reason
 * @param containerReason the runner container's own reason (e.g. "OutOfMemoryError: Container killed due to ...")
 * @param exitCode the runner container's exit code, when it ran
 */
public record FargateStop(String stopCode, String stoppedReason, String containerReason, Integer exitCode) {
    /** Every StopTask this service sends gives a reason starting with this. */
    public static final String STOP_REASON_PREFIX = "interaction-sandbox: ";
    /** The reason the service gives when an execution's deadline passes (see InteractionSandbox.find). */
    public static final String DEADLINE = "deadline passed";

    /**
     * The execution's report: the runner's own report when there is one and nothing outside contradicts it;
     * otherwise what the task's end says.
     */
    public RunReport toReport(Optional<RunReport> runnerReport, List<String> isolation, long durationMs) {
        if (text(containerReason).contains("OutOfMemory") || text(stoppedReason).contains("OutOfMemory")) {
            RunReport base = runnerReport.orElse(null);
            return new RunReport(Outcome.MEMORY_LIMIT, base == null ? CapturedOutput.EMPTY : base.stdout(),
                    base == null ? CapturedOutput.EMPTY : base.stderr(), exitCode, null, isolation, durationMs,
                    "the task was killed for exceeding its memory");
        }
        if (text(stoppedReason).equals(STOP_REASON_PREFIX + DEADLINE)) {
            return new RunReport(Outcome.TIMEOUT, CapturedOutput.EMPTY, CapturedOutput.EMPTY, exitCode, null,
                    isolation, durationMs, "stopped: the execution's deadline passed");
        }
        if (runnerReport.isPresent()) {
            RunReport r = runnerReport.get();
            return new RunReport(r.outcome(), r.stdout(), r.stderr(), r.exitCode(), r.exception(),
                    FargateIsolation.merge(isolation, r.isolation()), r.durationMs(), r.detail());
        }
        String code = text(stopCode);
        String why;
        if (code.equals("TaskFailedToStart") || text(stoppedReason).contains("CannotPull")
                || text(stoppedReason).contains("ResourceInitializationError")) {
            why = "the runner task failed to start: " + firstNonBlank(stoppedReason, containerReason, code);
        } else if (code.equals("SpotInterruption") || code.equals("ServiceSchedulerInitiated")
                || code.equals("TerminationNotice")) {
            why = "the runner task was stopped by AWS: " + firstNonBlank(stoppedReason, code);
        } else if (code.equals("UserInitiated")) {
            why = "the runner task was stopped from outside: " + firstNonBlank(stoppedReason, code);
        } else {
            why = "the runner task ended (exit " + exitCode + ") without a result: "
                    + firstNonBlank(containerReason, stoppedReason, code);
        }
        return RunReport.systemError(why, isolation, durationMs);
    }

    private static String text(String value) {
        return value == null ? "" : value;
    }

    private static String firstNonBlank(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return "no reason given";
    }
}
