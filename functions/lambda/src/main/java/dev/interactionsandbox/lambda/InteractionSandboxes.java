package dev.interactionsandbox.lambda;

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
    public static synchronized SandboxRuntime initializeInteractionSandbox(Config config) {
        if (instance == null) {
            instance = SandboxRuntime.create(config);
        }
        return instance;
    }

    /** The runtime of this environment, built from the process environment on first use. */
    public static synchronized SandboxRuntime getInteractionSandbox() {
        return initializeInteractionSandbox(Config.fromEnvironment(System.getenv()));
    }
}
