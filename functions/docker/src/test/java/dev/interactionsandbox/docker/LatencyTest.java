package dev.interactionsandbox.docker;

import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.RunReport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Latency of print(1) through the executor with a warm and an empty pool, and the container start rate. Prints. */
class LatencyTest {
    private static final int RUNS = 20;

    @Test
    void printOneLatency() throws Exception {
        DockerTestSupport.requireDocker();
        List<Long> warm = new ArrayList<>();
        List<Long> backToBack = new ArrayList<>();
        try (DockerContainerExecutor executor = new DockerContainerExecutor(DockerTestSupport.settings(),
                DockerTestSupport.quietLog())) {
            for (int i = 0; i < RUNS; i++) {
                assertTrue(executor.awaitWarm(Duration.ofSeconds(60)));
                warm.add(timed(executor));
            }
            assertTrue(executor.awaitWarm(Duration.ofSeconds(60)));
            for (int i = 0; i < RUNS; i++) {
                backToBack.add(timed(executor));
            }
        }
        List<Long> cold = new ArrayList<>();
        try (DockerContainerExecutor executor = new DockerContainerExecutor(
                DockerTestSupport.settings().withPoolSize(0), DockerTestSupport.quietLog())) {
            for (int i = 0; i < RUNS; i++) {
                cold.add(timed(executor));
            }
        }
        System.out.printf("print(1) through DockerContainerExecutor, %d runs: median warm pool %d ms (p90 %d), "
                        + "back-to-back with pool 2 %d ms, empty pool %d ms (p90 %d)%n", RUNS, median(warm),
                percentile(warm, 0.9), median(backToBack), median(cold), percentile(cold, 0.9));
    }

    @Test
    void containerStartRate() throws Exception {
        DockerTestSupport.requireDocker();
        int total = 12;
        int parallel = 4;
        DockerSettings settings = DockerTestSupport.settings();
        ContainerSpec spec = ContainerSpec.of(Limits.defaults(), settings);
        Map<String, String> labels = Map.of(DockerEngine.LABEL_MANAGED, "true", DockerEngine.LABEL_OWNER,
                OwnerId.next().toString(), DockerEngine.LABEL_ORIGIN, "benchmark");
        try (DockerEngine engine = new DockerEngine(settings)) {
            ExecutorService threads = Executors.newFixedThreadPool(parallel);
            List<String> ids = Collections.synchronizedList(new ArrayList<>());
            long started = System.nanoTime();
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < total; i++) {
                    futures.add(threads.submit(() -> ids.add(engine.createAndStart(spec, labels))));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                System.out.printf("hardened containers created+started: %d in %.2f s with %d in parallel = %.1f/s%n",
                        total, seconds, parallel, total / seconds);
            } finally {
                threads.shutdown();
                ids.forEach(engine::removeQuietly);
            }
            assertEquals(total, ids.size());
        }
    }

    private static long timed(DockerContainerExecutor executor) {
        long started = System.nanoTime();
        RunReport report = executor.run(DockerTestSupport.job("print(1)"));
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertEquals(Outcome.OK, report.outcome(), report.toString());
        return ms;
    }

    private static long median(List<Long> values) {
        return percentile(values, 0.5);
    }

    private static long percentile(List<Long> values, double p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
    }
}
