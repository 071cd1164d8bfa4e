package dev.interactionsandbox.lambda;

import java.util.function.Supplier;

/**
 * The documented cold-start singleton (the seed's {@code initialize_interaction_sandbox} /
 * {@code get_interaction_sandbox}): one {@link SandboxRuntime} per execution environment, built on first use and
 * reused by every invocation, so SDK clients and the warm analyser are paid for once. This is the only static
 * state in the service; plain Java callers may ignore it and build a {@link SandboxRuntime} themselves.
 */
public final class InteractionSandboxes {
    private static SandboxRuntime instance;

    private InteractionSandboxes() {
    }

    /** Builds the runtime from {@code config}; a second call returns the first runtime unchanged. */
    public static SandboxRuntime initializeInteractionSandbox(Config config) {
        return initializeInteractionSandbox(() -> SandboxRuntime.create(config));
    }

    /**
     * Installs the runtime {@code factory} builds (the local invoker adds the Docker container path this way); a
     * second call returns the first runtime unchanged.
     */
    public static synchronized SandboxRuntime initializeInteractionSandbox(Supplier<SandboxRuntime> factory) {
        if (instance == null) {
            instance = factory.get();
        }
        return instance;
    }

    /** The runtime of this environment, built from the process environment on first use. */
    public static synchronized SandboxRuntime getInteractionSandbox() {
        return initializeInteractionSandbox(Config.fromEnvironment(System.getenv()));
    }
}
