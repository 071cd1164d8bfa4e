package dev.interactionsandbox.aws;

import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;

import java.util.List;

/** The isolation layers of the runner task definition ({@link FargateIsolation}), read once and kept. */
public final class TaskDefinitionIsolation {
    private final EcsClient ecs;
    private final String taskDefinition;
    private final String containerName;
    private volatile List<String> layers;

    public TaskDefinitionIsolation(EcsClient ecs, String taskDefinition, String containerName) {
        this.ecs = ecs;
        this.taskDefinition = taskDefinition;
        this.containerName = containerName;
    }

    /** @throws ExecutorUnavailableException when the task definition cannot be read */
    public List<String> layers() {
        List<String> known = layers;
        if (known == null) {
            try {
                known = FargateIsolation.of(ecs.describeTaskDefinition(r -> r.taskDefinition(taskDefinition))
                        .taskDefinition(), containerName);
            } catch (SdkException e) {
                throw new ExecutorUnavailableException("the runner task definition cannot be read: "
                        + e.getMessage(), e);
            }
            layers = known;
        }
        return known;
    }
}
