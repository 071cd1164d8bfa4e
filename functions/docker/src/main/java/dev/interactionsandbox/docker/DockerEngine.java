package dev.interactionsandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The engine calls the container path makes, with docker-java's errors translated once: {@link EngineDownException}
 * when the engine could not be reached or broke the connection (the clients are then rebuilt on the next call, so
 * a restarted engine is picked up), {@link DockerException} subclasses for answers of a working engine.
 * Every call is short and bounded by {@link DockerSettings#apiTimeout()}; the execution's own stream is
 * {@link RunnerSession}'s.
 */
final class DockerEngine implements AutoCloseable {
    static final String LABEL_MANAGED = "interaction-sandbox.managed";
    static final String LABEL_OWNER = "interaction-sandbox.owner";
    static final String LABEL_ORIGIN = "interaction-sandbox.origin";

    /** The engine could not be reached, or the connection broke. */
    static final class EngineDownException extends RuntimeException {
        EngineDownException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final DockerSettings settings;
    private volatile Clients clients;

    private record Clients(DockerClient api) {
        void close() {
            closeQuietly(api);
        }
    }

    DockerEngine(DockerSettings settings) {
        this.settings = settings;
    }

    /** Runs one call on the short-call client, translating transport failures. */
    <T> T call(Function<DockerClient, T> call) {
        Clients current = clients();
        try {
            return call.apply(current.api());
        } catch (DockerException e) {
            throw e;   // the engine answered
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;   // our own call was cut short; the engine and the shared client are fine
            }
            throw down(current, e);
        }
    }

    void ping() {
        call(c -> c.pingCmd().exec());
    }

    boolean imagePresent(String image) {
        try {
            call(c -> c.inspectImageCmd(image).exec());
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    List<String> securityOptions() {
        List<String> options = call(c -> c.infoCmd().exec().getSecurityOptions());
        return options == null ? List.of() : options;
    }

    String createAndStart(ContainerSpec spec, Map<String, String> labels) {
        String id = call(c -> spec.apply(c.createContainerCmd(settings.image()), labels).exec().getId());
        try {
            call(c -> c.startContainerCmd(id).exec());
        } catch (RuntimeException e) {
            removeQuietly(id);
            throw e;
        }
        return id;
    }

    /**
     * Creates and starts a container and attaches to its runner's streams (see {@link RunnerSession}); a container
     * that cannot be attached to is removed again.
     */
    RunnerSession startAttached(ContainerSpec spec, Map<String, String> labels) {
        String id = createAndStart(spec, labels);
        try {
            return RunnerSession.open(settings.dockerHost(), id);
        } catch (IOException e) {
            removeQuietly(id);
            throw new UncheckedIOException("cannot attach to container " + id + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            removeQuietly(id);
            throw e;
        }
    }

    InspectContainerResponse.ContainerState inspectState(String id) {
        return call(c -> c.inspectContainerCmd(id).exec().getState());
    }

    void kill(String id) {
        try {
            call(c -> c.killContainerCmd(id).exec());
        } catch (NotFoundException | ConflictException e) {
            // already gone or not running
        }
    }

    /** Force-removes a container; true when it is gone (or was never there). */
    boolean remove(String id) {
        try {
            call(c -> c.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec());
            return true;
        } catch (NotFoundException e) {
            return true;
        } catch (ConflictException e) {
            // "removal already in progress": another remover is on it
            return e.getMessage() != null && e.getMessage().contains("already in progress");
        }
    }

    boolean removeQuietly(String id) {
        try {
            return remove(id);
        } catch (RuntimeException e) {
            return false;
        }
    }

    List<Container> managedContainers(Map<String, String> labels) {
        return call(c -> c.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec());
    }

    @Override
    public synchronized void close() {
        Clients current = clients;
        clients = null;
        if (current != null) {
            current.close();
        }
    }

    private Clients clients() {
        Clients current = clients;
        if (current != null) {
            return current;
        }
        synchronized (this) {
            if (clients == null) {
                clients = new Clients(client(settings.apiTimeout()));
            }
            return clients;
        }
    }

    private DockerClient client(Duration responseTimeout) {
        String host = settings.dockerHost().toString();
        // Only the endpoint is taken from the settings; TLS material, if any, comes from docker-java's defaults.
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).build();
        ZerodepDockerHttpClient.Builder http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(settings.dockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(5));
        http.responseTimeout(responseTimeout);
        DockerHttpClient transport = http.build();
        return DockerClientImpl.getInstance(config, transport);
    }

    private EngineDownException down(Clients broken, Throwable cause) {
        synchronized (this) {
            if (broken != null && clients == broken) {
                clients = null;
                broken.close();
            }
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new EngineDownException("the Docker engine at " + settings.dockerHost() + " is unreachable: "
                + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage()), cause);
    }

    private static void closeQuietly(DockerClient client) {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            // closing a broken client
        }
    }
}
