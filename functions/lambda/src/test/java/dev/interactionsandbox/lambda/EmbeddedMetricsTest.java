package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interactionsandbox.core.model.CapturedOutput;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.ExecutionResult;
import dev.interactionsandbox.core.model.ExecutionStatus;
import dev.interactionsandbox.core.model.Outcome;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded-metric-format lines CloudWatch turns into the metrics the template's alarms watch. */
class EmbeddedMetricsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final EmbeddedMetrics metrics = new EmbeddedMetrics(new ObjectMapper(),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));

    private static ExecutionResult result(ExecutionStatus status, Outcome outcome, String fallbackReason) {
        return new ExecutionResult("00000000-0000-4000-8000-000000000001", status, outcome, CapturedOutput.EMPTY,
                CapturedOutput.EMPTY, 0, null, ExecutionMode.SUBPROCESS, List.of(), 42, List.of(), fallbackReason,
                null, null, Instant.EPOCH, null);
    }

    private JsonNode line() throws Exception {
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(1, lines.length);
        return new ObjectMapper().readTree(lines[0]);
    }

    @Test
    void aFallbackExecutionIsCountedByPathAndOutcomeWithItsLatency() throws Exception {
        metrics.record(result(ExecutionStatus.SUCCEEDED, Outcome.OK, "docker down"));

        JsonNode line = line();
        JsonNode directive = line.path("_aws").path("CloudWatchMetrics").get(0);
        assertEquals("InteractionSandbox", directive.path("Namespace").asText());
        assertEquals(1767225600000L, line.path("_aws").path("Timestamp").asLong());
        assertEquals("[[\"Path\",\"Outcome\"],[\"Path\"],[]]", directive.path("Dimensions").toString());
        assertEquals("subprocess", line.path("Path").asText());
        assertEquals("ok", line.path("Outcome").asText());
        assertEquals(1, line.path("Executions").asInt());
        assertEquals(42, line.path("LatencyMs").asInt());
        assertEquals(1, line.path("Fallbacks").asInt());
        assertEquals(0, line.path("SystemErrors").asInt());
        for (JsonNode metric : directive.path("Metrics")) {
            assertTrue(line.has(metric.path("Name").asText()), "every declared metric has a value");
        }
    }

    @Test
    void rejectionsAndSystemErrorsAreCounted() throws Exception {
        metrics.record(result(ExecutionStatus.FAILED, Outcome.SYSTEM_ERROR, null));
        assertEquals(1, line().path("SystemErrors").asInt());
        out.reset();
        metrics.record(result(ExecutionStatus.REJECTED, Outcome.POLICY_VIOLATION, null));
        assertEquals(1, line().path("Rejections").asInt());
    }

    @Test
    void runningExecutionsRecordNothing() {
        metrics.record(ExecutionResult.running("00000000-0000-4000-8000-000000000001", ExecutionMode.CONTAINER,
                List.of(), List.of(), null, null, Instant.EPOCH));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
