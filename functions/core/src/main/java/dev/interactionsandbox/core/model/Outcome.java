package dev.interactionsandbox.core.model;

import java.util.Optional;

/** What became of an execution. Every outcome of user code is data; only {@code SYSTEM_ERROR} blames the platform. */
public enum Outcome {
    OK, RUNTIME_ERROR, SYNTAX_ERROR, TIMEOUT, MEMORY_LIMIT, OUTPUT_LIMIT, RESOURCE_LIMIT, POLICY_VIOLATION, SYSTEM_ERROR;

    public String wireName() {
        return WireNames.of(this);
    }

    public static Optional<Outcome> fromWireName(String value) {
        return WireNames.find(values(), value);
    }
}
