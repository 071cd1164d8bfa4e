package dev.interactionsandbox.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sample events are genuine API Gateway REST events as the Lambda runtime's own serialiser reads them
 * (aws-lambda-java-events via aws-lambda-java-tests), and the handler's tree-model reading agrees with it.
 */
class EventShapesTest {
    @ParameterizedTest
    @ValueSource(strings = {"execute-subprocess.json", "execute-container.json", "execute-auto.json",
            "get-execution.json", "bad-request.json", "tour-01-safe-code.json", "tour-02-unsafe-code.json",
            "tour-03-resource-intensive.json", "tour-04-infinite-loop.json", "tour-05-subprocess-sandbox.json",
            "tour-06-docker-sandbox.json"})
    void apiEventsAreRestProxyEventsTheHandlerReadsTheSameWay(String file) throws IOException {
        APIGatewayProxyRequestEvent official = EventLoader.loadApiGatewayRestEvent("../../events/" + file);
        JsonNode tree = Invocations.JSON.readTree(Invocations.EVENTS.resolve(file).toFile());

        assertTrue(HttpRequestView.isApiGatewayEvent(tree));
        HttpRequestView view = HttpRequestView.of(tree);
        assertEquals(official.getHttpMethod(), view.method());
        assertEquals(official.getPath(), view.path());
        assertEquals(official.getRequestContext().getIdentity().getSourceIp(), view.caller().sourceIp());
        assertEquals(official.getRequestContext().getRequestId(), view.caller().requestId());
        if (official.getHttpMethod().equals("POST")) {
            assertEquals(official.getBody(), view.bodyText());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stepfunctions-execute.json"})
    void plainEventsAreNotMistakenForApiEvents(String file) throws IOException {
        JsonNode tree = Invocations.JSON.readTree(Invocations.EVENTS.resolve(file).toFile());
        assertFalse(HttpRequestView.isApiGatewayEvent(tree));
        assertTrue(tree.path("code").isTextual());
    }
}
