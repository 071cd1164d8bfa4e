package dev.interactionsandbox.core.error;

/**
 * The code ran but its result could not be stored within the write budget. Distinct from {@link StoreException}
 * (whose failures happen before anything runs) so that callers never retry it blindly: a retry would run the code
 * again. The execution stays RUNNING until {@code find} marks it lost after its abandonment time.
 */
public class ResultNotStoredException extends SandboxInfrastructureException {
    public ResultNotStoredException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
