package dev.interactionsandbox.core.model;

/** The exception that ended user code, as reported by the runner; {@code line} is within the user's code or null. */
public record ExceptionInfo(String type, String message, Integer line) {
}
