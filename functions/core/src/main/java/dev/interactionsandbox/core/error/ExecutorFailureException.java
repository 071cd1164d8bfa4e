package dev.interactionsandbox.core.error;

/** An execution path broke while running code (its daemon died, its channel was cut): a {@code system_error}. */
public class ExecutorFailureException extends SandboxInfrastructureException {
    public ExecutorFailureException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
