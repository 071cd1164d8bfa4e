package dev.interactionsandbox.core.error;

/**
 * Root of every failure of the platform (never of user code, whose outcomes are data). Adapters translate their
 * own errors into a subclass once, at their boundary, keeping the cause; the handler turns them into a 5xx or a
 * {@code system_error} result.
 */
public abstract class SandboxInfrastructureException extends RuntimeException {
    private final boolean retryable;

    protected SandboxInfrastructureException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether the same call may succeed later (throttling, a dependency restarting). */
    public boolean retryable() {
        return retryable;
    }
}
