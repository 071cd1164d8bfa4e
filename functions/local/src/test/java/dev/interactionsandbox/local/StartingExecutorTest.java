package dev.interactionsandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.port.Executor;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The container path built in the background: calls wait for it, a failed build fails every call. */
class StartingExecutorTest {
    private static final ExecutionJob JOB = new ExecutionJob("job", "print(1)", "", Limits.defaults(),
            Policy.STANDARD);

    @Test
    void callsWaitForTheBuildThenReachTheBuiltExecutorWhichCloseCloses() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Built built = new Built();
        try (StartingExecutor starting = new StartingExecutor(ExecutionMode.CONTAINER, () -> {
            await(release);
            return built;
        })) {
            assertEquals(ExecutionMode.CONTAINER, starting.mode());
            CompletableFuture<Executor.Availability> availability = CompletableFuture.supplyAsync(
                    starting::availability);
            Thread.sleep(200);
            assertFalse(availability.isDone(), "answered before the executor was built");
            release.countDown();
            assertEquals(Executor.Availability.AVAILABLE, availability.get(10, TimeUnit.SECONDS));
            assertSame(built.report, starting.run(JOB));
        }
        assertTrue(built.closed);
    }

    @Test
    void aFailedBuildIsThrownByEveryCall() {
        IllegalArgumentException failure = new IllegalArgumentException("no such engine address");
        StartingExecutor starting = new StartingExecutor(ExecutionMode.CONTAINER, () -> {
            throw failure;
        });
        assertSame(failure, assertThrows(IllegalArgumentException.class, starting::availability));
        assertSame(failure, assertThrows(IllegalArgumentException.class, () -> starting.run(JOB)));
        starting.close();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Built implements Executor, AutoCloseable {
        final RunReport report = RunReport.systemError("stand-in", List.of(), 0);
        volatile boolean closed;

        @Override
        public ExecutionMode mode() {
            return ExecutionMode.CONTAINER;
        }

        @Override
        public Availability availability() {
            return Availability.AVAILABLE;
        }

        @Override
        public RunReport run(ExecutionJob job) {
            return report;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
