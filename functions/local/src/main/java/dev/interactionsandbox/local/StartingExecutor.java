package dev.interactionsandbox.local;

import dev.interactionsandbox.core.model.DetachedRun;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.RunProgress;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.port.Executor;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * An execution path that is built on a background thread, so that building it (an engine client, a sweep, a
 * warm pool) is not on the path of a first request that goes elsewhere. Every call waits until it is built and then
 * behaves exactly as the built executor; a failure to build is thrown by every call, as building it in place would
 * have thrown it once. Closing waits for the build and closes what was built.
 */
public final class StartingExecutor implements Executor, AutoCloseable {
    private final ExecutionMode mode;
    private final CompletableFuture<Executor> executor = new CompletableFuture<>();

    public StartingExecutor(ExecutionMode mode, Supplier<? extends Executor> factory) {
        this.mode = mode;
        Thread.ofPlatform().daemon().name(mode.wireName() + "-path-start").start(() -> {
            try {
                executor.complete(factory.get());
            } catch (Throwable e) {
                executor.completeExceptionally(e);
            }
        });
    }

    @Override
    public ExecutionMode mode() {
        return mode;
    }

    @Override
    public Availability availability() {
        return executor().availability();
    }

    @Override
    public RunReport run(ExecutionJob job) {
        return executor().run(job);
    }

    @Override
    public RunProgress launch(ExecutionJob job) {
        return executor().launch(job);
    }

    @Override
    public Optional<RunReport> poll(DetachedRun run) {
        return executor().poll(run);
    }

    @Override
    public void stop(DetachedRun run, String reason) {
        executor().stop(run, reason);
    }

    private Executor executor() {
        try {
            return executor.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        Executor built;
        try {
            built = executor.join();
        } catch (CompletionException e) {
            return;
        }
        if (built instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the " + mode.wireName() + " path failed: " + e, e);
            }
        }
    }
}
