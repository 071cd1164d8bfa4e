package dev.interactionsandbox.core.port;

import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.DetachedRun;
import dev.interactionsandbox.core.model.RunProgress;
import dev.interactionsandbox.core.model.RunReport;

import java.util.Optional;

/** Runs code on one path. Outcomes of user code are data in the report; failures of the path are exceptions. */
public interface Executor {
    ExecutionMode mode();

    /** Cheap check whether this path can take work now; {@code auto} falls back when it cannot. */
    Availability availability();

    /**
     * Runs the job to completion (within its own deadline) and reports what happened.
     *
     * @throws dev.interactionsandbox.core.error.ExecutorUnavailableException when the path could not start the code
     * @throws dev.interactionsandbox.core.error.SandboxInfrastructureException when the path broke while running it
     */
    RunReport run(ExecutionJob job);

    /**
     * Starts the job. Paths whose runs outlive a request (Fargate) answer {@link RunProgress.Detached} and are
     * then asked with {@link #poll}; the others finish here.
     */
    default RunProgress launch(ExecutionJob job) {
        return new RunProgress.Finished(run(job));
    }

    /** The report of a detached run once it has finished, or empty while it runs. */
    default Optional<RunReport> poll(DetachedRun run) {
        throw new UnsupportedOperationException(mode() + " runs never detach");
    }

    /** Stops a detached run (deadline passed); idempotent. */
    default void stop(DetachedRun run, String reason) {
        throw new UnsupportedOperationException(mode() + " runs never detach");
    }

    /** Whether a path can take work, with the reason when it cannot. */
    record Availability(boolean available, String reason) {
        public static final Availability AVAILABLE = new Availability(true, null);

        public static Availability unavailable(String reason) {
            return new Availability(false, reason);
        }
    }
}
