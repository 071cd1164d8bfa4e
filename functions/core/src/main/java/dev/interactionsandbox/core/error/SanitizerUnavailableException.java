package dev.interactionsandbox.core.error;

/** The code analysis could not run. Nothing runs unanalysed: the request fails closed. */
public class SanitizerUnavailableException extends SandboxInfrastructureException {
    public SanitizerUnavailableException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
