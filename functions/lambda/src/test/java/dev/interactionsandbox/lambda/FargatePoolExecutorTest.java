package dev.interactionsandbox.lambda;

import dev.interactionsandbox.aws.FargateExecutor;
import dev.interactionsandbox.aws.FargatePoolExecutor;
import dev.interactionsandbox.aws.FargatePoolSettings;
import dev.interactionsandbox.aws.FargateSettings;
import dev.interactionsandbox.aws.PoolFirstFargateExecutor;
import dev.interactionsandbox.aws.PoolTask;
import dev.interactionsandbox.aws.TaskDefinitionIsolation;
import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.model.RunProgress;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.port.Executor;
import dev.interactionsandbox.core.port.OperationalLog;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-over to pooled runner tasks, with real runner processes in listen mode on local ports standing in for the
 * tasks and the runner task definition registered on the local endpoint's ECS (for the isolation it reports). Only
 * Fargate itself is missing; which tasks exist is given here (discovery: EcsPoolTasksTest).
 */
class FargatePoolExecutorTest extends FargateStackTest {
    /** Tries tasks in the order given, so that a test decides which one is tried first. */
    private static final RandomGenerator IN_ORDER = new RandomGenerator() {
        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public int nextInt(int bound) {
            return bound - 1;
        }
    };

    private static FargatePoolExecutor pool(FargatePoolSettings settings, PoolTask... tasks) {
        return new FargatePoolExecutor(new FixedPoolTasks(tasks),
                new TaskDefinitionIsolation(ecs, stack.taskDefinition, "runner"), settings, Invocations.JSON,
                Clock.systemUTC(), IN_ORDER);
    }

    private static FargatePoolExecutor pool(PoolTask... tasks) {
        return pool(FargatePoolSettings.of("runner-pool", 8080), tasks);
    }

    private static ExecutionJob job(String code, int timeoutSeconds) {
        return new ExecutionJob("pool-" + UUID.randomUUID(), code, "",
                new Limits(timeoutSeconds, 256, 0.5, 50, 65536, 1 << 20, 64), Policy.STANDARD);
    }

    @Test
    void printOneRunsOnAWaitingTaskAndFinishesWithinTheCall() throws Exception {
        try (ListeningRunner runner = new ListeningRunner("one")) {
            RunReport report = pool(runner.task()).run(job("print(1)", 10));

            assertEquals(Outcome.OK, report.outcome(), report.toString());
            assertEquals("1\n", report.stdout().text());
            for (String layer : List.of("single-use-listener", "no-task-role", "read-only-root", "runtime-guard")) {
                assertTrue(report.isolation().contains(layer), layer + " in " + report.isolation());
            }
            assertTrue(runner.exitedCleanly(), "a pooled runner serves one job and exits");
        }
    }

    @Test
    void aTaskAnotherCallerTookOrThatIsGoneIsSkippedForTheNextOne() throws Exception {
        try (ListeningRunner taken = new ListeningRunner("taken"); ListeningRunner free = new ListeningRunner("free");
             Socket otherCaller = new Socket("127.0.0.1", taken.port())) {
            BufferedReader otherAnswers = new BufferedReader(new InputStreamReader(otherCaller.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("{\"t\":\"accepted\"}", otherAnswers.readLine());
            PoolTask gone = new PoolTask("arn:aws:ecs:us-east-1:123456789012:task/pool/gone",
                    new InetSocketAddress("127.0.0.1", unusedPort()));

            RunReport report = pool(gone, taken.task(), free.task()).run(job("print('on the free task')", 10));

            assertEquals("on the free task\n", report.stdout().text(), report.toString());
            assertTrue(free.exitedCleanly());
            assertTrue(taken.alive(), "the taken task still waits for its own caller's job");
            otherCaller.getOutputStream().write(("{\"code\": \"print(2)\", \"timeoutSeconds\": 10}\n")
                    .getBytes(StandardCharsets.UTF_8));
            assertTrue(otherAnswers.readLine().contains("\"stdout\": \"2\\n\""), "the other caller gets its result");
            assertTrue(taken.exitedCleanly());
        }
    }

    @Test
    void anEmptyPoolOrOneWhereNoTaskAcceptsIsUnavailable() throws Exception {
        assertThrows(ExecutorUnavailableException.class, () -> pool().run(job("print(1)", 10)));
        PoolTask gone = new PoolTask("arn:aws:ecs:us-east-1:123456789012:task/pool/gone",
                new InetSocketAddress("127.0.0.1", unusedPort()));
        ExecutorUnavailableException e = assertThrows(ExecutorUnavailableException.class,
                () -> pool(gone).run(job("print(1)", 10)));
        assertTrue(e.getMessage().contains("accepted"), e.getMessage());
    }

    @Test
    void aTaskThatDiesWithTheJobIsASystemErrorNotARetry() throws Exception {
        try (ListeningRunner dying = new ListeningRunner("dying"); ListeningRunner spare = new ListeningRunner("spare")) {
            CompletableFuture<RunReport> report = CompletableFuture.supplyAsync(
                    () -> pool(dying.task(), spare.task()).run(job("import time\ntime.sleep(30)", 60)));
            long until = System.currentTimeMillis() + 10_000;
            while (!dying.running() && System.currentTimeMillis() < until) {
                Thread.sleep(20);
            }
            dying.kill();

            RunReport result = report.get();
            assertEquals(Outcome.SYSTEM_ERROR, result.outcome(), result.toString());
            assertTrue(result.detail().contains("ended without a result"), result.detail());
            assertTrue(spare.alive(), "a job that may have run is not handed to a second task");
        }
    }

    @Test
    void codePastItsTimeoutIsATimeout() throws Exception {
        try (ListeningRunner runner = new ListeningRunner("spin")) {
            RunReport report = pool(runner.task()).run(job("while True:\n    pass", 1));

            assertEquals(Outcome.TIMEOUT, report.outcome(), report.toString());
            assertTrue(runner.exitedCleanly());
        }
    }

    @Test
    void aTaskThatNeverAnswersIsATimeoutAtTheDeadline() throws Exception {
        try (ServerSocket hung = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                try (Socket s = hung.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write("{\"t\":\"accepted\"}\n".getBytes(StandardCharsets.UTF_8));
                    s.getInputStream().readAllBytes();   // takes the job and never answers
                } catch (Exception ignored) {
                    // the caller closed the connection
                }
            });
            FargatePoolSettings settings = new FargatePoolSettings("runner-pool", 8080, Duration.ofMillis(500),
                    Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofSeconds(5));
            long started = System.nanoTime();

            RunReport report = pool(settings, new PoolTask("arn:aws:ecs:us-east-1:123456789012:task/pool/hung",
                    new InetSocketAddress("127.0.0.1", hung.getLocalPort()))).run(job("print(1)", 1));

            long ms = (System.nanoTime() - started) / 1_000_000;
            assertEquals(Outcome.TIMEOUT, report.outcome(), report.toString());
            assertTrue(report.detail().contains("sent no result"), report.detail());
            assertTrue(ms >= 1_300 && ms < 5_000, "answered after " + ms + " ms");
        }
    }

