package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Drives the real handler with events, the way the Lambda runtime and sam local invoke do. */
final class Invocations {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path EVENTS = LocalStack.REPO.resolve("events");

    private final ExecuteHandler handler;

    Invocations(SandboxRuntime runtime) {
        this.handler = new ExecuteHandler(runtime);
    }

    /** A runtime configured from this process's environment plus {@code overrides}. */
    static SandboxRuntime runtime(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(overrides);
        return SandboxRuntime.create(Config.fromEnvironment(env));
    }

    JsonNode invokeRaw(byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(payload), out,
                    new LocalContext(UUID.randomUUID().toString(), System.currentTimeMillis() + 900_000));
            return JSON.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode invoke(JsonNode event) {
        return invokeRaw(event.toString().getBytes(StandardCharsets.UTF_8));
    }

    JsonNode invokeFile(String eventFile) {
        try {
            return invokeRaw(Files.readAllBytes(EVENTS.resolve(eventFile)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An API Gateway response: status and parsed body. */
    record HttpAnswer(int status, JsonNode body) {
    }

    static HttpAnswer http(JsonNode response) {
        try {
            return new HttpAnswer(response.path("statusCode").asInt(), JSON.readTree(response.path("body").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** POST /executions through an API Gateway REST event built from the sample event's envelope. */
    HttpAnswer post(JsonNode body) {
        return post(body.toString());
    }

    HttpAnswer post(String body) {
        ObjectNode event = apiEvent("execute-subprocess.json");
        event.put("body", body);
        return http(invoke(event));
    }

    HttpAnswer get(String id) {
        ObjectNode event = apiEvent("get-execution.json");
        event.put("path", "/executions/" + id);
        ((ObjectNode) event.with("pathParameters")).put("id", id);
        return http(invoke(event));
    }

    static ObjectNode apiEvent(String file) {
        try {
            return (ObjectNode) JSON.readTree(EVENTS.resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode request(String code) {
        return JSON.createObjectNode().put("code", code).put("mode", "subprocess");
    }
}
