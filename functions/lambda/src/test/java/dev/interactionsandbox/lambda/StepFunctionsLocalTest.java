package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.Task;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state machines of infra/statemachine run in moto's Step Functions engine (a private moto server started from
 * scripts/moto_server.py). Everything but the Lambda Task states is the deployed definition: Pass, Choice, Wait (poll
 * interval substituted to 1 s through the same DefinitionSubstitutions the template uses), the poll counter, Retry
 * with backoff and jitter, Catch, the Map and the nested startExecution.sync:2.
 *
 * <p>Substituted, because moto cannot run a Java Lambda function (its Lambda needs images that cannot be pulled
 * here): each Task whose Resource is ${ExecuteFunctionArn} becomes an {@code sqs:sendMessage.waitForTaskToken} Task
 * carrying the same payload, with its Retry, Catch, ResultPath and TimeoutSeconds untouched. This test is the
 * function: it takes the message, runs the real {@link ExecuteHandler} on the payload through {@link Invocations}
 * (DynamoDB, ECS and Logs on the shared local endpoint), and answers SendTaskSuccess with the handler's output, or
 * SendTaskFailure with the error the Java runtime would report for the thrown exception (errorType = the
 * exception's class name, cause = Lambda's error document). Lambda's own service errors are injected the same way.
 */
@ExtendWith(LocalStack.class)
class StepFunctionsLocalTest {
    private static final String FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:ExecuteFunction";
    private static final String ROLE = "arn:aws:iam::123456789012:role/workflow";

    private static StepFunctionsEndpoint endpoint;
    private static String queueUrl;
    private static String executeArn;
    private static String fanOutArn;
    private static String pollLimitArn;
    private static EcsClient ecs;
    private static CloudWatchLogsClient logs;
    private static DynamoDbClient dynamo;
    private static FargateLocalStack fargate;
    private static SandboxRuntime runtime;
    private static SandboxRuntime storeDown;
    private static Thread worker;
    private static volatile boolean stopping;

