package dev.interactionsandbox.core.error;

/** The caller's request is malformed or out of range. Not an infrastructure failure: answered with a 4xx. */
public class BadRequestException extends RuntimeException {
    private final String field;

    public BadRequestException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The request field at fault, or null when the body as a whole is. */
    public String field() {
        return field;
    }
}
