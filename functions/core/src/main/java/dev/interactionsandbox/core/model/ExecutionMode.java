package dev.interactionsandbox.core.model;

import java.util.Optional;

/** Where an execution runs. {@code AUTO} prefers the container path and falls back to the subprocess path. */
public enum ExecutionMode {
    AUTO, SUBPROCESS, CONTAINER;

    public String wireName() {
        return WireNames.of(this);
    }

    public static Optional<ExecutionMode> fromWireName(String value) {
        return WireNames.find(values(), value);
    }
}
