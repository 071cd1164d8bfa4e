package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interactionsandbox.core.model.ExecutionResult;
import dev.interactionsandbox.core.model.Finding;

/** The response body of the API contract, built from an {@link ExecutionResult}. */
public final class ResultJson {
    private final ObjectMapper json;

    public ResultJson(ObjectMapper json) {
        this.json = json;
    }

    public ObjectNode toJson(ExecutionResult result) {
        ObjectNode body = json.createObjectNode();
        body.put("executionId", result.executionId());
        body.put("status", result.status().name());
        body.put("success", result.success());
        putNullable(body, "outcome", result.outcome() == null ? null : result.outcome().wireName());
        body.put("stdout", result.stdout().text());
        body.put("stdoutTruncated", result.stdout().truncated());
        body.put("stderr", result.stderr().text());
        body.put("stderrTruncated", result.stderr().truncated());
        if (result.exitCode() == null) {
            body.putNull("exitCode");
        } else {
            body.put("exitCode", result.exitCode());
        }
        if (result.exception() == null) {
            body.putNull("exception");
        } else {
            ObjectNode exception = body.putObject("exception");
            putNullable(exception, "type", result.exception().type());
            putNullable(exception, "message", result.exception().message());
            if (result.exception().line() == null) {
                exception.putNull("line");
            } else {
                exception.put("line", result.exception().line());
            }
        }
        putNullable(body, "mode", result.mode() == null ? null : result.mode().wireName());
        ArrayNode isolation = body.putArray("isolation");
        result.isolation().forEach(isolation::add);
        body.put("durationMs", result.durationMs());
        ArrayNode findings = body.putArray("findings");
        for (Finding finding : result.findings()) {
            findings.addObject()
                    .put("ruleId", finding.ruleId())
                    .put("message", finding.message())
                    .put("line", finding.line())
                    .put("column", finding.column())
                    .put("blocking", finding.blocking());
        }
        putNullable(body, "fallbackReason", result.fallbackReason());
        putNullable(body, "detail", result.detail());
        putNullable(body, "tag", result.tag());
        putNullable(body, "createdAt", result.createdAt() == null ? null : result.createdAt().toString());
        return body;
    }

    private static void putNullable(ObjectNode node, String field, String value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
