package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interactionsandbox.aws.DynamoDbAuditLog;
import dev.interactionsandbox.aws.DynamoDbExecutionStore;
import dev.interactionsandbox.core.port.Executor;
import dev.interactionsandbox.core.port.OperationalLog;
import dev.interactionsandbox.core.service.InteractionSandbox;
import dev.interactionsandbox.core.service.PathSelector;
import dev.interactionsandbox.python.PythonCodeSanitizer;
import dev.interactionsandbox.python.RunnerDirectory;
import dev.interactionsandbox.python.SubprocessExecutor;
import dev.interactionsandbox.python.SubprocessSettings;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

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
    private final AutoCloseable[] resources;

    private SandboxRuntime(Config config, ObjectMapper json, OperationalLog log, InteractionSandbox service,
                           AutoCloseable... resources) {
        this.config = config;
        this.json = json;
        this.log = log;
        this.service = service;
        this.parser = new ExecutionRequestParser(config.limits());
        this.results = new ResultJson(json);
        this.resources = resources;
    }

    /**
     * Wires the service for the environment described by {@code config}, with a DynamoDB client configured the
     * SDK's usual way (region, credentials and {@code AWS_ENDPOINT_URL} from the environment).
     */
    public static SandboxRuntime create(Config config) {
        return create(config, DynamoDbClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(5)))
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(10)))
                .build());
    }

    /** Wires the service around the given DynamoDB client, which the runtime then owns and closes. */
    public static SandboxRuntime create(Config config, DynamoDbClient dynamo) {
        ObjectMapper json = new ObjectMapper();
        Clock clock = Clock.systemUTC();
        OperationalLog log = new JsonLinesLog(json, System.err, config.logLevel(), clock);
        RunnerDirectory programs = RunnerDirectory.resolve(config.runnerDirectory());
        PythonCodeSanitizer sanitizer = new PythonCodeSanitizer(config.python(), programs.analyzer(),
                config.analysisTimeout());
        Executor subprocess = config.executorFunction().<Executor>map(function -> new LambdaInvokeExecutor(
                LambdaClient.builder()
                        .httpClientBuilder(UrlConnectionHttpClient.builder()
                                .connectionTimeout(Duration.ofSeconds(2))
                                .socketTimeout(Duration.ofSeconds(config.limits().maxTimeoutSeconds() + 30L)))
                        .build(), function, json))
                .orElseGet(() -> new SubprocessExecutor(new SubprocessSettings(config.python(), config.workRoot(),
                        config.disabledLayers(), config.uidBase(), config.uidCount(), Duration.ofSeconds(10)),
                        programs));
        InteractionSandbox service = new InteractionSandbox(sanitizer,
                new DynamoDbExecutionStore(dynamo, config.executionsTable(), config.resultRetention()),
                new DynamoDbAuditLog(dynamo, config.auditTable(), config.resultRetention()),
                new PathSelector(subprocess, Optional.empty()), log, clock, () -> UUID.randomUUID().toString());
        return new SandboxRuntime(config, json, log, service, sanitizer, dynamo);
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
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                log.warn(null, "closing a resource failed", java.util.Map.of("error", String.valueOf(e)));
            }
        }
    }
}
