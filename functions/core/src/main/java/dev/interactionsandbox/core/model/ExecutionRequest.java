package dev.interactionsandbox.core.model;

import java.util.Objects;

/**
 * One validated request to run code. Built only by the request parser, so every instance is within limits.
 *
 * @param code the exact text that is analysed and executed
 * @param stdin text fed to the code's standard input ("" when absent)
 * @param tag the caller's label, or null
 */
public record ExecutionRequest(String code, ExecutionMode mode, Limits limits, String stdin, String tag, Policy policy) {
    public ExecutionRequest {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(policy, "policy");
        stdin = stdin == null ? "" : stdin;
    }
}
