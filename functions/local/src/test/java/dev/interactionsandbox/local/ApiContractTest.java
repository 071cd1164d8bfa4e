package dev.interactionsandbox.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interactionsandbox.lambda.Invocations;
import dev.interactionsandbox.lambda.LocalStack;
import dev.interactionsandbox.lambda.SandboxRuntime;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API contract through the real handler, the real runner and DynamoDB on the local endpoint, on both paths:
 * the subprocess path and the container path on the local Docker engine.
 */
@ExtendWith(LocalStack.class)
@ParameterizedClass(name = "{0} path")
@ValueSource(strings = {"subprocess", "container"})
class ApiContractTest {
    @Parameter
    String path;

    private static SandboxRuntime runtime;
    private static Invocations api;
    private static DynamoDbClient dynamo;

    @BeforeAll
    static void start() {
        runtime = LocalRuntimes.runtime(Map.of());
        api = new Invocations(runtime);
        dynamo = DynamoDbClient.create();
    }

    @AfterAll
    static void stop() {
        runtime.close();
        dynamo.close();
    }

    private ObjectNode request(String code) {
        return Invocations.request(code, path);
    }

    @Test
    void postThenGetReturnTheSameStoredBody() {
        Invocations.HttpAnswer posted = api.post(request("print('hello')").put("tag", "contract"));
        String id = posted.body().path("executionId").asText();

        Invocations.HttpAnswer fetched = api.get(id);

        assertEquals(200, posted.status(), posted.body().toString());
        assertEquals(200, fetched.status());
        assertEquals(path, posted.body().path("mode").asText());
        assertEquals(posted.body(), fetched.body());
        for (String field : List.of("executionId", "status", "success", "outcome", "stdout", "stderr", "exitCode",
                "exception", "mode", "isolation", "durationMs", "findings", "fallbackReason", "stdoutTruncated",
                "stderrTruncated")) {
            assertTrue(posted.body().has(field), "response lacks " + field);
        }
        assertEquals("hello\n", posted.body().path("stdout").asText());
        assertTrue(posted.body().path("success").asBoolean());
        assertEquals(0, posted.body().path("exitCode").asInt());
    }

    @Test
    void auditTrailHasOneRecordPerEventAndNeverTheCode() {
        String secretLookingCode = "x = 'do-not-store-this-code'\nprint(len(x))";
        String id = api.post(request(secretLookingCode)).body().path("executionId").asText();

        QueryResponse audit = dynamo.query(q -> q.tableName("Audit").keyConditionExpression("executionId = :id")
                .expressionAttributeValues(Map.of(":id", AttributeValue.fromS(id))).consistentRead(true));

        List<String> events = audit.items().stream().map(i -> i.get("event").s()).sorted().toList();
        assertEquals(List.of("COMPLETED", "REQUESTED", "STARTED"), events);
        for (Map<String, AttributeValue> item : audit.items()) {
            assertFalse(item.toString().contains("do-not-store-this-code"), "audit records must not hold code");
            assertEquals(64, item.get("codeSha256").s().length());
            assertEquals("203.0.113.24", item.get("sourceIp").s());
        }
        Map<String, AttributeValue> completed = audit.items().stream()
                .filter(i -> i.get("event").s().equals("COMPLETED")).findFirst().orElseThrow();
        assertEquals("ok", completed.get("outcome").s());
        assertTrue(completed.get("isolation").l().size() > 3);
        assertTrue(completed.containsKey("expiresAt"));
    }

    @Test
    void runtimeErrorsCarryTypeMessageAndLine() {
        JsonNode body = api.post(request("x = 1\ny = {}\nprint(y['missing'])")).body();

        assertEquals("FAILED", body.path("status").asText());
        assertEquals("runtime_error", body.path("outcome").asText());
        assertEquals("KeyError", body.path("exception").path("type").asText());
        assertEquals(3, body.path("exception").path("line").asInt());
        assertFalse(body.path("success").asBoolean());
    }

    @Test
    void syntaxErrorsAreAnsweredWithoutRunning() {
        JsonNode body = api.post(request("def broken(:\n    pass")).body();

        assertEquals("syntax_error", body.path("outcome").asText());
        assertEquals(1, body.path("exception").path("line").asInt());
        assertTrue(body.path("isolation").isEmpty());
    }

    @Test
    void stdinReachesTheCode() {
        ObjectNode request = request("import sys\nprint(sys.stdin.read().upper())").put("stdin", "abc");
        assertEquals("ABC\n", api.post(request).body().path("stdout").asText());
    }

    @Test
    void outputIsCappedAndThePartKeptIsReturned() {
        JsonNode body = api.post(request("while True:\n    print('x' * 1000)")).body();

        assertEquals("output_limit", body.path("outcome").asText());
        assertTrue(body.path("stdoutTruncated").asBoolean());
        assertEquals(64 * 1024, body.path("stdout").asText().length());
    }

