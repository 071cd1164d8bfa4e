package dev.interactionsandbox.local;

import dev.interactionsandbox.docker.DockerSettings;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Settings only the local invoker has (the Docker container path), read once from the environment. Everything
 * else is the function's own {@link dev.interactionsandbox.lambda.Config}.
 */
public record LocalConfig(DockerSettings docker) {

    public static LocalConfig fromEnvironment(Map<String, String> env) {
        DockerSettings docker = DockerSettings.defaults();
        String host = env.getOrDefault("SANDBOX_DOCKER_HOST", env.get("DOCKER_HOST"));
        if (host != null && !host.isBlank()) {
            docker = docker.withDockerHost(URI.create(host.strip()));
        }
        String image = env.get("SANDBOX_RUNNER_IMAGE");
        if (image != null && !image.isBlank()) {
            docker = docker.withImage(image.strip());
        }
        String pool = env.get("SANDBOX_POOL_SIZE");
        if (pool != null && !pool.isBlank()) {
            docker = docker.withPoolSize(Integer.parseInt(pool.strip()));
        }
        String exhausted = env.get("SANDBOX_POOL_EXHAUSTED");
        if (exhausted != null && !exhausted.isBlank()) {
            docker = docker.withOnExhausted(DockerSettings.Exhaustion.valueOf(exhausted.strip().toUpperCase(Locale.ROOT)),
                    Duration.ofMillis(Long.parseLong(env.getOrDefault("SANDBOX_POOL_WAIT_MS", "10000"))));
        }
        return new LocalConfig(docker);
    }
}
