package dev.interactionsandbox.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The audit principal of an API call under each of the template's ApiAuth modes (and ApiKeyRequired). The events are
 * the sample GET event's envelope with the request context API Gateway writes for that mode; the Lambda runtime's
 * own event model reads the authorizer data from the same place.
 */
class HttpRequestViewTest {
    private static final String POOL_USER_SUB = "7d8f6b2a-1c3e-4f50-9a6b-0c1d2e3f4a5b";
    private static final String API_KEY_ID = "k3y1d0example";

    @Test
    void iamCallerIsTheUserArn() {
        ObjectNode event = Invocations.apiEvent("get-execution.json");
        identity(event).put("apiKeyId", API_KEY_ID);

        assertEquals("arn:aws:iam::123456789012:user/alice", principal(event));
    }

    @Test
    void cognitoCallerIsTheUserPoolSub() {
        ObjectNode event = cognitoEvent();

        assertEquals(POOL_USER_SUB, principal(event));
        assertEquals(POOL_USER_SUB, claims(official(event)).get("sub"));
    }

    @Test
    void cognitoCallerWithoutSubFallsBackToTheUsername() {
        ObjectNode event = cognitoEvent();
        ((ObjectNode) event.path("requestContext").path("authorizer").path("claims")).remove("sub");

        assertEquals("alice", principal(event));
    }

    @Test
    void lambdaAuthorizerCallerIsItsPrincipalIdEvenWithAnApiKey() {
        ObjectNode event = withoutIamIdentity(Invocations.apiEvent("get-execution.json"));
        identity(event).put("apiKeyId", API_KEY_ID);
        // What a TOKEN or REQUEST authorizer's policy returns: principalId plus flat context values.
        ((ObjectNode) event.with("requestContext")).putObject("authorizer")
                .put("principalId", "tenant-7/user-42").put("tenant", "tenant-7").put("integrationLatency", 12);

        assertEquals("tenant-7/user-42", principal(event));
        assertEquals("tenant-7/user-42", official(event).getRequestContext().getAuthorizer().get("principalId"));
    }

    @Test
    void keyOnlyCallerIsTheApiKeyId() {
        ObjectNode event = withoutIamIdentity(Invocations.apiEvent("get-execution.json"));
        identity(event).put("apiKeyId", API_KEY_ID);

        assertEquals(API_KEY_ID, principal(event));
    }

    @Test
    void unauthenticatedCallerIsAnonymous() {
        assertEquals("anonymous", principal(withoutIamIdentity(Invocations.apiEvent("get-execution.json"))));
    }

    @Test
    void httpApiJwtCallerIsTheSub() throws Exception {
        JsonNode event = Invocations.JSON.readTree("""
                {"version": "2.0", "rawPath": "/executions", "body": "{}",
                 "requestContext": {"requestId": "r-1", "http": {"method": "POST", "sourceIp": "203.0.113.9"},
                   "authorizer": {"jwt": {"claims": {"sub": "%s", "cognito:username": "alice"}, "scopes": null}}}}
                """.formatted(POOL_USER_SUB));

        assertEquals(POOL_USER_SUB, principal(event));
    }

    /** A REST event as a Cognito user pool authorizer passes it: no IAM identity, the ID token's claims. */
    private static ObjectNode cognitoEvent() {
        ObjectNode event = withoutIamIdentity(Invocations.apiEvent("get-execution.json"));
        ((ObjectNode) event.with("requestContext")).putObject("authorizer").putObject("claims")
                .put("sub", POOL_USER_SUB)
                .put("cognito:username", "alice")
                .put("email", "alice@example.com")
                .put("token_use", "id")
                .put("iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example")
                .put("aud", "example-client-id");
        return event;
    }

    private static ObjectNode withoutIamIdentity(ObjectNode event) {
        ObjectNode identity = identity(event);
        for (String field : new String[] {"accountId", "caller", "accessKey", "userArn", "user"}) {
            identity.putNull(field);
        }
        return event;
    }

    private static ObjectNode identity(ObjectNode event) {
        return (ObjectNode) event.path("requestContext").path("identity");
    }

    private static String principal(JsonNode event) {
        return HttpRequestView.of(event).caller().principal();
    }

    private static APIGatewayProxyRequestEvent official(JsonNode event) {
        return LambdaEventSerializers.serializerFor(APIGatewayProxyRequestEvent.class,
                HttpRequestViewTest.class.getClassLoader()).fromJson(event.toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> claims(APIGatewayProxyRequestEvent event) {
        return (Map<String, Object>) event.getRequestContext().getAuthorizer().get("claims");
    }
}
