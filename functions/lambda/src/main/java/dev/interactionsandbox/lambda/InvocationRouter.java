package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interactionsandbox.core.error.BadRequestException;
import dev.interactionsandbox.core.error.SandboxInfrastructureException;
import dev.interactionsandbox.core.model.CallerContext;
import dev.interactionsandbox.core.model.ExecutionRequest;
import dev.interactionsandbox.core.model.ExecutionResult;
import dev.interactionsandbox.core.model.ExecutionStatus;
import dev.interactionsandbox.core.model.Outcome;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Routes one invocation: an API Gateway event (REST or HTTP API) or a plain JSON request (Step Functions, direct
 * invocation). API callers always get an HTTP response; plain callers get the result document, a structured
 * {@code {"error": …}} document for bad requests, and an exception for infrastructure failures (so that Step
 * Functions' Retry and Catch see them).
 */
public final class InvocationRouter {
    private static final Pattern EXECUTION_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final String EXECUTIONS = "/executions";
    private static final Set<String> PLAIN_EXTRA_FIELDS = Set.of("action", "executionId");

    private final SandboxRuntime runtime;

    public InvocationRouter(SandboxRuntime runtime) {
        this.runtime = runtime;
    }

    /** Routes a raw invocation payload; a payload that is not UTF-8 JSON is a bad request. */
    public JsonNode route(byte[] payload, String invocationId) {
        JsonNode event;
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload)).toString();
            event = runtime.json().readTree(text);
        } catch (CharacterCodingException e) {
            return error(400, null, "the invocation payload is not valid UTF-8");
        } catch (JsonProcessingException e) {
            return error(400, null, "the invocation payload is not valid JSON");
        }
        if (event == null || !event.isObject()) {
            return error(400, null, "the invocation payload must be a JSON object");
        }
        return HttpRequestView.isApiGatewayEvent(event) ? routeHttp(HttpRequestView.of(event))
                : routePlain((ObjectNode) event, invocationId);
    }

    private JsonNode routeHttp(HttpRequestView request) {
        try {
            String path = request.path().endsWith("/") && request.path().length() > 1
                    ? request.path().substring(0, request.path().length() - 1) : request.path();
            if (path.equals(EXECUTIONS)) {
                if (!request.method().equals("POST")) {
                    return http(405, error(405, null, "use POST on " + EXECUTIONS));
                }
                ExecutionRequest parsed = runtime.parser().parse(parseBody(request.bodyText()), Set.of());
                ExecutionResult result = runtime.service().execute(parsed, request.caller());
                return http(statusCodeOf(result), runtime.results().toJson(result));
            }
            if (path.startsWith(EXECUTIONS + "/")) {
                if (!request.method().equals("GET")) {
                    return http(405, error(405, null, "use GET on " + EXECUTIONS + "/{id}"));
                }
                String id = request.pathId() != null ? request.pathId() : path.substring(EXECUTIONS.length() + 1);
                return http(200, find(id), 404);
            }
            return http(404, error(404, null, "no route for " + request.method() + " " + request.path()));
        } catch (BadRequestException e) {
            return http(statusOf(e), badRequest(e));
        } catch (SandboxInfrastructureException e) {
            runtime.log().error(null, "infrastructure failure", Map.of("errorType", e.getClass().getSimpleName(),
                    "reason", String.valueOf(e.getMessage()), "retryable", e.retryable()));
            ObjectNode body = error(503, null, "the service could not complete the request: " + e.getMessage());
            body.put("retryable", e.retryable());
            return http(503, body);
        }
    }

    private JsonNode routePlain(ObjectNode event, String invocationId) {
        try {
            String action = event.path("action").asText("execute");
            if (action.equals("get")) {
                return find(event.path("executionId").asText(""));
            }
            if (!action.equals("execute")) {
                throw new BadRequestException("action", "action must be execute or get");
            }
            event.remove("action");
            if (event.has("executionId")) {
                throw new BadRequestException("executionId", "executionId is only accepted with action get");
            }
            ExecutionRequest parsed = runtime.parser().parse(event, Set.of());
            return runtime.results().toJson(runtime.service().execute(parsed, CallerContext.direct(invocationId)));
        } catch (BadRequestException e) {
            return badRequest(e);
        }
    }

    /** The stored result, or a 404-style error document. */
    private JsonNode find(String id) {
        if (!EXECUTION_ID.matcher(id).matches()) {
            throw new BadRequestException("executionId", "execution ids are lowercase UUIDs");
        }
        return runtime.service().find(id).<JsonNode>map(runtime.results()::toJson)
                .orElseGet(() -> error(404, "executionId", "no execution " + id));
    }

    private JsonNode parseBody(String text) {
        try {
            return runtime.json().readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadRequestException(null, "the request body is not valid JSON: "
                    + e.getOriginalMessage());
        }
    }

    static int statusCodeOf(ExecutionResult result) {
        if (result.status() == ExecutionStatus.RUNNING) {
            return 202;
        }
        return result.outcome() == Outcome.SYSTEM_ERROR ? 500 : 200;
    }

    private static int statusOf(BadRequestException e) {
        return e instanceof ExecutionRequestParser.PayloadTooLargeException ? 413 : 400;
    }

    private ObjectNode badRequest(BadRequestException e) {
        return error(statusOf(e), e.field(), e.getMessage());
    }

    private ObjectNode error(int status, String field, String message) {
        ObjectNode body = runtime.json().createObjectNode();
        body.put("error", switch (status) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 503 -> "unavailable";
            default -> "bad_request";
        });
        body.put("statusCode", status);
        if (field != null) {
            body.put("field", field);
        }
        body.put("message", message);
        return body;
    }

    /** An error document found by {@link #find} carries its own status. */
    private JsonNode http(int status, JsonNode body, int statusIfError) {
        return http(body.has("error") ? statusIfError : status, body);
    }

    private JsonNode http(int status, JsonNode body) {
        ObjectNode response = runtime.json().createObjectNode();
        response.put("statusCode", status);
        ObjectNode headers = response.putObject("headers");
        headers.put("Content-Type", "application/json");
        if (body.has("executionId") && body.get("executionId").isTextual()) {
            headers.put("X-Execution-Id", body.get("executionId").textValue());
        }
        response.put("isBase64Encoded", false);
        try {
            response.put("body", runtime.json().writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always serialises", e);
        }
        return response;
    }
}
