package dev.interactionsandbox.core.port;

import dev.interactionsandbox.core.model.ExecutionResult;

import java.util.Optional;

/** Results of executions, one record each. Implementations translate their own failures into StoreException. */
public interface ExecutionStore {
    /** Records an execution that has been accepted and has not finished; fails if the id exists. */
    void create(ExecutionResult running);

    /**
     * Stores a newer state of an execution: a final result, or a running one with its detached run. Never replaces
     * a final result, so a duplicate completion keeps the first.
     */
    void update(ExecutionResult result);

    Optional<ExecutionResult> find(String executionId);
}
