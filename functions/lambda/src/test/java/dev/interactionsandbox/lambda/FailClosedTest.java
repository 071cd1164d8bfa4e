package dev.interactionsandbox.lambda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With the audit store unreachable, nothing runs: the caller gets a clear 503 and the code (which would leave a
 * mark in a host directory if it ran unsandboxed or sandboxed) never starts.
 */
class FailClosedTest {
    private static SandboxRuntime runtime;
    private static Path workRoot;

    @BeforeAll
    static void start() throws IOException {
        int deadPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = probe.getLocalPort();
        }
        DynamoDbClient unreachable = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + deadPort))
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofMillis(500)))
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(5)))
                .build();
        workRoot = Files.createTempDirectory("fail-closed-work-");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("SANDBOX_WORK_ROOT", workRoot.toString());
        runtime = SandboxRuntime.create(Config.fromEnvironment(env), unreachable);
    }

    @AfterAll
    static void stop() throws IOException {
        runtime.close();
        Files.deleteIfExists(workRoot);
    }

    @Test
    void unreachableAuditStoreMeansServiceUnavailableAndNothingRuns() throws IOException {
        Invocations api = new Invocations(runtime);

        long started = System.nanoTime();
        Invocations.HttpAnswer answer = api.post(Invocations.request("print('must not run')"));
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals(503, answer.status(), answer.body().toString());
        assertEquals("unavailable", answer.body().path("error").asText());
        assertTrue(answer.body().path("retryable").asBoolean());
        assertTrue(tookMs < 15_000, "answered in " + tookMs + " ms");
        try (var entries = Files.list(workRoot)) {
            assertFalse(entries.findAny().isPresent(), "a work directory was made: the code was started");
        }
    }

    @Test
    void plainInvocationsSeeTheInfrastructureFailureAsAnError() {
        Invocations api = new Invocations(runtime);
        try {
            api.invoke(Invocations.request("print(1)"));
            throw new AssertionError("expected the invocation to fail");
        } catch (dev.interactionsandbox.core.error.StoreException expected) {
            assertTrue(expected.retryable());
        }
    }
}
