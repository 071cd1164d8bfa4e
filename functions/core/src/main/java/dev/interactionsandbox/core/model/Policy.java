package dev.interactionsandbox.core.model;

import java.util.Optional;

/**
 * How strictly the sanitiser judges code before it runs, and what the runtime guard allows while it runs.
 * {@code STANDARD} lets ordinary scripts through untouched; {@code STRICT} also refuses reflection and file access;
 * {@code PERMISSIVE} refuses only interpreter-escape routes and lets the code create processes (the OS limits still hold).
 */
public enum Policy {
    STRICT, STANDARD, PERMISSIVE;

    public String wireName() {
        return WireNames.of(this);
    }

    public static Optional<Policy> fromWireName(String value) {
        return WireNames.find(values(), value);
    }
}
