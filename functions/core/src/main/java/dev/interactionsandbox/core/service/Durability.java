package dev.interactionsandbox.core.service;

import java.time.Duration;

/**
 * How hard the service tries to keep a result once code has run.
 *
 * @param resultWriteBudget how long the final write is retried (with backoff) while the store fails retryably
 * @param abandonedAfter age after which a RUNNING execution that is not a detached run is recorded as lost
 *                       ({@code system_error}, audited FAILED): its handler died or could not store the result
 */
public record Durability(Duration resultWriteBudget, Duration abandonedAfter) {
    public static Durability standard(int maxTimeoutSeconds) {
        return new Durability(Duration.ofSeconds(30), Duration.ofSeconds(maxTimeoutSeconds).plusMinutes(5));
    }
}
