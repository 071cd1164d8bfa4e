package dev.interactionsandbox.docker;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How the container path uses a Docker engine. Immutable; built from the one configuration record of the
 * application (nothing here reads the environment).
 *
 * @param dockerHost the engine's endpoint ({@code unix:///var/run/docker.sock}, {@code tcp://host:2375})
 * @param image the runner image (see runner-image/; {@code interaction-sandbox-runner:local} from build-local)
 * @param poolSize warm containers kept started for jobs with the default limits (0 disables the pool)
 * @param onExhausted what a job does when the pool is empty
 * @param exhaustedWait how long {@link Exhaustion#WAIT} waits for a warm container before giving up
 * @param grace how long past the job's own deadline the runner may take before the container is killed
 * @param workTmpfsBytes size of the tmpfs on /work (and on /tmp); it also counts against the memory limit
 * @param disabledLayers runner layers switched off in a container: "nproc" because every container's processes
 *     share one uid on the host (the kernel would count them together; the pids limit bounds each container), and
 *     "namespaces" and "uid" need privileges a
 *     container does not have (its own namespaces and the non-root user replace them)
 * @param apiTimeout bound on every engine call except the execution's own stream
 */
public record DockerSettings(URI dockerHost, String image, int poolSize, Exhaustion onExhausted,
                             Duration exhaustedWait, Duration grace, long workTmpfsBytes, Set<String> disabledLayers,
                             Duration apiTimeout) {

    /** What a job does when no warm container is left. */
    public enum Exhaustion {
        /** Create and start a container for the job (slower, never refuses). */
        CREATE,
        /** Wait up to {@link #exhaustedWait()} for a warm container, then report the path unavailable. */
        WAIT
    }

    public static final String DEFAULT_IMAGE = "interaction-sandbox-runner:local";
    public static final URI DEFAULT_DOCKER_HOST = URI.create("unix:///var/run/docker.sock");

    public DockerSettings {
        Objects.requireNonNull(dockerHost, "dockerHost");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(onExhausted, "onExhausted");
        Objects.requireNonNull(exhaustedWait, "exhaustedWait");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(apiTimeout, "apiTimeout");
        if (poolSize < 0) {
            throw new IllegalArgumentException("poolSize must not be negative");
        }
        if (workTmpfsBytes < 1024 * 1024) {
            throw new IllegalArgumentException("workTmpfsBytes must be at least 1 MiB");
        }
        disabledLayers = Set.copyOf(disabledLayers);
    }

    public static DockerSettings defaults() {
        return new DockerSettings(DEFAULT_DOCKER_HOST, DEFAULT_IMAGE, 2, Exhaustion.CREATE, Duration.ofSeconds(10),
                Duration.ofSeconds(5), 64L * 1024 * 1024, Set.of("namespaces", "uid", "nproc"), Duration.ofSeconds(30));
    }

    public DockerSettings withDockerHost(URI value) {
        return new DockerSettings(value, image, poolSize, onExhausted, exhaustedWait, grace, workTmpfsBytes,
                disabledLayers, apiTimeout);
    }

    public DockerSettings withImage(String value) {
        return new DockerSettings(dockerHost, value, poolSize, onExhausted, exhaustedWait, grace, workTmpfsBytes,
                disabledLayers, apiTimeout);
    }

    public DockerSettings withPoolSize(int value) {
        return new DockerSettings(dockerHost, image, value, onExhausted, exhaustedWait, grace, workTmpfsBytes,
                disabledLayers, apiTimeout);
    }

    public DockerSettings withOnExhausted(Exhaustion value, Duration wait) {
        return new DockerSettings(dockerHost, image, poolSize, value, wait, grace, workTmpfsBytes, disabledLayers,
                apiTimeout);
    }

    public DockerSettings withGrace(Duration value) {
        return new DockerSettings(dockerHost, image, poolSize, onExhausted, exhaustedWait, value, workTmpfsBytes,
                disabledLayers, apiTimeout);
    }

    public DockerSettings withDisabledLayers(Set<String> value) {
        return new DockerSettings(dockerHost, image, poolSize, onExhausted, exhaustedWait, grace, workTmpfsBytes,
                value, apiTimeout);
    }
}
