package dev.interactionsandbox.local.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interactionsandbox.lambda.Invocations;
import dev.interactionsandbox.lambda.LocalStack;
import dev.interactionsandbox.lambda.SandboxRuntime;
import dev.interactionsandbox.local.adversarial.LocalPaths;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Property-based fuzzing of the API through the real handler (jqwik): arbitrary and malformed JSON, wrong types,
 * missing and extra fields, huge bodies and code, NUL bytes and invalid UTF-8 (raw invocation payloads and base64
 * bodies), absurd limits, unknown modes and policies, both event shapes (API Gateway REST v1, HTTP API v2, plain).
 * Property: every input gets a structured 4xx document or a structured result, within a bounded time; nothing is
 * thrown; and after the run no work directory, sandbox process or container of this JVM is left. Code that really
 * runs is small and fast (at most a second), so the ~400 tries finish in well under two minutes.
 */
class ApiFuzzProperties {
    private static final Set<String> OUTCOMES = Set.of("ok", "runtime_error", "syntax_error", "timeout",
            "memory_limit", "output_limit", "resource_limit", "policy_violation", "system_error");
    private static final Set<String> ERRORS = Set.of("bad_request", "payload_too_large", "not_found",
            "method_not_allowed");
    private static final long CALL_BOUND_MS = 30_000;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> FIELDS = List.of("code", "mode", "timeoutSeconds", "memoryMb", "stdin", "tag",
            "policy", "action", "executionId");

    private static SandboxRuntime runtime;
    private static Invocations api;
    private static Set<String> workDirsBefore;

    @BeforeContainer
    static void start() throws Exception {
        new LocalStack().beforeAll(null);
        workDirsBefore = workDirs();
        runtime = LocalPaths.runtime(Map.of("SANDBOX_POOL_SIZE", "1"));
        api = new Invocations(runtime);
    }

