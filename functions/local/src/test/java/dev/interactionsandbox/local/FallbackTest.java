package dev.interactionsandbox.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interactionsandbox.lambda.Invocations;
import dev.interactionsandbox.lambda.LocalStack;
import dev.interactionsandbox.lambda.SandboxRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code auto} falls back when the Docker engine is gone; {@code container} does not; a daemon that dies mid-run. */
@ExtendWith(LocalStack.class)
class FallbackTest {
    @Test
    void autoFallsBackAndContainerFailsWhenTheEngineIsUnreachable() {
        try (SandboxRuntime runtime = LocalRuntimes.runtime(Map.of("SANDBOX_DOCKER_HOST",
                "unix:///nonexistent/docker.sock")); DynamoDbClient dynamo = DynamoDbClient.create()) {
            Invocations api = new Invocations(runtime);

            JsonNode auto = api.post(Invocations.request("print('fell back')", "auto")).body();
            Invocations.HttpAnswer container = api.post(Invocations.request("print(1)", "container"));

            assertEquals("ok", auto.path("outcome").asText(), auto.toString());
            assertEquals("subprocess", auto.path("mode").asText());
            assertTrue(auto.path("fallbackReason").asText().contains("unreachable"), auto.toString());
            List<String> events = dynamo.query(q -> q.tableName("Audit").keyConditionExpression("executionId = :i")
                    .expressionAttributeValues(Map.of(":i", AttributeValue.fromS(auto.path("executionId").asText()))))
                    .items().stream().map(i -> i.get("event").s()).sorted().toList();
            assertEquals(List.of("COMPLETED", "FALLBACK", "REQUESTED", "STARTED"), events);

            assertEquals(500, container.status());
            assertEquals("system_error", container.body().path("outcome").asText());
            assertEquals("container", container.body().path("mode").asText());
            assertTrue(container.body().path("fallbackReason").isNull());
        }
    }

    @Test
    void aDaemonThatDiesMidRunGivesASystemErrorAndLaterCallsRecover() throws Exception {
        try (DockerProxy daemon = new DockerProxy(Path.of("/var/run/docker.sock"));
             SandboxRuntime runtime = LocalRuntimes.runtime(Map.of("SANDBOX_DOCKER_HOST", daemon.dockerHost(),
                     "SANDBOX_POOL_SIZE", "0"))) {
            Invocations api = new Invocations(runtime);
            CompletableFuture<JsonNode> running = CompletableFuture.supplyAsync(() -> api.post(
                    Invocations.request("import time\nprint('started', flush=True)\ntime.sleep(4)", "container")
                            .put("timeoutSeconds", 10)).body());
            Thread.sleep(1_500);
            daemon.cut();
            JsonNode broken = running.get(30, TimeUnit.SECONDS);

            daemon.start();
            JsonNode recovered = api.post(Invocations.request("print('back')", "container")).body();

            assertEquals("system_error", broken.path("outcome").asText(), broken.toString());
            assertEquals("ok", recovered.path("outcome").asText(), recovered.toString());
            assertEquals("back\n", recovered.path("stdout").asText());
        }
    }
}
