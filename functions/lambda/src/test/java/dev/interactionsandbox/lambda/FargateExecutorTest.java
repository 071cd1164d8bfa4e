package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.Task;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Fargate launcher through the real handler against the local endpoint's ECS, CloudWatch Logs and DynamoDB.
 * Fargate cannot run here, so the test plays the container: it takes the job from the task's RunTask overrides,
 * runs it with the real runner exactly as the image's entry point would, and writes the runner's stdout to the
 * task's log stream as the awslogs driver would. Everything else — the RunTask request, DescribeTasks polling,
 * reading the result back, stopping at the deadline, storing and auditing — is the production code.
 */
class FargateExecutorTest extends FargateStackTest {
    private static DynamoDbClient dynamo;

    @BeforeAll
    static void start() {
        dynamo = DynamoDbClient.create();
    }

    @AfterAll
    static void stop() {
        dynamo.close();
    }

    private static SandboxRuntime runtime(int startAllowanceSeconds) {
        return Invocations.runtime(stack.environment(startAllowanceSeconds));
    }

    private static Task task(String executionId) {
        String arn = dynamo.getItem(r -> r.tableName("Executions")
                .key(Map.of("executionId", AttributeValue.fromS(executionId)))).item().get("runHandle").s();
        return ecs.describeTasks(r -> r.cluster(stack.cluster).tasks(arn)).tasks().get(0);
    }

    /** Plays the runner container: the job from the overrides, the real runner, stdout into the log stream. */
    private static void playTheContainer(Task task) throws IOException, InterruptedException {
        List<KeyValuePair> environment = task.overrides().containerOverrides().get(0).environment();
        assertEquals("SANDBOX_JOB_B64", environment.get(0).name());
        ProcessBuilder runner = new ProcessBuilder("/usr/bin/python3", "-I", "-S", "-B",
                LocalStack.REPO.resolve("runner-image/runner/sandbox_runner.py").toString());
        runner.environment().clear();
        runner.environment().put("SANDBOX_JOB_B64", environment.get(0).value());
        runner.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process = runner.start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        String taskId = task.taskArn().substring(task.taskArn().lastIndexOf('/') + 1);
        String stream = "runner/runner/" + taskId;
        logs.createLogStream(r -> r.logGroupName(stack.logGroup).logStreamName(stream));
        logs.putLogEvents(r -> r.logGroupName(stack.logGroup).logStreamName(stream).logEvents(
                e -> e.timestamp(System.currentTimeMillis()).message("runner starting"),
                e -> e.timestamp(System.currentTimeMillis()).message(stdout)));
    }

    @Test
    void containerRequestsAreAcceptedAndCompletedWhenReadBack() throws Exception {
        try (SandboxRuntime runtime = runtime(120)) {
            Invocations api = new Invocations(runtime);
            Invocations.HttpAnswer accepted = api.post(Invocations.request("print(sum(range(5)))")
                    .put("mode", "container").put("tag", "fargate"));
            String id = accepted.body().path("executionId").asText();

            assertEquals(202, accepted.status(), accepted.body().toString());
            assertEquals("RUNNING", accepted.body().path("status").asText());
            assertEquals("container", accepted.body().path("mode").asText());
            assertTrue(accepted.body().path("isolation").toString().contains("no-task-role"));
            assertTrue(accepted.body().path("isolation").toString().contains("read-only-root"));

            Task task = task(id);
            assertEquals("FARGATE", task.launchTypeAsString());
            assertEquals("interaction-sandbox", task.startedBy());
            playTheContainer(task);

            JsonNode done = pollUntilFinal(api, id);
            assertEquals("SUCCEEDED", done.path("status").asText(), done.toString());
            assertEquals("10\n", done.path("stdout").asText());
            assertTrue(done.path("isolation").toString().contains("runtime-guard"), done.toString());
            assertEquals(done, api.get(id).body(), "a completed result is read back unchanged");
            List<String> events = dynamo.query(q -> q.tableName("Audit").keyConditionExpression("executionId = :i")
                    .expressionAttributeValues(Map.of(":i", AttributeValue.fromS(id)))).items().stream()
                    .map(i -> i.get("event").s()).sorted().toList();
            assertEquals(List.of("COMPLETED", "REQUESTED", "STARTED"), events);
        }
    }

    @Test
    void aRunPastItsDeadlineIsStoppedAndReportedAsATimeout() throws Exception {
        try (SandboxRuntime runtime = runtime(0)) {
            Invocations api = new Invocations(runtime);
            String id = api.post(Invocations.request("while True:\n    pass").put("mode", "container")
                    .put("timeoutSeconds", 1)).body().path("executionId").asText();
            Thread.sleep(1_200);

            JsonNode result = api.get(id).body();

            assertEquals("timeout", result.path("outcome").asText(), result.toString());
            Task task = task(id);
            assertTrue(List.of("STOPPED", "DEACTIVATING", "STOPPING", "DEPROVISIONING").contains(task.lastStatus()),
                    task.lastStatus());
            assertEquals("interaction-sandbox: deadline passed", task.stoppedReason());
        }
    }

    @Test
    void autoFallsBackWhenTheJobDoesNotFitTheRunTaskOverrides() {
        StringBuilder code = new StringBuilder();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 400; i++) {
            code.append("v").append(i).append(" = ").append(random.nextLong()).append('\n');
        }
        code.append("print('ran')\n");
        try (SandboxRuntime runtime = runtime(120)) {
            Invocations api = new Invocations(runtime);
            Invocations.HttpAnswer answer = api.post(Invocations.request(code.toString()).put("mode", "auto"));

            assertEquals(200, answer.status(), answer.body().toString());
            assertEquals("subprocess", answer.body().path("mode").asText());
            assertTrue(answer.body().path("fallbackReason").asText().contains("RunTask overrides"),
                    answer.body().toString());
            assertEquals("ran\n", answer.body().path("stdout").asText());
        }
    }

    private static JsonNode pollUntilFinal(Invocations api, String id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        JsonNode body;
        do {
            body = api.get(id).body();
            if (!"RUNNING".equals(body.path("status").asText())) {
                return body;
            }
            Thread.sleep(100);
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("still running after 20 s: " + body);
    }

}
