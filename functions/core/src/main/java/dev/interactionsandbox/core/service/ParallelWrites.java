package dev.interactionsandbox.core.service;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The independent writes of one step of an execution (its stored state and its audit records), started together so
 * that the step costs one store round trip instead of one per write. {@link #await()} waits for every write of the
 * step, then rethrows the first failure: nothing proceeds on a partly written step, and no write is left running
 * behind the caller.
 */
final class ParallelWrites {
    private final Executor executor;
    private final List<CompletableFuture<Void>> pending = new ArrayList<>();

    ParallelWrites(Executor executor) {
        this.executor = executor;
    }

    /** Starts a write; its failure surfaces in {@link #await()}. */
    ParallelWrites start(Runnable write) {
        pending.add(CompletableFuture.runAsync(write, executor));
        return this;
    }

    /** Waits for every write started so far and ignores their failures: for a caller that is failing already. */
    void settle() {
        try {
            await();
        } catch (RuntimeException ignored) {
            // the caller's own failure is the one to report
        }
    }

    /** Waits for every write started so far; rethrows the first failure once all have ended. */
    void await() {
        RuntimeException first = null;
        for (CompletableFuture<Void> write : pending) {
            try {
                write.join();
            } catch (CompletionException e) {
                if (first == null) {
                    first = e.getCause() instanceof RuntimeException r ? r : e;
                }
            }
        }
        pending.clear();
        if (first != null) {
            throw first;
        }
    }
}
