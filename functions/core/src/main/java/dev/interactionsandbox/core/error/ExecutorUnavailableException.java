package dev.interactionsandbox.core.error;

/** An execution path could not start the code (daemon down, capacity, misconfiguration). {@code auto} falls back. */
public class ExecutorUnavailableException extends SandboxInfrastructureException {
    public ExecutorUnavailableException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
