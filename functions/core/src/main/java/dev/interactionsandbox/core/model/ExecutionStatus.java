package dev.interactionsandbox.core.model;

/** Lifecycle state of an execution as callers see it. */
public enum ExecutionStatus {
    /** Finished with outcome {@code ok}. */
    SUCCEEDED,
    /** Finished with any other outcome, including a runtime guard violation. */
    FAILED,
    /** Refused by the sanitiser before anything ran. */
    REJECTED,
    /** Accepted and still running; read the result back later. */
    RUNNING;

    public boolean isFinal() {
        return this != RUNNING;
    }

    public static ExecutionStatus forOutcome(Outcome outcome) {
        return outcome == Outcome.OK ? SUCCEEDED : FAILED;
    }
}
