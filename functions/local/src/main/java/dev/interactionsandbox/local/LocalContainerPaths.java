package dev.interactionsandbox.local;

import dev.interactionsandbox.docker.DockerContainerExecutor;
import dev.interactionsandbox.lambda.ContainerPathFactory;

import java.util.Optional;

/** The container path of the local invoker: the Docker engine when so configured, else what the function has. */
public final class LocalContainerPaths {
    private LocalContainerPaths() {
    }

    public static ContainerPathFactory with(LocalConfig local) {
        ContainerPathFactory aws = ContainerPathFactory.aws();
        return (config, json, log, resources) -> {
            if (!config.containerLauncher().equals("docker")) {
                return aws.create(config, json, log, resources);
            }
            DockerContainerExecutor docker = new DockerContainerExecutor(local.docker(), log);
            resources.add(docker);
            return Optional.of(docker);
        };
    }
}
