package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interactionsandbox.core.error.BadRequestException;
import dev.interactionsandbox.core.model.CallerContext;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What the router needs of an API Gateway event, REST (v1 proxy) or HTTP API (v2), read with the tree model.
 *
 * @param path the resource path without stage, e.g. {@code /executions/abc}
 */
record HttpRequestView(String method, String path, String pathId, JsonNode event, CallerContext caller) {

    /** Whether {@code event} is an API Gateway proxy event at all. */
    static boolean isApiGatewayEvent(JsonNode event) {
        return event.isObject() && event.has("requestContext")
                && (event.has("httpMethod") || event.path("requestContext").has("http"));
    }

    static HttpRequestView of(JsonNode event) {
        JsonNode context = event.path("requestContext");
        boolean v2 = context.has("http");
        String method = v2 ? context.path("http").path("method").asText("") : event.path("httpMethod").asText("");
        String path = v2 ? event.path("rawPath").asText("") : event.path("path").asText("");
        String stage = context.path("stage").asText("");
        if (!stage.isEmpty() && !"$default".equals(stage) && path.startsWith("/" + stage + "/")) {
            path = path.substring(stage.length() + 1);
        }
        String id = event.path("pathParameters").path("id").asText(null);
        JsonNode identity = context.path("identity");
        String sourceIp = v2 ? context.path("http").path("sourceIp").asText(null) : identity.path("sourceIp").asText(null);
        String principal = principal(identity, context.path("authorizer"));
        CallerContext caller = new CallerContext(principal == null ? "anonymous" : principal, sourceIp, "api",
                context.path("requestId").asText(null));
        return new HttpRequestView(method, path, id, event, caller);
    }

    /**
     * Who called, for the audit trail, in the order of the template's ApiAuth modes: the IAM principal (AWS_IAM,
     * SigV4), a Lambda authorizer's principalId (LAMBDA_TOKEN, LAMBDA_REQUEST), the Cognito user's {@code sub}, else
     * {@code cognito:username} (COGNITO; REST events carry the ID token's claims under {@code authorizer.claims},
     * HTTP API JWT authorizers under {@code authorizer.jwt.claims}), HTTP API IAM, and last the API key id (NONE with
     * ApiKeyRequired). API Gateway sets all of these; a client cannot.
     */
    private static String principal(JsonNode identity, JsonNode authorizer) {
        JsonNode restClaims = authorizer.path("claims");
        JsonNode jwtClaims = authorizer.path("jwt").path("claims");
        return firstText(identity.path("userArn"), identity.path("caller"), authorizer.path("principalId"),
                restClaims.path("sub"), restClaims.path("cognito:username"),
                jwtClaims.path("sub"), jwtClaims.path("cognito:username"),
                authorizer.path("iam").path("userArn"), identity.path("apiKeyId"));
    }

    /** The body as text: base64-decoded when flagged, and strictly UTF-8. */
    String bodyText() {
        JsonNode body = event.path("body");
        if (body.isMissingNode() || body.isNull() || (body.isTextual() && body.textValue().isEmpty())) {
            throw new BadRequestException(null, "the request has no body; send a JSON object");
        }
        if (!body.isTextual()) {
            throw new BadRequestException(null, "the request body must be text");
        }
        if (!event.path("isBase64Encoded").asBoolean(false)) {
            return body.textValue();
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(body.textValue());
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(null, "the body is flagged base64 but is not valid base64");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadRequestException(null, "the request body is not valid UTF-8");
        }
    }

    private static String firstText(JsonNode... candidates) {
        for (JsonNode candidate : candidates) {
            if (candidate.isTextual() && !candidate.textValue().isBlank()) {
                return candidate.textValue();
            }
        }
        return null;
    }
}
