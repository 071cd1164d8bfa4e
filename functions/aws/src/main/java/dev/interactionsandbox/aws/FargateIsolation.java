package dev.interactionsandbox.aws;

import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.ecs.model.UlimitName;

import java.util.ArrayList;
import java.util.List;

/**
 * The isolation layers a runner task really gets, read from its registered task definition rather than assumed:
 * a result lists only what the definition actually sets.
 */
final class FargateIsolation {
    private FargateIsolation() {
    }

    static List<String> of(TaskDefinition definition, String containerName) {
        List<String> layers = new ArrayList<>(List.of("container", "fargate-microvm", "fresh-task-per-execution"));
        if ("awsvpc".equals(definition.networkModeAsString())) {
            layers.add("network:private-subnets-no-public-ip");
        }
        if (definition.taskRoleArn() == null || definition.taskRoleArn().isBlank()) {
            layers.add("no-task-role");
        }
        ContainerDefinition container = definition.containerDefinitions().stream()
                .filter(c -> containerName.equals(c.name())).findFirst().orElse(null);
        if (container == null) {
            return layers;
        }
        if (Boolean.TRUE.equals(container.readonlyRootFilesystem())) {
            layers.add("read-only-root");
        }
        String user = container.user();
        if (user != null && !user.isBlank() && !user.startsWith("0") && !user.startsWith("root")) {
            layers.add("non-root");
        }
        if (!Boolean.TRUE.equals(container.privileged())) {
            layers.add("unprivileged");
        }
        if (container.linuxParameters() != null) {
            if (container.linuxParameters().capabilities() != null
                    && container.linuxParameters().capabilities().drop().contains("ALL")
                    && container.linuxParameters().capabilities().add().isEmpty()) {
                layers.add("cap-drop:ALL");
            }
            if (Boolean.TRUE.equals(container.linuxParameters().initProcessEnabled())) {
                layers.add("init");
            }
        }
        if (container.ulimits().stream().anyMatch(u -> u.name() == UlimitName.NPROC)) {
            layers.add("process-bound:nproc-ulimit");
        }
        if (definition.memory() != null) {
            layers.add("memory-limit");
        }
        return layers;
    }

    /** The layers outside the runner (task definition, pool) followed by the runner's own, each once. */
    static List<String> merge(List<String> outer, List<String> inner) {
        return java.util.stream.Stream.concat(outer.stream(), inner.stream()).distinct().toList();
    }
}