    @Test
    void partialOutputBeforeATimeoutIsKept() {
        ObjectNode request = request("print('before', flush=True)\nwhile True:\n    pass")
                .put("timeoutSeconds", 2);
        JsonNode body = api.post(request).body();

        assertEquals("timeout", body.path("outcome").asText());
        assertEquals("before\n", body.path("stdout").asText());
    }

    @Test
    void invalidUtf8OutputStillGivesValidJson() {
        JsonNode body = api.post(request("import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end')"))
                .body();

        assertEquals("ok", body.path("outcome").asText());
        assertEquals("ok \uFFFD\uFFFD end", body.path("stdout").asText());
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{}|400|code",
            "{\"code\": 5}|400|code",
            "{\"code\": \"\"}|400|code",
            "{\"code\": \"print(1)\", \"mode\": \"vm\"}|400|mode",
            "{\"code\": \"print(1)\", \"timeoutSeconds\": 0}|400|timeoutSeconds",
            "{\"code\": \"print(1)\", \"timeoutSeconds\": 1e9}|400|timeoutSeconds",
            "{\"code\": \"print(1)\", \"timeoutSeconds\": \"30\"}|400|timeoutSeconds",
            "{\"code\": \"print(1)\", \"memoryMb\": -5}|400|memoryMb",
            "{\"code\": \"print(1)\", \"policy\": \"none\"}|400|policy",
            "{\"code\": \"print(1)\", \"timeout\": 3}|400|timeout",
            "{\"code\": \"print(1)\\u0000\"}|400|code",
            "{\"code\": \"print('\\ud800')\"}|400|code",
            "{\"code\": \"print(1)\", \"tag\": 7}|400|tag",
            "[1, 2]|400|",
            "null|400|",
    })
    void badRequestsNameTheField(String body, int status, String field) {
        Invocations.HttpAnswer answer = api.post(body);

        assertEquals(status, answer.status(), answer.body().toString());
        assertEquals("bad_request", answer.body().path("error").asText());
        if (field == null) {
            assertFalse(answer.body().has("field"));
        } else {
            assertEquals(field, answer.body().path("field").asText());
        }
        assertFalse(answer.body().path("message").asText().isBlank());
    }

    @Test
    void hugeCodeIsRefusedWith413() {
        String code = "x = 1\n".repeat(50_000);
        Invocations.HttpAnswer answer = api.post(request(code));

        assertEquals(413, answer.status());
        assertEquals("code", answer.body().path("field").asText());
    }

    @Test
    void base64BodiesAreDecoded() {
        ObjectNode event = Invocations.apiEvent("execute-subprocess.json");
        event.put("isBase64Encoded", true);
        event.put("body", Base64.getEncoder().encodeToString(
                request("print(6 * 7)").toString().getBytes(StandardCharsets.UTF_8)));

        assertEquals("42\n", Invocations.http(api.invoke(event)).body().path("stdout").asText());
    }

    @Test
    void invalidUtf8BodiesAreBadRequests() {
        ObjectNode event = Invocations.apiEvent("execute-subprocess.json");
        event.put("isBase64Encoded", true);
        event.put("body", Base64.getEncoder().encodeToString(new byte[]{'{', '"', (byte) 0xff, '"', '}'}));

        assertEquals(400, Invocations.http(api.invoke(event)).status());
    }

    @Test
    void routesAndMethodsOutsideTheApiAreRefused() {
        ObjectNode wrongMethod = Invocations.apiEvent("execute-subprocess.json");
        wrongMethod.put("httpMethod", "DELETE");
        ObjectNode unknownRoute = Invocations.apiEvent("execute-subprocess.json");
        unknownRoute.put("path", "/admin");

        assertEquals(405, Invocations.http(api.invoke(wrongMethod)).status());
        assertEquals(404, Invocations.http(api.invoke(unknownRoute)).status());
        assertEquals(400, api.get("not-a-uuid").status());
    }

    @Test
    void plainInvocationsAnswerBadRequestsAsDocumentsAndCanReadResults() {
        JsonNode bad = api.invokeRaw("{\"mode\": \"subprocess\"}".getBytes(StandardCharsets.UTF_8));
        JsonNode notJson = api.invokeRaw("{{{".getBytes(StandardCharsets.UTF_8));
        JsonNode ran = api.invoke(request("print(3)"));
        JsonNode read = api.invoke(Invocations.JSON.createObjectNode().put("action", "get")
                .put("executionId", ran.path("executionId").asText()));

        assertEquals("code", bad.path("field").asText());
        assertEquals(400, bad.path("statusCode").asInt());
        assertEquals("bad_request", notJson.path("error").asText());
        assertEquals(ran, read);
    }
}