    @AfterContainer
    static void stopAndCheckForLeftovers() throws Exception {
        runtime.close();
        long deadline = System.currentTimeMillis() + 10_000;
        Set<String> left;
        do {
            left = workDirs();
            left.removeAll(workDirsBefore);
        } while (!left.isEmpty() && System.currentTimeMillis() < deadline && pause());
        assertEquals(Set.of(), left, "work directories left behind");
        List<String> processes = sandboxProcesses();
        assertEquals(List.of(), processes, "sandbox processes left behind");
        Process ps = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=interaction-sandbox.owner",
                "--format", "{{.Label \"interaction-sandbox.owner\"}}").redirectErrorStream(true).start();
        String owners = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ps.waitFor(30, TimeUnit.SECONDS);
        String me = Long.toString(ProcessHandle.current().pid());
        assertTrue(owners.lines().noneMatch(o -> List.of(o.split("[^0-9A-Za-z]")).contains(me)),
                "containers of this JVM left behind: " + owners);
    }

    private static boolean pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    static Set<String> workDirs() throws IOException {
        try (Stream<Path> dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return new java.util.HashSet<>(dirs.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("isb-")).toList());
        }
    }

    static List<String> sandboxProcesses() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    int uid = Files.readAllLines(p.resolve("status")).stream().filter(l -> l.startsWith("Uid:"))
                            .map(l -> Integer.parseInt(l.split("\\s+")[1])).findFirst().orElse(0);
                    if (uid >= 61000 && uid < 61512) {
                        found.add(p.getFileName() + " uid " + uid);
                    }
                } catch (IOException | RuntimeException ignored) {
                    // gone
                }
            }
        }
        return found;
    }

    // ------------------------------------------------------------------ properties

    @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
    void rawPayloadsOfAnyBytes(@ForAll("rawPayloads") byte[] payload) {
        JsonNode answer = invokeBounded(payload);
        assertHttpAnswer(answer); // a payload that happens to look like an API event is answered as one
    }

    @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
    void plainRequestsOfAnyShape(@ForAll("plainRequests") JsonNode request) {
        JsonNode answer = invokeBounded(request.toString().getBytes(StandardCharsets.UTF_8));
        assertPlainAnswer(answer, 0);
    }

    @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
    void apiGatewayEventsOfAnyShape(@ForAll("apiEvents") JsonNode event) {
        JsonNode answer = invokeBounded(event.toString().getBytes(StandardCharsets.UTF_8));
        assertHttpAnswer(answer);
    }

    @Property(tries = 12, shrinking = ShrinkingMode.OFF)
    void codeBeyond256KiBIs413OnEveryShape(@ForAll("oversizedCode") String code, @ForAll("shapes") String shape) {
        ObjectNode request = NODES.objectNode().put("code", code).put("mode", "subprocess");
        JsonNode answer = invokeBounded(switch (shape) {
            case "plain" -> request.toString().getBytes(StandardCharsets.UTF_8);
            case "rest" -> restEvent("POST", "/executions", request.toString(), false).toString()
                    .getBytes(StandardCharsets.UTF_8);
            default -> restEvent("POST", "/executions", Base64.getEncoder().encodeToString(
                    request.toString().getBytes(StandardCharsets.UTF_8)), true).toString()
                    .getBytes(StandardCharsets.UTF_8);
        });
        if (shape.equals("plain")) {
            assertEquals(413, answer.path("statusCode").asInt(), answer.toString());
            assertEquals("payload_too_large", answer.path("error").asText());
        } else {
            assertEquals(413, answer.path("statusCode").asInt(), brief(answer));
            assertEquals("payload_too_large", body(answer).path("error").asText());
        }
    }

    // ------------------------------------------------------------------ judging

    private static JsonNode invokeBounded(byte[] payload) {
        CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(() -> api.invokeRaw(payload));
        try {
            return call.get(CALL_BOUND_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            fail("the handler did not answer within " + CALL_BOUND_MS + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            fail("the handler threw instead of answering: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
        throw new AssertionError("unreachable");
    }

    /** A plain answer: a result document or a structured 4xx error document. */
    private static void assertPlainAnswer(JsonNode answer, int payloadBytes) {
        assertTrue(answer.isObject(), "a JSON object: " + brief(answer));
        if (answer.has("error")) {
            assertTrue(ERRORS.contains(answer.path("error").asText()), brief(answer));
            int status = answer.path("statusCode").asInt();
            assertTrue(status >= 400 && status < 500, brief(answer));
            assertTrue(answer.path("message").isTextual(), brief(answer));
            return;
        }
        assertResult(answer);
    }

    private static void assertResult(JsonNode result) {
        assertTrue(result.path("executionId").asText("").matches("[0-9a-f-]{36}"), brief(result));
        assertTrue(OUTCOMES.contains(result.path("outcome").asText()), brief(result));
        assertTrue(Set.of("SUCCEEDED", "FAILED", "REJECTED").contains(result.path("status").asText()), brief(result));
        assertTrue(!"system_error".equals(result.path("outcome").asText()), "no platform failure: " + brief(result));
    }

    /** An HTTP answer: 4xx with an error document, or 200 with a result; never 5xx (the platform is healthy). */
    private static void assertHttpAnswer(JsonNode answer) {
        assertTrue(answer.isObject(), brief(answer));
        if (!answer.has("body")) {
            // not recognised as an API Gateway event: answered as a plain request
            assertPlainAnswer(answer, 0);
            return;
        }
        int status = answer.path("statusCode").asInt();
        JsonNode body = body(answer);
        if (status >= 400 && status < 500) {
            assertTrue(ERRORS.contains(body.path("error").asText()), brief(answer));
            assertEquals(status, body.path("statusCode").asInt(), brief(answer));
        } else {
            assertEquals(200, status, brief(answer));
            assertResult(body);
        }
    }

    private static JsonNode body(JsonNode answer) {
        try {
            return Invocations.JSON.readTree(answer.path("body").asText());
        } catch (IOException e) {
            throw new AssertionError("the body is not JSON: " + brief(answer), e);
        }
    }

    private static String brief(JsonNode node) {
        String text = String.valueOf(node);
        return text.length() > 500 ? text.substring(0, 500) + "…" : text;
    }

    // ------------------------------------------------------------------ generators

    /** Code that really runs is small and fast; the rest is garbage the analyser must survive. */
    static Arbitrary<String> code() {
        Arbitrary<String> fast = Arbitraries.of("print(1)", "1/0", "", "print('\\x00\\udcff')", "import sys\n"
                + "sys.stdout.buffer.write(b'\\xff\\xfe\\x00')", "raise SystemExit(3)", "x = [0] * 10\nprint(len(x))",
                "print(input())", "import os\nos.system('true')", "def f(:\n", "print('é' * 1000)",
                "import time\ntime.sleep(0.2)");
        Arbitrary<String> garbage = Arbitraries.strings().all().ofMaxLength(200);
        Arbitrary<String> nul = Arbitraries.strings().withChars('\0', 'a', '(', '\n', '\ud800').ofMaxLength(20);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, fast), net.jqwik.api.Tuple.of(3, garbage), net.jqwik.api.Tuple.of(1, nul));
    }

    static Arbitrary<JsonNode> anyValue() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(40).map(NODES::textNode),
                Arbitraries.of("subprocess", "container", "auto", "strict", "standard", "permissive", "CONTAINER",
                        " auto", "fargate", "").map(NODES::textNode),
                Arbitraries.longs().map(NODES::numberNode),
                Arbitraries.of(0L, -1L, 1L, 30L, 300L, 301L, 4096L, 4097L, Long.MAX_VALUE, Long.MIN_VALUE)
                        .map(NODES::numberNode),
                Arbitraries.doubles().map(NODES::numberNode),
                Arbitraries.of(1.5, 1e308, -0.0, Double.NaN).map(d -> (JsonNode) NODES.numberNode(d)),
                Arbitraries.just((JsonNode) NODES.numberNode(new java.math.BigInteger("1" + "0".repeat(40)))),
                Arbitraries.of(true, false).map(NODES::booleanNode),
                Arbitraries.just(NODES.nullNode()),
                Arbitraries.just(NODES.arrayNode().add(1).add("x")),
                Arbitraries.just(NODES.objectNode().put("nested", true)));
    }

    @Provide
    Arbitrary<JsonNode> plainRequests() {
        Arbitrary<ObjectNode> base = Combinators.combine(code(), Arbitraries.of("subprocess", "container", "auto"),
                Arbitraries.integers().between(1, 3)).as((c, m, t) ->
                NODES.objectNode().put("code", c).put("mode", m).put("timeoutSeconds", t));
        Arbitrary<List<String>> fields = Arbitraries.oneOf(Arbitraries.of(FIELDS),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12)).list().ofMaxSize(4);
        Arbitrary<List<JsonNode>> values = anyValue().list().ofSize(4);
        Arbitrary<List<String>> removals = Arbitraries.of("code", "mode", "timeoutSeconds").list().ofMaxSize(2);
        return Combinators.combine(base, fields, values, removals).as((request, names, vals, remove) -> {
            remove.forEach(request::remove);
            for (int i = 0; i < names.size(); i++) {
                request.set(names.get(i), vals.get(i));
            }
            return (JsonNode) request;
        });
    }

    @Provide
    Arbitrary<byte[]> rawPayloads() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<byte[]> brokenJson = Arbitraries.of("{", "{\"code\": \"print(1)\"", "[]", "null", "42", "\"x\"",
                "{\"code\": \"print(1)\"}}", "{\"code\": \"\\ud800\"}", "{\"code\": \"a\\u0000b\"}",
                "{\"action\": \"get\", \"executionId\": \"../../etc\"}", "{\"action\": \"get\"}",
                "{\"action\": \"delete\"}", "{\"code\": 1e99999}", "{\"code\": \"print(1)\", \"code\": 2}",
                "\ufeff{\"code\": \"print(1)\"}", "{\"requestContext\": {}, \"httpMethod\": 5}",
                "{\"requestContext\": {\"http\": {}}, \"rawPath\": null}", "[".repeat(5000) + "]".repeat(5000))
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> invalidUtf8 = Arbitraries.of(new byte[]{'{', '"', 'c', 'o', 'd', 'e', '"', ':', '"',
                (byte) 0xff, (byte) 0xfe, '"', '}'}, new byte[]{(byte) 0xc3}, new byte[]{(byte) 0xed, (byte) 0xa0,
                (byte) 0x80}, new byte[]{0, 0, 0});
        return Arbitraries.oneOf(random, brokenJson, invalidUtf8);
    }

    @Provide
    Arbitrary<JsonNode> apiEvents() {
        Arbitrary<String> method = Arbitraries.of("POST", "POST", "POST", "GET", "PUT", "DELETE", "post", "");
        Arbitrary<String> path = Arbitraries.of("/executions", "/executions/", "/executions/0b1e4b9c-7c1d-4d5e-9f00-"
                + "000000000000", "/executions/not-a-uuid", "/executions/../admin", "/", "/other", "/executions/%00");
        Arbitrary<String> bodyText = Arbitraries.oneOf(plainRequests().map(JsonNode::toString),
                Arbitraries.strings().all().ofMaxLength(100),
                Arbitraries.of("", "null", "{}", "[]", "{\"code\":", "{\"code\": \"print(1)\"}"));
        Arbitrary<Boolean> base64 = Arbitraries.of(false, false, true);
        Arbitrary<Boolean> v2 = Arbitraries.of(false, false, true);
        Arbitrary<byte[]> rawBody = Arbitraries.bytes().array(byte[].class).ofMaxSize(100);
        return Combinators.combine(method, path, bodyText, base64, v2, rawBody).as((m, p, b, b64, http2, raw) -> {
            String body = b64 ? Base64.getEncoder().encodeToString(raw.length % 2 == 0
                    ? b.getBytes(StandardCharsets.UTF_8) : raw) : b;
            return http2 ? httpApiEvent(m, p, body, b64) : restEvent(m, p, body, b64);
        });
    }

    @Provide
    Arbitrary<String> oversizedCode() {
        return Arbitraries.integers().between(256 * 1024 + 1, 300 * 1024).map(n -> "#" + "x".repeat(n - 1));
    }

    @Provide
    Arbitrary<String> shapes() {
        return Arbitraries.of("plain", "rest", "rest-base64");
    }

    static ObjectNode restEvent(String method, String path, String body, boolean base64) {
        ObjectNode event = Invocations.apiEvent("execute-subprocess.json");
        event.put("httpMethod", method).put("path", path).put("body", body).put("isBase64Encoded", base64);
        ((ObjectNode) event.path("requestContext")).put("httpMethod", method).put("path", path);
        return event;
    }

    static ObjectNode httpApiEvent(String method, String path, String body, boolean base64) {
        ObjectNode event = NODES.objectNode().put("version", "2.0").put("routeKey", method + " " + path)
                .put("rawPath", path).put("rawQueryString", "").put("body", body).put("isBase64Encoded", base64);
        event.putObject("headers").put("content-type", "application/json");
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", "123456789012").put("apiId", "fuzz").put("requestId", "fuzz-request")
                .put("stage", "$default").put("timeEpoch", 0);
        context.putObject("http").put("method", method).put("path", path).put("protocol", "HTTP/1.1")
                .put("sourceIp", "192.0.2.1").put("userAgent", "fuzz");
        return event;
    }
}
