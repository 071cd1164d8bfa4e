package dev.interactionsandbox.aws;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Small helpers to build and read DynamoDB attribute maps without nulls. */
final class Attributes {
    private Attributes() {
    }

    static void putString(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, AttributeValue.fromS(value));
        }
    }

    static void putNumber(Map<String, AttributeValue> item, String name, Number value) {
        if (value != null) {
            item.put(name, AttributeValue.fromN(value.toString()));
        }
    }

    static <T> void putList(Map<String, AttributeValue> item, String name, List<T> values,
                            Function<T, AttributeValue> each) {
        item.put(name, AttributeValue.fromL(values.stream().map(each).toList()));
    }

    static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    static Integer integer(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? null : Integer.valueOf(value.n());
    }

    static long longValue(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? 0 : Long.parseLong(value.n());
    }

    static boolean bool(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value != null && Boolean.TRUE.equals(value.bool());
    }

    static List<Map<String, AttributeValue>> maps(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || !value.hasL() ? List.of() : value.l().stream().map(AttributeValue::m).toList();
    }

    static List<String> strings(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || !value.hasL() ? List.of() : value.l().stream().map(AttributeValue::s).toList();
    }
}
