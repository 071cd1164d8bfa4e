package dev.interactionsandbox.aws;

import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Attachment;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.Task;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The running tasks of the runner pool's ECS service, from {@code ListTasks} (by service) and {@code DescribeTasks}
 * (the private IPv4 address of each task's network interface), kept for a short time so that an execution costs no
 * ECS call while the list is fresh.
 */
public final class EcsPoolTasks implements PoolTaskDiscovery {
    private static final int DESCRIBE_BATCH = 100;

    private final EcsClient ecs;
    private final String cluster;
    private final String service;
    private final int port;
    private final Duration freshFor;
    private final Clock clock;
    private final Set<String> claimed = new HashSet<>();
    private List<PoolTask> listed = List.of();
    private Instant listedAt;

    public EcsPoolTasks(EcsClient ecs, String cluster, String service, int port, Duration freshFor, Clock clock) {
        this.ecs = ecs;
        this.cluster = cluster;
        this.service = service;
        this.port = port;
        this.freshFor = freshFor;
        this.clock = clock;
    }

    @Override
    public synchronized List<PoolTask> available() {
        Instant now = clock.instant();
        if (listedAt == null || !now.isBefore(listedAt.plus(freshFor))) {
            listed = list();
            listedAt = now;
            Set<String> current = new HashSet<>();
            listed.forEach(t -> current.add(t.taskArn()));
            claimed.retainAll(current);
        }
        return listed.stream().filter(t -> !claimed.contains(t.taskArn())).toList();
    }

    @Override
    public synchronized void claimed(PoolTask task) {
        claimed.add(task.taskArn());
    }

    private List<PoolTask> list() {
        try {
            List<String> arns = new ArrayList<>();
            ecs.listTasksPaginator(r -> r.cluster(cluster).serviceName(service).desiredStatus(DesiredStatus.RUNNING))
                    .taskArns().forEach(arns::add);
            List<PoolTask> tasks = new ArrayList<>();
            for (int from = 0; from < arns.size(); from += DESCRIBE_BATCH) {
                List<String> batch = arns.subList(from, Math.min(arns.size(), from + DESCRIBE_BATCH));
                for (Task task : ecs.describeTasks(r -> r.cluster(cluster).tasks(batch)).tasks()) {
                    waiting(task).ifPresent(tasks::add);
                }
            }
            return List.copyOf(tasks);
        } catch (SdkException e) {
            throw new ExecutorUnavailableException("listing the runner pool failed: " + e.getMessage(), e);
        }
    }

    /** A task of this service that is running and has its network interface's private address. */
    private Optional<PoolTask> waiting(Task task) {
        if (!"RUNNING".equals(task.lastStatus()) || !("service:" + service).equals(task.group())) {
            return Optional.empty();
        }
        return task.attachments().stream().filter(a -> "ElasticNetworkInterface".equals(a.type()))
                .map(Attachment::details).flatMap(List::stream)
                .filter(d -> "privateIPv4Address".equals(d.name())).map(KeyValuePair::value)
                .filter(ip -> ip != null && !ip.isBlank()).findFirst()
                .map(ip -> new PoolTask(task.taskArn(), new InetSocketAddress(ip, port)));
    }
}
