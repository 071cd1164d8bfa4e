package dev.interactionsandbox.aws;

import dev.interactionsandbox.core.error.StoreException;
import dev.interactionsandbox.core.model.AuditRecord;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.port.AuditLog;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static dev.interactionsandbox.aws.Attributes.putList;
import static dev.interactionsandbox.aws.Attributes.putNumber;
import static dev.interactionsandbox.aws.Attributes.putString;

/**
 * The Audit table: partition key {@code executionId}, sort key {@code event}. Append only: a conditional put that
 * keeps the first record of an (execution, event) pair, so duplicate deliveries do not rewrite history. The
 * function's role may PutItem here and nothing else.
 */
public final class DynamoDbAuditLog implements AuditLog {
    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;

    public DynamoDbAuditLog(DynamoDbClient dynamo, String table, Duration retention) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
    }

    @Override
    public void append(AuditRecord record) {
        try {
            DynamoErrors.translate("append audit record", () -> dynamo.putItem(r -> r.tableName(table)
                    .item(toItem(record))
                    .conditionExpression("attribute_not_exists(executionId)")));
        } catch (StoreException e) {
            if (!(e.getCause() instanceof ConditionalCheckFailedException)) {
                throw e;
            }
        }
    }

    private Map<String, AttributeValue> toItem(AuditRecord record) {
        Map<String, AttributeValue> item = new HashMap<>();
        putString(item, "executionId", record.executionId());
        putString(item, "event", record.event().name());
        putString(item, "at", record.at().toString());
        if (record.caller() != null) {
            putString(item, "principal", record.caller().principal());
            putString(item, "sourceIp", record.caller().sourceIp());
            putString(item, "channel", record.caller().channel());
            putString(item, "requestId", record.caller().requestId());
        }
        putString(item, "tag", record.tag());
        putString(item, "codeSha256", record.codeSha256());
        putNumber(item, "codeBytes", record.codeBytes());
        putString(item, "requestedMode", record.requestedMode() == null ? null : record.requestedMode().wireName());
        putString(item, "mode", record.mode() == null ? null : record.mode().wireName());
        putString(item, "policy", record.policy() == null ? null : record.policy().wireName());
        if (record.limits() != null) {
            item.put("limits", AttributeValue.fromM(limits(record.limits())));
        }
        putList(item, "isolation", record.isolation(), AttributeValue::fromS);
        putString(item, "outcome", record.outcome() == null ? null : record.outcome().wireName());
        putNumber(item, "durationMs", record.durationMs());
        putNumber(item, "stdoutChars", record.stdoutChars());
        putNumber(item, "stderrChars", record.stderrChars());
        putList(item, "findings", record.findings(), FindingAttributes::toAttribute);
        putString(item, "detail", record.detail());
        putNumber(item, "expiresAt", record.at().plus(retention).getEpochSecond());
        return item;
    }

    private static Map<String, AttributeValue> limits(Limits limits) {
        Map<String, AttributeValue> map = new HashMap<>();
        putNumber(map, "timeoutSeconds", limits.timeoutSeconds());
        putNumber(map, "memoryMb", limits.memoryMb());
        putNumber(map, "cpus", limits.cpus());
        putNumber(map, "maxProcesses", limits.maxProcesses());
        putNumber(map, "maxOutputBytes", limits.maxOutputBytes());
        putNumber(map, "maxFileBytes", limits.maxFileBytes());
        putNumber(map, "maxOpenFiles", limits.maxOpenFiles());
        return map;
    }
}
