package dev.interactionsandbox.core.model;

import java.time.Instant;
import java.util.List;

/**
 * A run that outlives the request that started it.
 *
 * @param handle the path's own reference (e.g. an ECS task ARN)
 * @param deadline after this instant the run is stopped and reported as a timeout
 * @param isolation the layers the path applies to it
 */
public record DetachedRun(String handle, Instant deadline, List<String> isolation) {
    public DetachedRun {
        isolation = isolation == null ? List.of() : List.copyOf(isolation);
    }
}