    @Test
    void withTheRunTaskFallbackAWaitingTaskFinishesAtOnceAndAnEmptyPoolStartsATask() throws Exception {
        FargateSettings fargate = new FargateSettings(stack.cluster, stack.taskDefinition, List.of(stack.subnet),
                List.of(stack.securityGroup), "runner", stack.logGroup, "runner/runner", Duration.ofSeconds(120));
        FargateExecutor runTask = new FargateExecutor(ecs, logs, fargate, Invocations.JSON, Clock.systemUTC());
        try (ListeningRunner runner = new ListeningRunner("first")) {
            PoolFirstFargateExecutor container = new PoolFirstFargateExecutor(pool(runner.task()), runTask);

            RunProgress first = container.launch(job("print('pooled')", 10));
            RunProgress second = container.launch(job("print('started')", 10));

            assertEquals("pooled\n", assertInstanceOf(RunProgress.Finished.class, first).report().stdout().text());
            RunProgress.Detached detached = assertInstanceOf(RunProgress.Detached.class, second);
            assertTrue(detached.run().handle().contains(":task/"), detached.run().handle());
            assertFalse(detached.run().isolation().contains("single-use-listener"));
        }
    }

    @Test
    void theHandlerWithAPoolWhoseServiceHasNoWaitingTaskStartsATask() {
        Map<String, String> env = new HashMap<>(stack.environment(120));
        env.put("FARGATE_POOL_SERVICE", "runner-pool-" + UUID.randomUUID());
        env.put("FARGATE_POOL_PORT", "8000");
        try (SandboxRuntime runtime = Invocations.runtime(env)) {
            Invocations.HttpAnswer answer = new Invocations(runtime).post(Invocations.request("print(1)")
                    .put("mode", "container"));

            assertEquals(202, answer.status(), answer.body().toString());
            assertEquals("RUNNING", answer.body().path("status").asText());
        }
    }

    @Test
    void thePoolIsTriedFirstOnlyWhenItsServiceIsConfiguredAndAPortOutOfRangeStopsTheFunction() throws Exception {
        Map<String, String> env = new HashMap<>(stack.environment(120));
        assertInstanceOf(FargateExecutor.class, containerPath(env));
        env.put("FARGATE_POOL_SERVICE", "runner-pool");
        assertInstanceOf(PoolFirstFargateExecutor.class, containerPath(env));
        env.put("FARGATE_POOL_PORT", "70000");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> containerPath(env));
        assertTrue(e.getMessage().contains("FARGATE_POOL_PORT"), e.getMessage());
    }

    private static Executor containerPath(Map<String, String> env) throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            return ContainerPathFactory.aws().create(Config.fromEnvironment(Invocations.environment(env)),
                    Invocations.JSON, new JsonLinesLog(Invocations.JSON, System.out, OperationalLog.Level.WARN,
                            Clock.systemUTC()), resources).orElseThrow();
        } finally {
            for (AutoCloseable resource : resources) {
                resource.close();
            }
        }
    }

    private static int unusedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
