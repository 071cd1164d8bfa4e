package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interactionsandbox.core.error.BadRequestException;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.ExecutionRequest;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.service.ServiceLimits;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;

/**
 * Turns a request document into an {@link ExecutionRequest}, or a {@link BadRequestException} naming the field.
 * Strict: unknown fields and wrong types are refused rather than guessed at.
 */
public final class ExecutionRequestParser {
    static final Set<String> FIELDS = Set.of("code", "mode", "timeoutSeconds", "memoryMb", "stdin", "tag", "policy");
    private static final int MAX_TAG_CHARS = 128;

    private final ServiceLimits limits;

    public ExecutionRequestParser(ServiceLimits limits) {
        this.limits = limits;
    }

    /**
     * @param extraAllowed field names the calling channel handles itself (e.g. "action"), not refused as unknown
     */
    public ExecutionRequest parse(JsonNode body, Set<String> extraAllowed) {
        if (body == null || !body.isObject()) {
            throw new BadRequestException(null, "the request body must be a JSON object");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name) && !extraAllowed.contains(name)) {
                throw new BadRequestException(name, "unknown field '" + name + "'; known fields: " + FIELDS);
            }
        }
        String code = requiredString(body, "code");
        if (code.isBlank()) {
            throw new BadRequestException("code", "code must not be empty");
        }
        checkText("code", code, limits.maxCodeBytes());
        String stdin = optionalString(body, "stdin");
        if (stdin != null) {
            checkText("stdin", stdin, limits.maxStdinBytes());
        }
        String tag = optionalString(body, "tag");
        if (tag != null && (tag.length() > MAX_TAG_CHARS || tag.chars().anyMatch(Character::isISOControl))) {
            throw new BadRequestException("tag", "tag must be at most " + MAX_TAG_CHARS
                    + " characters without control characters");
        }
        ExecutionMode mode = enumField(body, "mode", ExecutionMode.AUTO, ExecutionMode::fromWireName,
                "auto, subprocess or container");
        Policy policy = enumField(body, "policy", limits.defaultPolicy(), Policy::fromWireName,
                "one of " + limits.allowedPolicies().stream().map(Policy::wireName).sorted().toList());
        if (!limits.allowedPolicies().contains(policy)) {
            throw new BadRequestException("policy", "policy '" + policy.wireName() + "' is not allowed here");
        }
        Limits defaults = limits.defaultLimits();
        int timeout = integerField(body, "timeoutSeconds", defaults.timeoutSeconds(), 1, limits.maxTimeoutSeconds());
        int memory = integerField(body, "memoryMb", defaults.memoryMb(), limits.minMemoryMb(), limits.maxMemoryMb());
        return new ExecutionRequest(code, mode, defaults.withTimeoutSeconds(timeout).withMemoryMb(memory), stdin, tag,
                policy);
    }

    private static String requiredString(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw new BadRequestException(field, field + " is required");
        }
        if (!value.isTextual()) {
            throw new BadRequestException(field, field + " must be a string");
        }
        return value.textValue();
    }

    private static String optionalString(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new BadRequestException(field, field + " must be a string");
        }
        return value.textValue();
    }

    private static int integerField(JsonNode body, String field, int fallback, int min, int max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < min || value.intValue() > max) {
            throw new BadRequestException(field, field + " must be a whole number from " + min + " to " + max);
        }
        return value.intValue();
    }

    private static <E> E enumField(JsonNode body, String field, E fallback,
                                   java.util.function.Function<String, java.util.Optional<E>> lookup, String expected) {
        String value = optionalString(body, field);
        if (value == null) {
            return fallback;
        }
        return lookup.apply(value).orElseThrow(() -> new BadRequestException(field, field + " must be " + expected));
    }

    /** Refuses NUL bytes, text that is not valid Unicode (lone surrogates) and text over the byte limit. */
    private static void checkText(String field, String text, int maxBytes) {
        if (text.indexOf('\0') >= 0) {
            throw new BadRequestException(field, field + " must not contain NUL characters");
        }
        ByteBuffer encoded;
        try {
            encoded = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
        } catch (CharacterCodingException e) {
            throw new BadRequestException(field, field + " is not valid Unicode text");
        }
        if (encoded.remaining() > maxBytes) {
            throw new PayloadTooLargeException(field, field + " is " + encoded.remaining()
                    + " bytes; at most " + maxBytes + " are accepted");
        }
    }

    /** A field over its size limit: answered with 413. */
    public static final class PayloadTooLargeException extends BadRequestException {
        PayloadTooLargeException(String field, String message) {
            super(field, message);
        }
    }
}
