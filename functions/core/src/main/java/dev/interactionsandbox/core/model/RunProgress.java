package dev.interactionsandbox.core.model;


/** What launching a job gave: a finished run, or a run that goes on after the request (a Fargate task). */
public sealed interface RunProgress permits RunProgress.Finished, RunProgress.Detached {
    record Finished(RunReport report) implements RunProgress {
    }

    /**
     * @param run where the run can be found again and stopped
     */
    record Detached(DetachedRun run) implements RunProgress {
    }
}
