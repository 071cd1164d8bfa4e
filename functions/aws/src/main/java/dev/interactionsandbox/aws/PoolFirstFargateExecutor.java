package dev.interactionsandbox.aws;

import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import dev.interactionsandbox.core.model.DetachedRun;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.RunProgress;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.port.Executor;

import java.util.Optional;

/**
 * The container path on Fargate with a pool: a waiting pooled task when one accepts (finished within the
 * request), otherwise a task started for the execution ({@code RunTask}, detached). Only RunTask runs detach, so
 * polling and stopping go there.
 */
public final class PoolFirstFargateExecutor implements Executor {
    private final Executor pool;
    private final Executor runTask;

    public PoolFirstFargateExecutor(Executor pool, Executor runTask) {
        this.pool = pool;
        this.runTask = runTask;
    }

    @Override
    public ExecutionMode mode() {
        return ExecutionMode.CONTAINER;
    }

    @Override
    public Availability availability() {
        return runTask.availability();
    }

    @Override
    public RunReport run(ExecutionJob job) {
        try {
            return pool.run(job);
        } catch (ExecutorUnavailableException e) {
            return runTask.run(job);
        }
    }

    @Override
    public RunProgress launch(ExecutionJob job) {
        try {
            return new RunProgress.Finished(pool.run(job));
        } catch (ExecutorUnavailableException e) {
            return runTask.launch(job);
        }
    }

    @Override
    public Optional<RunReport> poll(DetachedRun run) {
        return runTask.poll(run);
    }

    @Override
    public void stop(DetachedRun run, String reason) {
        runTask.stop(run, reason);
    }
}
