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
public final class Invocations {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final Path EVENTS = LocalStack.REPO.resolve("events");

    private final ExecuteHandler handler;

    public Invocations(SandboxRuntime runtime) {
        this.handler = new ExecuteHandler(runtime);
    }

    /** A runtime configured from this process's environment plus {@code overrides}. */
    public static SandboxRuntime runtime(Map<String, String> overrides) {
        return runtime(overrides, ContainerPathFactory.aws());
    }

    /** A runtime with the given container path (the local module passes the Docker one). */
    public static SandboxRuntime runtime(Map<String, String> overrides, ContainerPathFactory containers) {
        return SandboxRuntime.create(Config.fromEnvironment(environment(overrides)), SandboxRuntime::defaultDynamo,
                containers);
    }

    /** This process's environment plus {@code overrides}. */
    public static Map<String, String> environment(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(overrides);
        return env;
    }

    public JsonNode invokeRaw(byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(payload), out,
                    new LocalContext(UUID.randomUUID().toString(), System.currentTimeMillis() + 900_000));
            return JSON.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode invoke(JsonNode event) {
        return invokeRaw(event.toString().getBytes(StandardCharsets.UTF_8));
    }

    public JsonNode invokeFile(String eventFile) {
        try {
            return invokeRaw(Files.readAllBytes(EVENTS.resolve(eventFile)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An API Gateway response: status and parsed body. */
    public record HttpAnswer(int status, JsonNode body) {
    }

    public static HttpAnswer http(JsonNode response) {
        try {
            return new HttpAnswer(response.path("statusCode").asInt(), JSON.readTree(response.path("body").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** POST /executions through an API Gateway REST event built from the sample event's envelope. */
    public HttpAnswer post(JsonNode body) {
        return post(body.toString());
    }

    public HttpAnswer post(String body) {
        ObjectNode event = apiEvent("execute-subprocess.json");
        event.put("body", body);
        return http(invoke(event));
    }

    public HttpAnswer get(String id) {
        ObjectNode event = apiEvent("get-execution.json");
        event.put("path", "/executions/" + id);
        ((ObjectNode) event.with("pathParameters")).put("id", id);
        return http(invoke(event));
    }

    public static ObjectNode apiEvent(String file) {
        try {
            return (ObjectNode) JSON.readTree(EVENTS.resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode request(String code) {
        return request(code, "subprocess");
    }

    public static ObjectNode request(String code, String mode) {
        return JSON.createObjectNode().put("code", code).put("mode", mode);
    }
}