    /** Per execution name prefix: how the "function" answers (default: the real handler on the shared stack). */
    private static final Map<String, BiFunction<String, JsonNode, JsonNode>> BEHAVIOUR = new ConcurrentHashMap<>();
    /** Every call the workflows made: execution name, state name, payload. */
    private static final List<String[]> CALLS = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws Exception {
        ecs = EcsClient.create();
        logs = CloudWatchLogsClient.create();
        dynamo = DynamoDbClient.create();
        try (Ec2Client ec2 = Ec2Client.create()) {
            fargate = new FargateLocalStack(ecs, ec2, logs);
        }
        runtime = Invocations.runtime(fargate.environment(120));
        int deadPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = probe.getLocalPort();
        }
        storeDown = SandboxRuntime.create(Config.fromEnvironment(Invocations.environment(Map.of())),
                DynamoDbClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + deadPort))
                        .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofMillis(500)))
                        .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(5))).build());

        endpoint = new StepFunctionsEndpoint();
        queueUrl = endpoint.sqs("CreateQueue", StepFunctionsEndpoint.object().put("QueueName", "execute-function"))
                .path("QueueUrl").asText();
        executeArn = create("execute", "execute.asl.json",
                Map.of("ExecuteFunctionArn", FUNCTION_ARN, "PollIntervalSeconds", "1", "MaxPolls", "30"));
        pollLimitArn = create("execute-poll-limit", "execute.asl.json",
                Map.of("ExecuteFunctionArn", FUNCTION_ARN, "PollIntervalSeconds", "1", "MaxPolls", "2"));
        fanOutArn = create("fan-out", "fan-out.asl.json",
                Map.of("ExecuteStateMachineArn", executeArn, "MaxConcurrency", "2"));
        worker = new Thread(StepFunctionsLocalTest::work, "execute-function-stand-in");
        worker.setDaemon(true);
        worker.start();
    }

    @AfterAll
    static void stop() throws Exception {
        stopping = true;
        if (worker != null) {
            worker.join(5_000);
        }
        if (endpoint != null) {
            endpoint.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        if (storeDown != null) {
            storeDown.close();
        }
        ecs.close();
        logs.close();
        dynamo.close();
    }

    // ---------------------------------------------------------------- the definitions, substituted

    private static String create(String name, String file, Map<String, String> substitutions) throws IOException {
        String text = Files.readString(LocalStack.REPO.resolve("infra/statemachine/" + file));
        for (Map.Entry<String, String> s : substitutions.entrySet()) {
            text = text.replace("${" + s.getKey() + "}", s.getValue());
        }
        assertTrue(!text.contains("${"), "unsubstituted placeholder in " + file);
        ObjectNode definition = (ObjectNode) Invocations.JSON.readTree(text);
        replaceFunctionTasks(definition.path("States"));
        return endpoint.sfn("CreateStateMachine", StepFunctionsEndpoint.object()
                .put("name", name + "-" + UUID.randomUUID()).put("roleArn", ROLE)
                .put("definition", definition.toString())).path("stateMachineArn").asText();
    }

    /** Lambda Task → sqs:sendMessage.waitForTaskToken with the same payload; everything else stays. */
    private static void replaceFunctionTasks(JsonNode states) {
        for (Iterator<JsonNode> it = states.elements(); it.hasNext(); ) {
            ObjectNode state = (ObjectNode) it.next();
            if (state.path("Type").asText().equals("Map")) {
                replaceFunctionTasks(state.path("ItemProcessor").path("States"));
            }
            if (!state.path("Type").asText().equals("Task") || !FUNCTION_ARN.equals(state.path("Resource").asText())) {
                continue;
            }
            ObjectNode body = StepFunctionsEndpoint.object().put("taskToken.$", "$$.Task.Token")
                    .put("execution.$", "$$.Execution.Name").put("state.$", "$$.State.Name");
            if (state.has("Parameters")) {
                body.set("payload", state.remove("Parameters"));
            } else {
                body.put("payload.$", "$");
            }
            state.put("Resource", "arn:aws:states:::sqs:sendMessage.waitForTaskToken");
            state.putObject("Parameters").put("QueueUrl", queueUrl).set("MessageBody", body);
        }
    }

    // ---------------------------------------------------------------- the function's stand-in

    private static void work() {
        while (!stopping) {
            try {
                JsonNode received = endpoint.sqs("ReceiveMessage", StepFunctionsEndpoint.object()
                        .put("QueueUrl", queueUrl).put("WaitTimeSeconds", 1).put("MaxNumberOfMessages", 10));
                for (JsonNode message : received.path("Messages")) {
                    endpoint.sqs("DeleteMessage", StepFunctionsEndpoint.object().put("QueueUrl", queueUrl)
                            .put("ReceiptHandle", message.path("ReceiptHandle").asText()));
                    answer(Invocations.JSON.readTree(message.path("Body").asText()));
                }
            } catch (Exception e) {
                if (!stopping) {
                    e.printStackTrace();
                }
            }
        }
    }

    private static void answer(JsonNode message) {
        String execution = message.path("execution").asText();
        String state = message.path("state").asText();
        JsonNode payload = message.path("payload");
        CALLS.add(new String[] {execution, state, payload.toString()});
        BiFunction<String, JsonNode, JsonNode> behaviour = BEHAVIOUR.entrySet().stream()
                .filter(e -> execution.startsWith(e.getKey())).map(Map.Entry::getValue).findFirst()
                .orElse((s, p) -> new Invocations(runtime).invoke(p));
        String token = message.path("taskToken").asText();
        try {
            JsonNode output = behaviour.apply(state, payload);
            endpoint.sfn("SendTaskSuccess", StepFunctionsEndpoint.object().put("taskToken", token)
                    .put("output", output.toString()));
        } catch (LambdaServiceError e) {
            fail(token, e.errorName, e.getMessage());
        } catch (RuntimeException e) {
            // What the Java runtime reports for an exception thrown by the handler.
            ObjectNode error = StepFunctionsEndpoint.object().put("errorMessage", e.getMessage())
                    .put("errorType", e.getClass().getName());
            fail(token, e.getClass().getName(), error.toString());
        }
    }

    private static void fail(String token, String error, String cause) {
        endpoint.sfn("SendTaskFailure", StepFunctionsEndpoint.object().put("taskToken", token)
                .put("error", error).put("cause", cause));
    }

    /** An error of the Lambda service itself (throttling...), not of the function. */
    private static final class LambdaServiceError extends RuntimeException {
        final String errorName;

        LambdaServiceError(String errorName) {
            super("injected " + errorName);
            this.errorName = errorName;
        }
    }

    // ---------------------------------------------------------------- running workflows

    private record Run(String name, JsonNode output, List<String> states) {
    }

    private static Run run(String machineArn, String namePrefix, JsonNode input) throws InterruptedException {
        String name = namePrefix + "-" + UUID.randomUUID();
        String arn = endpoint.sfn("StartExecution", StepFunctionsEndpoint.object().put("stateMachineArn", machineArn)
                .put("name", name).put("input", input.toString())).path("executionArn").asText();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        JsonNode described;
        do {
            Thread.sleep(200);
            described = endpoint.sfn("DescribeExecution", StepFunctionsEndpoint.object().put("executionArn", arn));
        } while (described.path("status").asText().equals("RUNNING") && System.nanoTime() < deadline);
        assertEquals("SUCCEEDED", described.path("status").asText(), described.toString());
        List<String> states;
        synchronized (CALLS) {
            states = CALLS.stream().filter(c -> c[0].equals(name)).map(c -> c[1]).toList();
        }
        try {
            return new Run(name, Invocations.JSON.readTree(described.path("output").asText()), states);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode event(String file) throws IOException {
        return Invocations.JSON.readTree(Invocations.EVENTS.resolve(file).toFile());
    }

    // ---------------------------------------------------------------- tests

    @Test
    void aSubprocessRequestEndsWithTheStoredResult() throws Exception {
        Run run = run(executeArn, "subprocess", event("stepfunctions-execute.json"));

        assertEquals(List.of("Submit"), run.states(), "finished on submit: no poll");
        assertEquals("SUCCEEDED", run.output().path("status").asText(), run.output().toString());
        assertEquals("45\n", run.output().path("stdout").asText());
        assertEquals("stepfunctions", run.output().path("tag").asText());
        JsonNode stored = new Invocations(runtime).invoke(StepFunctionsEndpoint.object().put("action", "get")
                .put("executionId", run.output().path("executionId").asText()));
        assertEquals(stored, run.output(), "the workflow's output is the stored result document");
    }

    @Test
    void aBadRequestEndsInAStructuredOutputWithoutRetry() throws Exception {
        Run run = run(executeArn, "bad", Invocations.request("print(1)", "nonsense"));

        assertEquals(List.of("Submit"), run.states(), "a bad request is answered once, never retried");
        assertEquals("bad_request", run.output().path("outcome").asText(), run.output().toString());
        assertEquals("bad_request", run.output().path("error").asText());
        assertEquals(400, run.output().path("statusCode").asInt());
        assertEquals("mode", run.output().path("field").asText());
        assertTrue(run.output().path("executionId").isNull());
        assertEquals(false, run.output().path("success").asBoolean(true));
    }

    @Test
    void aContainerRunIsPolledUntilItFinishes() throws Exception {
        BEHAVIOUR.put("container-", (state, payload) -> {
            if (state.equals("Poll") && payload.path("executionId").isTextual()) {
                playTheContainerOnce(payload.path("executionId").asText());
            }
            return new Invocations(runtime).invoke(payload);
        });
        Run run = run(executeArn, "container", Invocations.request("print(sum(range(5)))", "container")
                .put("tag", "workflow"));

        assertEquals("Submit", run.states().get(0));
        assertTrue(run.states().size() >= 2 && run.states().subList(1, run.states().size()).stream()
                .allMatch("Poll"::equals), run.states().toString());
        assertEquals("SUCCEEDED", run.output().path("status").asText(), run.output().toString());
        assertEquals("container", run.output().path("mode").asText());
        assertEquals("10\n", run.output().path("stdout").asText());
    }

    @Test
    void aRunStillGoingAfterThePollLimitEndsInAStructuredOutput() throws Exception {
        Run run = run(pollLimitArn, "limit", Invocations.request("print(1)", "container"));

        assertEquals(List.of("Submit", "Poll", "Poll"), run.states());
        assertEquals("poll_limit", run.output().path("error").asText(), run.output().toString());
        assertEquals("RUNNING", run.output().path("status").asText());
        assertEquals(2, run.output().path("polls").asInt());
        assertTrue(run.output().path("executionId").asText().matches("[0-9a-f-]{36}"));
    }

    @Test
    void anInfrastructureFailureIsRetriedThenCaughtIntoAStructuredOutput() throws Exception {
        BEHAVIOUR.put("store-down-", (state, payload) -> new Invocations(storeDown).invoke(payload));
        Run run = run(executeArn, "store-down", Invocations.request("print(1)"));

        // Retried, then caught. The exact attempt count is not asserted: moto hands every retry attempt of a
        // callback task the same task token, so an answer can complete a later attempt (AWS: 1 + MaxAttempts 2).
        assertTrue(run.states().size() >= 2 && run.states().stream().allMatch("Submit"::equals),
                "StoreException is retried: " + run.states());
        assertEquals("FAILED", run.output().path("status").asText(), run.output().toString());
        assertEquals("system_error", run.output().path("outcome").asText());
        assertEquals("dev.interactionsandbox.core.error.StoreException", run.output().path("error").asText());
        assertTrue(run.output().path("executionId").isNull());
    }

    @Test
    void lambdaThrottlingIsRetried() throws Exception {
        Set<String> throttled = ConcurrentHashMap.newKeySet();
        BEHAVIOUR.put("throttled-", (state, payload) -> {
            if (throttled.add(state)) {
                throw new LambdaServiceError("Lambda.TooManyRequestsException");
            }
            return new Invocations(runtime).invoke(payload);
        });
        Run run = run(executeArn, "throttled", Invocations.request("print(6 * 7)"));

        assertTrue(run.states().size() >= 2 && run.states().stream().allMatch("Submit"::equals),
                "throttling is retried: " + run.states());
        assertEquals("42\n", run.output().path("stdout").asText(), run.output().toString());
    }

    @Test
    void theFanOutCollectsEveryOutcome() throws Exception {
        Run run = run(fanOutArn, "fan-out", event("stepfunctions-fan-out.json"));

        ArrayNode results = (ArrayNode) run.output().path("results");
        assertEquals(4, results.size(), run.output().toString());
        List<String> outcomes = new ArrayList<>();
        results.forEach(r -> outcomes.add(r.path("outcome").asText()));
        assertEquals(List.of("ok", "runtime_error", "policy_violation", "bad_request"), outcomes);
        assertTrue(results.get(0).path("success").asBoolean());
        assertTrue(results.get(0).path("executionId").asText().matches("[0-9a-f-]{36}"));
        JsonNode summary = run.output().path("summary");
        assertEquals(4, summary.path("total").asInt());
        assertEquals(1, summary.path("succeeded").asInt());
        Map<String, Integer> byOutcome = new HashMap<>();
        summary.path("byOutcome").fields().forEachRemaining(e -> byOutcome.put(e.getKey(), e.getValue().asInt()));
        assertEquals(1, byOutcome.get("ok"));
        assertEquals(1, byOutcome.get("runtime_error"));
        assertEquals(1, byOutcome.get("policy_violation"));
        assertEquals(1, byOutcome.get("bad_request"));
        assertEquals(0, byOutcome.get("system_error"));
    }

    // ---------------------------------------------------------------- the Fargate task's part

    private static final Set<String> PLAYED = ConcurrentHashMap.newKeySet();

    /** Plays the runner container of a RUNNING execution once (as FargateExecutorTest does). */
    private static void playTheContainerOnce(String executionId) {
        if (!PLAYED.add(executionId)) {
            return;
        }
        try {
            String taskArn = dynamo.getItem(r -> r.tableName("Executions")
                    .key(Map.of("executionId", AttributeValue.fromS(executionId)))).item().get("runHandle").s();
            Task task = ecs.describeTasks(r -> r.cluster(fargate.cluster).tasks(taskArn)).tasks().get(0);
            List<KeyValuePair> environment = task.overrides().containerOverrides().get(0).environment();
            ProcessBuilder runner = new ProcessBuilder("/usr/bin/python3", "-I", "-S", "-B",
                    LocalStack.REPO.resolve("runner-image/runner/sandbox_runner.py").toString());
            runner.environment().clear();
            runner.environment().put("SANDBOX_JOB_B64", environment.get(0).value());
            runner.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process process = runner.start();
            String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            String stream = "runner/runner/" + taskArn.substring(taskArn.lastIndexOf('/') + 1);
            logs.createLogStream(r -> r.logGroupName(fargate.logGroup).logStreamName(stream));
            logs.putLogEvents(r -> r.logGroupName(fargate.logGroup).logStreamName(stream).logEvents(
                    e -> e.timestamp(System.currentTimeMillis()).message(stdout)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
