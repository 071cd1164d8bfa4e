package dev.interactionsandbox.core.error;

/** The result store or audit log could not be reached or refused a write. Executions fail closed on it. */
public class StoreException extends SandboxInfrastructureException {
    public StoreException(String message, Throwable cause, boolean retryable) {
        super(message, cause, retryable);
    }
}
