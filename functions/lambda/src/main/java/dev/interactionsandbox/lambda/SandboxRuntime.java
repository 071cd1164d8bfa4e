package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interactionsandbox.aws.DynamoDbAuditLog;
import dev.interactionsandbox.aws.DynamoDbExecutionStore;
import dev.interactionsandbox.core.port.Executor;
import dev.interactionsandbox.core.port.OperationalLog;
import dev.interactionsandbox.core.service.Durability;
import dev.interactionsandbox.core.service.InteractionSandbox;
import dev.interactionsandbox.core.service.PathSelector;
import dev.interactionsandbox.python.PythonCodeSanitizer;
import dev.interactionsandbox.python.RunnerDirectory;
import dev.interactionsandbox.python.SubprocessExecutor;
import dev.interactionsandbox.python.SubprocessSettings;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Everything one execution environment builds once: the wired service, its clients and its helpers. Built from a
 * {@link Config}; the handler and the local invoker use it, tests build their own.
 */
public final class SandboxRuntime implements AutoCloseable {
    private final Config config;
    private final ObjectMapper json;
    private final OperationalLog log;
    private final InteractionSandbox service;
    private final ExecutionRequestParser parser;
    private final ResultJson results;
    private final List<AutoCloseable> resources;

    private SandboxRuntime(Config config, ObjectMapper json, OperationalLog log, InteractionSandbox service,
                           List<AutoCloseable> resources) {
        this.config = config;
        this.json = json;
        this.log = log;
        this.service = service;
        this.parser = new ExecutionRequestParser(config.limits());
        this.results = new ResultJson(json);
        this.resources = List.copyOf(resources);
    }

    /**
     * Wires the service for the environment described by {@code config}, with a DynamoDB client configured the
     * SDK's usual way (region, credentials and {@code AWS_ENDPOINT_URL} from the environment). This is the Lambda
     * function's wiring: its endpoints are HTTPS, so TLS is set up now, in the background of the init phase.
     */
    public static SandboxRuntime create(Config config) {
        SdkHttp.prepareTls();
        return create(config, SandboxRuntime::defaultDynamo, ContainerPathFactory.aws());
    }

    /** A DynamoDB client configured the SDK's usual way, with bounded timeouts. */
    public static DynamoDbClient defaultDynamo() {
        return DynamoDbClient.builder()
                .httpClient(SdkHttp.client(Duration.ofSeconds(2), Duration.ofSeconds(5)))
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(10)))
                .build();
    }

    /** Wires the service around the given DynamoDB client, which the runtime then owns and closes. */
    public static SandboxRuntime create(Config config, DynamoDbClient dynamo) {
        return create(config, () -> dynamo, ContainerPathFactory.aws());
    }

    /**
     * Wires the service with the DynamoDB client {@code dynamo} builds and the given container path factory. The
     * Python helpers (analyser, warm fork server) are started first, so that their interpreters boot while this JVM
     * builds the rest.
     */
    public static SandboxRuntime create(Config config, Supplier<DynamoDbClient> dynamo,
                                        ContainerPathFactory containers) {
        ObjectMapper json = new ObjectMapper();
        Clock clock = Clock.systemUTC();
        OperationalLog log = new JsonLinesLog(json, System.err, config.logLevel(), clock);
        List<AutoCloseable> resources = new ArrayList<>();
        RunnerDirectory programs = RunnerDirectory.resolve(config.runnerDirectory(), Optional.of(config.python()));
        PythonCodeSanitizer sanitizer = new PythonCodeSanitizer(config.python(), programs.analyzer(),
                config.analysisTimeout());
        resources.add(sanitizer);
        sanitizer.prestart();
        Executor subprocess = subprocessPath(config, programs, json, resources);
        Optional<Executor> container = containers.create(config, json, log, resources);
        DynamoDbClient store = dynamo.get();
        resources.add(store);
        InteractionSandbox service = new InteractionSandbox(sanitizer,
                new MeteredExecutionStore(
                        new DynamoDbExecutionStore(store, config.executionsTable(), config.resultRetention()),
                        new EmbeddedMetrics(json, System.err, clock)),
                new DynamoDbAuditLog(store, config.auditTable(), config.resultRetention()),
                new PathSelector(subprocess, container), log, clock, () -> UUID.randomUUID().toString(),
                Durability.standard(config.limits().maxTimeoutSeconds()), storeWrites(config, resources));
        return new SandboxRuntime(config, json, log, service, resources);
    }

    /** Runs the independent store and audit writes of a step: concurrently (a virtual thread each) unless told not to. */
    private static java.util.concurrent.Executor storeWrites(Config config, List<AutoCloseable> resources) {
        if (!config.concurrentStoreWrites()) {
            return Runnable::run;
        }
        ExecutorService writes = Executors.newVirtualThreadPerTaskExecutor();
        resources.add(writes);
        return writes;
    }

    /** In this process, or (AWS) in the single-use executor function. */
    private static Executor subprocessPath(Config config, RunnerDirectory programs, ObjectMapper json,
                                           List<AutoCloseable> resources) {
        if (config.executorFunction().isPresent()) {
            LambdaClient lambda = LambdaClient.builder()
                    .httpClient(SdkHttp.client(Duration.ofSeconds(2),
                            Duration.ofSeconds(config.limits().maxTimeoutSeconds() + 30L)))
                    .build();
            resources.add(lambda);
            return new LambdaInvokeExecutor(lambda, config.executorFunction().get(), json);
        }
        SubprocessExecutor executor = new SubprocessExecutor(new SubprocessSettings(config.python(),
                config.workRoot(), config.disabledLayers(), config.uidBase(), config.uidCount(),
                Duration.ofSeconds(10)), programs, config.subprocessWorker());
        resources.add(executor);
        return executor;
    }

    public Config config() {
        return config;
    }

    public ObjectMapper json() {
        return json;
    }

    public OperationalLog log() {
        return log;
    }

    public InteractionSandbox service() {
        return service;
    }

    public ExecutionRequestParser parser() {
        return parser;
    }

    public ResultJson results() {
        return results;
    }

    @Override
    public void close() {
        for (AutoCloseable resource : resources.reversed()) {
            try {
                resource.close();
            } catch (Exception e) {
                log.warn(null, "closing a resource failed", java.util.Map.of("error", String.valueOf(e)));
            }
        }
    }
}
