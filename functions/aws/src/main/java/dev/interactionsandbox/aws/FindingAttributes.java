package dev.interactionsandbox.aws;

import dev.interactionsandbox.core.model.Finding;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;

/** Findings as DynamoDB maps: shared by the result store and the audit log. */
final class FindingAttributes {
    private FindingAttributes() {
    }

    static AttributeValue toAttribute(Finding finding) {
        return AttributeValue.fromM(Map.of(
                "ruleId", AttributeValue.fromS(finding.ruleId()),
                "message", AttributeValue.fromS(finding.message()),
                "line", AttributeValue.fromN(Integer.toString(finding.line())),
                "column", AttributeValue.fromN(Integer.toString(finding.column())),
                "blocking", AttributeValue.fromBool(finding.blocking())));
    }

    static Finding fromAttribute(Map<String, AttributeValue> map) {
        return new Finding(Attributes.string(map, "ruleId"), Attributes.string(map, "message"),
                Attributes.integer(map, "line"), Attributes.integer(map, "column"), Attributes.bool(map, "blocking"));
    }
}
