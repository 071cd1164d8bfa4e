package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interactionsandbox.core.port.OperationalLog;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;

/**
 * One JSON object per line (Lambda's JSON log format), on standard error so that standard output stays free for
 * responses in local invocations. Every line carries the execution id.
 */
public final class JsonLinesLog implements OperationalLog {
    private final ObjectMapper json;
    private final PrintStream out;
    private final Level threshold;
    private final Clock clock;

    public JsonLinesLog(ObjectMapper json, PrintStream out, Level threshold, Clock clock) {
        this.json = json;
        this.out = out;
        this.threshold = threshold;
        this.clock = clock;
    }

    @Override
    public void log(Level level, String executionId, String message, Map<String, ?> fields) {
        if (level.compareTo(threshold) < 0) {
            return;
        }
        ObjectNode line = json.createObjectNode();
        line.put("timestamp", clock.instant().toString());
        line.put("level", level.name());
        line.put("executionId", executionId);
        line.put("message", message);
        fields.forEach((key, value) -> line.set(key, json.valueToTree(value)));
        try {
            String text = json.writeValueAsString(line);
            synchronized (out) {
                out.println(text);
            }
        } catch (JsonProcessingException e) {
            synchronized (out) {
                out.println("{\"level\":\"ERROR\",\"message\":\"unloggable record\"}");
            }
        }
    }
}
