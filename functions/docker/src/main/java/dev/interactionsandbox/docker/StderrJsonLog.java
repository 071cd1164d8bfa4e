package dev.interactionsandbox.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interactionsandbox.core.port.OperationalLog;

import java.time.Instant;
import java.util.Map;

/** One JSON line per record on standard error: the default when the application hands no log in. */
final class StderrJsonLog implements OperationalLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void log(Level level, String executionId, String message, Map<String, ?> fields) {
        ObjectNode line = JSON.createObjectNode();
        line.put("time", Instant.now().toString());
        line.put("level", level.name());
        line.put("component", "docker-executor");
        if (executionId != null) {
            line.put("executionId", executionId);
        }
        line.put("message", message);
        fields.forEach((key, value) -> line.set(key, JSON.valueToTree(value)));
        try {
            System.err.println(JSON.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            System.err.println("{\"level\":\"ERROR\",\"message\":\"unloggable record\"}");
        }
    }
}
