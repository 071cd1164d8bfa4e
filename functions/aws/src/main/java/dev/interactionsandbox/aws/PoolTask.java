package dev.interactionsandbox.aws;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A pre-started runner task of the pool, waiting in listen mode for its one job.
 *
 * @param taskArn the task, to tell tasks apart and to name it in a report
 * @param endpoint where its runner listens (the task's private IPv4 address and the pool port)
 */
public record PoolTask(String taskArn, InetSocketAddress endpoint) {
    public PoolTask {
        Objects.requireNonNull(taskArn);
        Objects.requireNonNull(endpoint);
    }

    /** The task id: the last part of its ARN. */
    public String id() {
        return FargateExecutor.taskId(taskArn);
    }
}
