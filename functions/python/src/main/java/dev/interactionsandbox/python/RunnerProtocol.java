package dev.interactionsandbox.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interactionsandbox.core.error.ExecutorFailureException;
import dev.interactionsandbox.core.model.CapturedOutput;
import dev.interactionsandbox.core.model.ExceptionInfo;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.model.RunReport;

import java.util.ArrayList;
import java.util.List;

/**
 * The documents the runner reads and writes ({@code sandbox_runner.py}): a job in, a report out. The same shapes
 * travel between the API function and the single-use executor function, so there is one codec for both.
 */
public final class RunnerProtocol {
    private final ObjectMapper json;

    public RunnerProtocol(ObjectMapper json) {
        this.json = json;
    }

    /** The job as the caller states it: code, input, limits and policy; no host settings. */
    public ObjectNode writeJob(ExecutionJob job) {
        ObjectNode doc = json.createObjectNode();
        doc.put("executionId", job.executionId());
        doc.put("code", job.code());
        doc.put("stdin", job.stdin());
        doc.put("timeoutSeconds", job.limits().timeoutSeconds());
        doc.put("memoryMb", job.limits().memoryMb());
        doc.put("cpus", job.limits().cpus());
        doc.put("maxProcesses", job.limits().maxProcesses());
        doc.put("maxOutputBytes", job.limits().maxOutputBytes());
        doc.put("maxFileBytes", job.limits().maxFileBytes());
        doc.put("maxOpenFiles", job.limits().maxOpenFiles());
        doc.put("policy", job.policy().wireName());
        return doc;
    }

    /** The job plus this host's settings: what the runner process reads on its standard input. */
    public ObjectNode writeRunnerJob(ExecutionJob job, SubprocessSettings settings) {
        ObjectNode doc = writeJob(job);
        doc.put("workRoot", settings.workRoot().toString());
        settings.disabledLayers().stream().sorted().forEach(doc.putArray("disable")::add);
        doc.put("uidBase", settings.uidBase());
        doc.put("uidCount", settings.uidCount());
        return doc;
    }

    /** Reads a job written by {@link #writeJob}; a malformed one is the platform's failure. */
    public ExecutionJob readJob(JsonNode doc) {
        try {
            Limits limits = new Limits(doc.path("timeoutSeconds").intValue(), doc.path("memoryMb").intValue(),
                    doc.path("cpus").doubleValue(), doc.path("maxProcesses").intValue(),
                    doc.path("maxOutputBytes").intValue(), doc.path("maxFileBytes").longValue(),
                    doc.path("maxOpenFiles").intValue());
            Policy policy = Policy.fromWireName(doc.path("policy").asText(""))
                    .orElseThrow(() -> new IllegalArgumentException("unknown policy"));
            if (!doc.path("executionId").isTextual() || !doc.path("code").isTextual()) {
                throw new IllegalArgumentException("executionId and code are required");
            }
            return new ExecutionJob(doc.path("executionId").textValue(), doc.path("code").textValue(),
                    doc.path("stdin").asText(""), limits, policy);
        } catch (IllegalArgumentException e) {
            throw new ExecutorFailureException("malformed job document: " + e.getMessage(), e);
        }
    }

    public ObjectNode writeReport(RunReport report) {
        ObjectNode doc = json.createObjectNode();
        doc.put("outcome", report.outcome().wireName());
        doc.put("stdout", report.stdout().text());
        doc.put("stdoutTruncated", report.stdout().truncated());
        doc.put("stderr", report.stderr().text());
        doc.put("stderrTruncated", report.stderr().truncated());
        if (report.exitCode() != null) {
            doc.put("exitCode", report.exitCode());
        }
        if (report.exception() != null) {
            ObjectNode exception = doc.putObject("exception");
            exception.put("type", report.exception().type());
            exception.put("message", report.exception().message());
            if (report.exception().line() != null) {
                exception.put("line", report.exception().line());
            }
        }
        report.isolation().forEach(doc.putArray("isolation")::add);
        doc.put("durationMs", report.durationMs());
        if (report.detail() != null) {
            doc.put("detail", report.detail());
        }
        return doc;
    }

    /**
     * Reads a report. Reports come from a process that ran untrusted code next to it, so only the known shape is
     * taken, and anything malformed is a platform failure rather than a result.
     */
    public RunReport readReport(JsonNode doc) {
        Outcome outcome = Outcome.fromWireName(doc.path("outcome").asText(""))
                .orElseThrow(() -> new ExecutorFailureException("the runner answered without a valid outcome", null));
        List<String> isolation = new ArrayList<>();
        doc.path("isolation").forEach(layer -> isolation.add(layer.asText()));
        JsonNode exception = doc.path("exception");
        ExceptionInfo info = exception.isObject() ? new ExceptionInfo(exception.path("type").asText(null),
                exception.path("message").asText(null),
                exception.path("line").isInt() ? exception.path("line").asInt() : null) : null;
        String detail = doc.path("detail").isTextual() ? doc.path("detail").asText() : null;
        JsonNode violation = doc.path("violation");
        if (violation.isObject() && detail == null) {
            detail = "blocked by the runtime guard: " + violation.path("event").asText("?");
        }
        return new RunReport(outcome,
                new CapturedOutput(doc.path("stdout").asText(""), doc.path("stdoutTruncated").asBoolean(false)),
                new CapturedOutput(doc.path("stderr").asText(""), doc.path("stderrTruncated").asBoolean(false)),
                doc.path("exitCode").isInt() ? doc.path("exitCode").asInt() : null, info, isolation,
                doc.path("durationMs").asLong(0), detail);
    }
}
