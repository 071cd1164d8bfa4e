package dev.interactionsandbox.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interactionsandbox.lambda.Invocations;
import dev.interactionsandbox.lambda.LocalStack;
import dev.interactionsandbox.lambda.SandboxRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every sample event in events/ (the same files `sam local invoke -e` takes) runs through the real handler, with the
 * container path on the local Docker engine as scripts/local-invoke has it.
 */
@ExtendWith(LocalStack.class)
class EventFixturesTest {
    private static SandboxRuntime runtime;
    private static Invocations invocations;

    @BeforeAll
    static void start() {
        runtime = LocalRuntimes.runtime(Map.of());
        invocations = new Invocations(runtime);
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    @Test
    void piExampleRunsOnTheSubprocessPath() {
        Invocations.HttpAnswer answer = Invocations.http(invocations.invokeFile("execute-subprocess.json"));

        assertEquals(200, answer.status());
        assertEquals("SUCCEEDED", answer.body().path("status").asText());
        assertTrue(answer.body().path("stdout").asText().contains("pi ~ 3.14159265"), answer.body().toString());
        assertEquals("subprocess", answer.body().path("mode").asText());
        assertTrue(answer.body().path("isolation").size() > 3);
        assertEquals("pi-example", answer.body().path("tag").asText());
    }

    @Test
    void stepFunctionsPayloadGetsThePlainResultDocument() {
        JsonNode result = invocations.invokeFile("stepfunctions-execute.json");

        assertFalse(result.has("statusCode"), "no API Gateway envelope for plain invocations");
        assertEquals("ok", result.path("outcome").asText());
        assertEquals("45\n", result.path("stdout").asText());
        assertEquals("stepfunctions", result.path("tag").asText());
    }

    @Test
    void getOfAnUnknownExecutionIsNotFound() {
        Invocations.HttpAnswer answer = Invocations.http(invocations.invokeFile("get-execution.json"));

        assertEquals(404, answer.status());
        assertEquals("not_found", answer.body().path("error").asText());
    }

    @Test
    void malformedBodyIsABadRequest() {
        Invocations.HttpAnswer answer = Invocations.http(invocations.invokeFile("bad-request.json"));

        assertEquals(400, answer.status());
        assertEquals("bad_request", answer.body().path("error").asText());
        assertTrue(answer.body().path("message").asText().contains("not valid JSON"));
    }

    @Test
    void tourSafeCodeRuns() {
        JsonNode body = Invocations.http(invocations.invokeFile("tour-01-safe-code.json")).body();
        assertEquals("ok", body.path("outcome").asText(), body.toString());
    }

    @Test
    void tourUnsafeCodeIsRejectedBeforeRunning() {
        JsonNode body = Invocations.http(invocations.invokeFile("tour-02-unsafe-code.json")).body();
        assertEquals("REJECTED", body.path("status").asText());
        assertEquals("policy_violation", body.path("outcome").asText());
        assertTrue(body.path("findings").size() > 0);
        assertTrue(body.path("isolation").isEmpty(), "nothing ran, so no layer was applied");
    }

    @Test
    void tourResourceIntensiveCodeHitsTheMemoryLimit() {
        JsonNode body = Invocations.http(invocations.invokeFile("tour-03-resource-intensive.json")).body();
        assertEquals("memory_limit", body.path("outcome").asText(), body.toString());
    }

    @Test
    void tourInfiniteLoopTimesOut() {
        JsonNode body = Invocations.http(invocations.invokeFile("tour-04-infinite-loop.json")).body();
        assertEquals("timeout", body.path("outcome").asText(), body.toString());
        assertTrue(body.path("durationMs").asLong() < 6000, body.toString());
    }

    @Test
    void piExampleRunsOnTheContainerPath() {
        Invocations.HttpAnswer answer = Invocations.http(invocations.invokeFile("execute-container.json"));

        assertEquals(200, answer.status(), answer.body().toString());
        assertEquals("container", answer.body().path("mode").asText());
        assertTrue(answer.body().path("stdout").asText().contains("pi ~ 3.14159265"), answer.body().toString());
        assertTrue(answer.body().path("isolation").toString().contains("network:none"));
    }

    @Test
    void autoPrefersTheContainerPathWhenDockerIsThere() {
        JsonNode body = Invocations.http(invocations.invokeFile("execute-auto.json")).body();

        assertEquals("container", body.path("mode").asText(), body.toString());
        assertTrue(body.path("fallbackReason").isNull());
    }

    @Test
    void tourDockerSandboxUsesItsWorkDirectory() {
        JsonNode body = Invocations.http(invocations.invokeFile("tour-06-docker-sandbox.json")).body();
        assertEquals("ok", body.path("outcome").asText(), body.toString());
        assertEquals("container", body.path("mode").asText());
    }

    @Test
    void tourSubprocessSandboxUsesItsWorkDirectory() {
        JsonNode body = Invocations.http(invocations.invokeFile("tour-05-subprocess-sandbox.json")).body();
        assertEquals("ok", body.path("outcome").asText(), body.toString());
        assertEquals("subprocess", body.path("mode").asText());
    }
}
