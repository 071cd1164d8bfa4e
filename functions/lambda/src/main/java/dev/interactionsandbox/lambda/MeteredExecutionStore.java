package dev.interactionsandbox.lambda;

import dev.interactionsandbox.core.model.ExecutionResult;
import dev.interactionsandbox.core.port.ExecutionStore;

import java.util.Optional;

/**
 * Emits the metrics of every execution as its final result is stored: every finished execution, rejections and
 * completed Fargate runs included, passes through here exactly when it becomes final.
 */
final class MeteredExecutionStore implements ExecutionStore {
    private final ExecutionStore store;
    private final EmbeddedMetrics metrics;

    MeteredExecutionStore(ExecutionStore store, EmbeddedMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    @Override
    public void create(ExecutionResult running) {
        store.create(running);
    }

    @Override
    public void update(ExecutionResult result) {
        store.update(result);
        metrics.record(result);
    }

    @Override
    public Optional<ExecutionResult> find(String executionId) {
        return store.find(executionId);
    }
}
