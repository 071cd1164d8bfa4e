package dev.interactionsandbox.aws;

import dev.interactionsandbox.core.error.StoreException;
import dev.interactionsandbox.core.model.CapturedOutput;
import dev.interactionsandbox.core.model.DetachedRun;
import dev.interactionsandbox.core.model.ExceptionInfo;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.ExecutionResult;
import dev.interactionsandbox.core.model.ExecutionStatus;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.port.ExecutionStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static dev.interactionsandbox.aws.Attributes.putList;
import static dev.interactionsandbox.aws.Attributes.putNumber;
import static dev.interactionsandbox.aws.Attributes.putString;

/**
 * The Executions table: one item per execution, written when it starts (conditional: a new id only) and replaced by
 * its final result (conditional: only while it is still RUNNING, so the first final result wins). Items expire
 * through TTL ({@code expiresAt}).
 */
public final class DynamoDbExecutionStore implements ExecutionStore {
    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;

    public DynamoDbExecutionStore(DynamoDbClient dynamo, String table, Duration retention) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
    }

    @Override
    public void create(ExecutionResult running) {
        DynamoErrors.translate("create execution", () -> dynamo.putItem(r -> r.tableName(table)
                .item(toItem(running))
                .conditionExpression("attribute_not_exists(executionId)")));
    }

    @Override
    public void update(ExecutionResult result) {
        try {
            DynamoErrors.translate("store result", () -> dynamo.putItem(r -> r.tableName(table)
                    .item(toItem(result))
                    .conditionExpression("attribute_not_exists(executionId) OR #status = :running")
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(Map.of(":running", AttributeValue.fromS(ExecutionStatus.RUNNING.name())))));
        } catch (StoreException e) {
            if (!(e.getCause() instanceof ConditionalCheckFailedException)) {
                throw e;
            }
            // Already final: a duplicate delivery of the same completion keeps the first result.
        }
    }

    @Override
    public Optional<ExecutionResult> find(String executionId) {
        GetItemResponse response = DynamoErrors.translate("read execution", () -> dynamo.getItem(r -> r
                .tableName(table).key(Map.of("executionId", AttributeValue.fromS(executionId))).consistentRead(true)));
        return response.hasItem() && !response.item().isEmpty() ? Optional.of(fromItem(response.item()))
                : Optional.empty();
    }

    private Map<String, AttributeValue> toItem(ExecutionResult result) {
        Map<String, AttributeValue> item = new HashMap<>();
        putString(item, "executionId", result.executionId());
        putString(item, "status", result.status().name());
        putString(item, "outcome", result.outcome() == null ? null : result.outcome().wireName());
        putString(item, "stdout", result.stdout().text());
        item.put("stdoutTruncated", AttributeValue.fromBool(result.stdout().truncated()));
        putString(item, "stderr", result.stderr().text());
        item.put("stderrTruncated", AttributeValue.fromBool(result.stderr().truncated()));
        putNumber(item, "exitCode", result.exitCode());
        if (result.exception() != null) {
            Map<String, AttributeValue> exception = new HashMap<>();
            putString(exception, "type", result.exception().type());
            putString(exception, "message", result.exception().message());
            putNumber(exception, "line", result.exception().line());
            item.put("exception", AttributeValue.fromM(exception));
        }
        putString(item, "mode", result.mode() == null ? null : result.mode().wireName());
        putList(item, "isolation", result.isolation(), AttributeValue::fromS);
        putNumber(item, "durationMs", result.durationMs());
        putList(item, "findings", result.findings(), FindingAttributes::toAttribute);
        putString(item, "fallbackReason", result.fallbackReason());
        putString(item, "detail", result.detail());
        putString(item, "tag", result.tag());
        putString(item, "createdAt", result.createdAt() == null ? null : result.createdAt().toString());
        if (result.detached() != null) {
            putString(item, "runHandle", result.detached().handle());
            putString(item, "runDeadline", result.detached().deadline().toString());
        }
        Instant base = result.createdAt() == null ? Instant.now() : result.createdAt();
        putNumber(item, "expiresAt", base.plus(retention).getEpochSecond());
        return item;
    }

    private static ExecutionResult fromItem(Map<String, AttributeValue> item) {
        AttributeValue exceptionValue = item.get("exception");
        ExceptionInfo exception = null;
        if (exceptionValue != null && exceptionValue.hasM()) {
            Map<String, AttributeValue> m = exceptionValue.m();
            exception = new ExceptionInfo(Attributes.string(m, "type"), Attributes.string(m, "message"),
                    Attributes.integer(m, "line"));
        }
        String mode = Attributes.string(item, "mode");
        String outcome = Attributes.string(item, "outcome");
        String createdAt = Attributes.string(item, "createdAt");
        return new ExecutionResult(Attributes.string(item, "executionId"),
                ExecutionStatus.valueOf(Attributes.string(item, "status")),
                outcome == null ? null : Outcome.fromWireName(outcome).orElse(Outcome.SYSTEM_ERROR),
                new CapturedOutput(Attributes.string(item, "stdout"), Attributes.bool(item, "stdoutTruncated")),
                new CapturedOutput(Attributes.string(item, "stderr"), Attributes.bool(item, "stderrTruncated")),
                Attributes.integer(item, "exitCode"), exception,
                mode == null ? null : ExecutionMode.fromWireName(mode).orElse(null),
                Attributes.strings(item, "isolation"), Attributes.longValue(item, "durationMs"),
                Attributes.maps(item, "findings").stream().map(FindingAttributes::fromAttribute).toList(),
                Attributes.string(item, "fallbackReason"), Attributes.string(item, "detail"),
                Attributes.string(item, "tag"), createdAt == null ? null : Instant.parse(createdAt),
                detached(item));
    }

    private static DetachedRun detached(Map<String, AttributeValue> item) {
        String handle = Attributes.string(item, "runHandle");
        String deadline = Attributes.string(item, "runDeadline");
        return handle == null || deadline == null ? null
                : new DetachedRun(handle, Instant.parse(deadline), Attributes.strings(item, "isolation"));
    }
}
