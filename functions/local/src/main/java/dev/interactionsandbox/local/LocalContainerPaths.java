package dev.interactionsandbox.local;

import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.docker.DockerContainerExecutor;
import dev.interactionsandbox.lambda.ContainerPathFactory;

import java.util.Optional;

/**
 * The container path of the local invoker: the Docker engine when so configured, else what the function has. The
 * Docker executor (engine client, sweep of leftovers, warm pool) starts in the background: a first request on the
 * subprocess path does not wait for it, one on the container path does.
 */
public final class LocalContainerPaths {
    private LocalContainerPaths() {
    }

    public static ContainerPathFactory with(LocalConfig local) {
        ContainerPathFactory aws = ContainerPathFactory.aws();
        return (config, json, log, resources) -> {
            if (!config.containerLauncher().equals("docker")) {
                return aws.create(config, json, log, resources);
            }
            StartingExecutor docker = new StartingExecutor(ExecutionMode.CONTAINER,
                    () -> new DockerContainerExecutor(local.docker(), log));
            resources.add(docker);
            return Optional.of(docker);
        };
    }
}
