package dev.interactionsandbox.core.service;

import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Policy;

import java.util.Set;

/**
 * What a deployment accepts from callers.
 *
 * @param maxCodeBytes largest code (UTF-8 bytes) accepted
 * @param maxStdinBytes largest standard input accepted
 * @param maxTimeoutSeconds largest timeout a caller may ask for
 * @param minMemoryMb smallest memory limit a caller may ask for (the interpreter itself needs some)
 * @param maxMemoryMb largest memory limit a caller may ask for
 * @param defaultLimits limits for fields the caller leaves out
 * @param defaultPolicy policy when the caller names none
 * @param allowedPolicies policies a caller may ask for
 */
public record ServiceLimits(int maxCodeBytes, int maxStdinBytes, int maxTimeoutSeconds, int minMemoryMb,
                            int maxMemoryMb, Limits defaultLimits, Policy defaultPolicy, Set<Policy> allowedPolicies) {
    public ServiceLimits {
        allowedPolicies = Set.copyOf(allowedPolicies);
        if (!allowedPolicies.contains(defaultPolicy)) {
            throw new IllegalArgumentException("default policy " + defaultPolicy + " is not allowed");
        }
    }

    public static ServiceLimits standard() {
        return new ServiceLimits(256 * 1024, 1024 * 1024, 300, 32, 4096, Limits.defaults(), Policy.STANDARD,
                Set.of(Policy.values()));
    }
}
