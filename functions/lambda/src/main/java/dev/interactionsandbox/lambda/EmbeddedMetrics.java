package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interactionsandbox.core.model.ExecutionResult;
import dev.interactionsandbox.core.model.ExecutionStatus;
import dev.interactionsandbox.core.model.Outcome;

import java.io.PrintStream;
import java.time.Clock;

/**
 * Metrics per outcome and path in CloudWatch embedded metric format: one JSON log line per finished execution,
 * which CloudWatch turns into metrics in namespace {@code InteractionSandbox} — {@code Executions} (dimensions
 * Path, Outcome), {@code LatencyMs} (Path), {@code Fallbacks} (Path), {@code Rejections}, {@code SystemErrors}.
 * The template's alarms use exactly these names.
 */
public final class EmbeddedMetrics {
    public static final String NAMESPACE = "InteractionSandbox";

    private final ObjectMapper json;
    private final PrintStream out;
    private final Clock clock;

    public EmbeddedMetrics(ObjectMapper json, PrintStream out, Clock clock) {
        this.json = json;
        this.out = out;
        this.clock = clock;
    }

    /** Records one finished execution (a running one records nothing). */
    public void record(ExecutionResult result) {
        if (!result.status().isFinal()) {
            return;
        }
        String path = result.mode() == null ? "none" : result.mode().wireName();
        String outcome = result.outcome() == null ? "none" : result.outcome().wireName();
        boolean rejected = result.status() == ExecutionStatus.REJECTED;
        boolean fallback = result.fallbackReason() != null;
        boolean systemError = result.outcome() == Outcome.SYSTEM_ERROR;

        ObjectNode line = json.createObjectNode();
        ObjectNode aws = line.putObject("_aws");
        aws.put("Timestamp", clock.millis());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        ArrayNode dimensions = directive.putArray("Dimensions");
        dimensions.addArray().add("Path").add("Outcome");
        dimensions.addArray().add("Path");
        dimensions.addArray();
        ArrayNode metrics = directive.putArray("Metrics");
        metrics.addObject().put("Name", "Executions").put("Unit", "Count");
        metrics.addObject().put("Name", "LatencyMs").put("Unit", "Milliseconds");
        metrics.addObject().put("Name", "Fallbacks").put("Unit", "Count");
        metrics.addObject().put("Name", "Rejections").put("Unit", "Count");
        metrics.addObject().put("Name", "SystemErrors").put("Unit", "Count");
        line.put("Path", path);
        line.put("Outcome", outcome);
        line.put("executionId", result.executionId());
        line.put("Executions", 1);
        line.put("LatencyMs", result.durationMs());
        line.put("Fallbacks", fallback ? 1 : 0);
        line.put("Rejections", rejected ? 1 : 0);
        line.put("SystemErrors", systemError ? 1 : 0);
        try {
            String text = json.writeValueAsString(line);
            synchronized (out) {
                out.println(text);
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always serialises", e);
        }
    }
}
