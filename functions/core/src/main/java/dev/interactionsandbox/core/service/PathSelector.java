package dev.interactionsandbox.core.service;

import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.port.Executor;

import java.util.Objects;
import java.util.Optional;

/**
 * Chooses the execution path for a requested mode. {@code container} never falls back; {@code auto} prefers the
 * container path and falls back to the subprocess path, saying why.
 */
public final class PathSelector {
    private final Executor subprocess;
    private final Optional<Executor> container;

    public PathSelector(Executor subprocess, Optional<Executor> container) {
        this.subprocess = Objects.requireNonNull(subprocess);
        this.container = container;
    }

    /**
     * @param executor the path to run on, or null when the requested path cannot run
     * @param requestedPathMode the path the request asked for (for results of requests that cannot run)
     * @param fallbackReason why {@code auto} is not on the container path, or null
     * @param unavailableReason why nothing can run, when {@code executor} is null
     */
    public record Choice(Executor executor, ExecutionMode requestedPathMode, String fallbackReason,
                         String unavailableReason) {
    }

    /** The executor of a path, to find a detached run again. */
    public Optional<Executor> executorFor(ExecutionMode mode) {
        return switch (mode) {
            case SUBPROCESS -> Optional.of(subprocess);
            case CONTAINER -> container;
            case AUTO -> Optional.empty();
        };
    }

    public Choice choose(ExecutionMode requested) {
        return switch (requested) {
            case SUBPROCESS -> direct(subprocess, ExecutionMode.SUBPROCESS);
            case CONTAINER -> container.map(c -> direct(c, ExecutionMode.CONTAINER)).orElseGet(() -> new Choice(null,
                    ExecutionMode.CONTAINER, null, "the container path is not configured in this deployment"));
            case AUTO -> auto();
        };
    }

    private Choice auto() {
        if (container.isEmpty()) {
            return new Choice(subprocess, ExecutionMode.SUBPROCESS, "the container path is not configured", null);
        }
        Executor.Availability availability = container.get().availability();
        if (availability.available()) {
            return new Choice(container.get(), ExecutionMode.CONTAINER, null, null);
        }
        return new Choice(subprocess, ExecutionMode.SUBPROCESS,
                "the container path is unavailable: " + availability.reason(), null);
    }

    private static Choice direct(Executor executor, ExecutionMode mode) {
        Executor.Availability availability = executor.availability();
        if (availability.available()) {
            return new Choice(executor, mode, null, null);
        }
        return new Choice(null, mode, null, "the " + mode.wireName() + " path is unavailable: " + availability.reason());
    }
}
