package dev.interactionsandbox.core.model;

import java.util.Locale;
import java.util.Optional;

/** Where an execution runs. {@code AUTO} prefers the container path and falls back to the subprocess path. */
public enum ExecutionMode {
    AUTO, SUBPROCESS, CONTAINER;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ExecutionMode> fromWireName(String value) {
        for (ExecutionMode mode : values()) {
            if (mode.wireName().equals(value)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
