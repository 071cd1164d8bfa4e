package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Step Functions sample events in events/ through the real handler, as the workflows' Lambda tasks send them. */
@ExtendWith(LocalStack.class)
class StepFunctionsEventsTest {
    private static SandboxRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = Invocations.runtime(Map.of());
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    @Test
    void theExecuteEventRunsAndTheGetEventReadsResultsBack() throws IOException {
        Invocations handler = new Invocations(runtime);
        JsonNode result = handler.invokeFile("stepfunctions-execute.json");
        assertEquals("SUCCEEDED", result.path("status").asText(), result.toString());
        assertEquals("45\n", result.path("stdout").asText());

        ObjectNode get = (ObjectNode) Invocations.JSON.readTree(Invocations.EVENTS.resolve("stepfunctions-get.json").toFile());
        JsonNode unknown = handler.invoke(get);
        assertEquals("not_found", unknown.path("error").asText(), "the sample's id names no execution");

        get.put("executionId", result.path("executionId").asText());
        assertEquals(result, handler.invoke(get));
    }

    @Test
    void theFanOutEventsItemsAreRequestsTheHandlerAnswers() throws IOException {
        Invocations handler = new Invocations(runtime);
        JsonNode fanOut = Invocations.JSON.readTree(Invocations.EVENTS.resolve("stepfunctions-fan-out.json").toFile());
        List<String> answers = new ArrayList<>();
        for (JsonNode request : fanOut.path("executions")) {
            JsonNode answer = handler.invoke(request);
            answers.add(answer.has("error") ? answer.path("error").asText() : answer.path("outcome").asText());
        }
        assertEquals(List.of("ok", "runtime_error", "policy_violation", "bad_request"), answers);
    }
}
