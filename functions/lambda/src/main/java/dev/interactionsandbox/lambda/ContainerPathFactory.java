package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interactionsandbox.aws.EcsPoolTasks;
import dev.interactionsandbox.aws.FargateExecutor;
import dev.interactionsandbox.aws.FargatePoolExecutor;
import dev.interactionsandbox.aws.FargatePoolSettings;
import dev.interactionsandbox.aws.FargateSettings;
import dev.interactionsandbox.aws.PoolFirstFargateExecutor;
import dev.interactionsandbox.aws.TaskDefinitionIsolation;
import dev.interactionsandbox.core.port.Executor;
import dev.interactionsandbox.core.port.OperationalLog;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Builds the container path for a configuration. The Lambda artifact knows Fargate only; the local invoker adds the
 * Docker launcher, which never ships in the Lambda image.
 */
@FunctionalInterface
public interface ContainerPathFactory {
    /**
     * @param resources where the factory registers what the runtime must close
     */
    Optional<Executor> create(Config config, ObjectMapper json, OperationalLog log, List<AutoCloseable> resources);

    /**
     * The factory of the Lambda artifact: Fargate when configured (a waiting task of the pool first, when there is
     * a pool, else a task started for the execution), otherwise no container path.
     */
    static ContainerPathFactory aws() {
        return (config, json, log, resources) -> {
            if (config.fargate().isPresent()) {
                FargateSettings fargate = config.fargate().get();
                EcsClient ecs = EcsClient.builder().httpClient(httpClient()).build();
                CloudWatchLogsClient logs = CloudWatchLogsClient.builder().httpClient(httpClient()).build();
                resources.add(ecs);
                resources.add(logs);
                Executor runTask = new FargateExecutor(ecs, logs, fargate, json, Clock.systemUTC());
                return Optional.of(config.fargatePool().<Executor>map(pool -> new PoolFirstFargateExecutor(
                        pool(ecs, fargate, pool, json), runTask)).orElse(runTask));
            }
            if (!config.containerLauncher().equals("none")) {
                log.warn(null, "container launcher not available in this artifact; the container path is off",
                        Map.of("launcher", config.containerLauncher()));
            }
            return Optional.empty();
        };
    }

    private static FargatePoolExecutor pool(EcsClient ecs, FargateSettings fargate, FargatePoolSettings pool,
                                            ObjectMapper json) {
        Clock clock = Clock.systemUTC();
        return new FargatePoolExecutor(new EcsPoolTasks(ecs, fargate.cluster(), pool.service(), pool.port(),
                pool.listFreshFor(), clock), new TaskDefinitionIsolation(ecs, fargate.taskDefinition(),
                fargate.containerName()), pool, json, clock, new SplittableRandom());
    }

    private static SdkHttpClient httpClient() {
        return SdkHttp.client(Duration.ofSeconds(2), Duration.ofSeconds(10));
    }
}
