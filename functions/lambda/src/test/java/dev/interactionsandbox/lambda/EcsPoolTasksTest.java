package dev.interactionsandbox.lambda;

import dev.interactionsandbox.aws.EcsPoolTasks;
import dev.interactionsandbox.aws.PoolTask;
import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.Task;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding the pool's waiting tasks through the local endpoint's ECS. Its service scheduler starts no tasks, so the
 * tasks are started here the way the scheduler starts them (RunTask in the service's group, awsvpc); the task
 * listing, the description, the private addresses and the caching are the production code. The local endpoint
 * moves every task one lifecycle step towards STOPPED each time it is described (RUNNING, DEACTIVATING, ...), a
 * simulation of tasks that end; a pooled task waits instead, so the client used here reports a task that is not
 * being stopped (desired status RUNNING) as RUNNING, as ECS does for a started task.
 */
class EcsPoolTasksTest extends FargateStackTest {
    private static EcsClient pooled;

    @BeforeAll
    static void start() {
        pooled = EcsClient.builder().overrideConfiguration(c -> c.addExecutionInterceptor(new TasksKeepRunning()))
                .build();
    }

    @AfterAll
    static void stop() {
        pooled.close();
    }

    /** A task in {@code group}, as the service scheduler would start it. */
    private static Task start(String group) {
        return ecs.runTask(r -> r.cluster(stack.cluster).taskDefinition(stack.taskDefinition)
                .launchType(LaunchType.FARGATE).group(group).count(1)
                .networkConfiguration(n -> n.awsvpcConfiguration(a -> a.subnets(stack.subnet)
                        .securityGroups(stack.securityGroup).assignPublicIp(AssignPublicIp.DISABLED))))
                .tasks().get(0);
    }

    private static String privateIp(Task task) {
        return task.attachments().get(0).details().stream().filter(d -> d.name().equals("privateIPv4Address"))
                .findFirst().orElseThrow().value();
    }

    /** Tasks that are not being stopped stay RUNNING, instead of the local endpoint's simulated ending. */
    private static final class TasksKeepRunning implements ExecutionInterceptor {
        @Override
        public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
            if (context.response() instanceof DescribeTasksResponse described) {
                return described.toBuilder().tasks(described.tasks().stream()
                        .map(t -> "RUNNING".equals(t.desiredStatus()) ? t.toBuilder().lastStatus("RUNNING").build() : t)
                        .toList()).build();
            }
            return context.response();
        }
    }

    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void theServicesRunningTasksAreFoundWithTheirPrivateAddressAndThePoolPort() {
        String service = "runner-pool-" + UUID.randomUUID();
        Task first = start("service:" + service);
        Task second = start("service:" + service);
        start("service:another-service");
        Task stopped = start("service:" + service);
        ecs.stopTask(r -> r.cluster(stack.cluster).task(stopped.taskArn()));

        List<PoolTask> found = new EcsPoolTasks(pooled, stack.cluster, service, 8080, Duration.ofSeconds(5),
                Clock.systemUTC()).available();

        assertEquals(Set.of(first.taskArn() + " " + privateIp(first), second.taskArn() + " " + privateIp(second)),
                found.stream().map(t -> t.taskArn() + " " + t.endpoint().getHostString()).collect(Collectors.toSet()));
        assertTrue(found.stream().allMatch(t -> t.endpoint().getPort() == 8080));
    }

    @Test
    void aListingIsReusedBrieflyAndAClaimedTaskIsNeverOfferedAgain() {
        String service = "runner-pool-" + UUID.randomUUID();
        ManualClock clock = new ManualClock();
        EcsPoolTasks pool = new EcsPoolTasks(pooled, stack.cluster, service, 8080, Duration.ofSeconds(5), clock);
        Task first = start("service:" + service);
        PoolTask listed = pool.available().get(0);
        assertEquals(first.taskArn(), listed.taskArn());

        Task replacement = start("service:" + service);
        pool.claimed(listed);
        assertEquals(List.of(), pool.available(), "within the fresh period: the listing, less the claimed task");

        clock.advance(Duration.ofSeconds(5));
        assertEquals(List.of(replacement.taskArn()), pool.available().stream().map(PoolTask::taskArn).toList(),
                "listed again: the claimed task, though still running, is not offered");
    }

    @Test
    void aPoolThatCannotBeListedIsUnavailable() {
        EcsPoolTasks pool = new EcsPoolTasks(pooled, "no-such-cluster-" + UUID.randomUUID(), "runner-pool", 8080,
                Duration.ofSeconds(5), Clock.systemUTC());

        assertThrows(ExecutorUnavailableException.class, pool::available);
    }
}
