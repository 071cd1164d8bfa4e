package dev.interactionsandbox.lambda;

import dev.interactionsandbox.aws.FargatePoolSettings;
import dev.interactionsandbox.aws.FargateSettings;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.port.OperationalLog;
import dev.interactionsandbox.core.service.ServiceLimits;
import dev.interactionsandbox.python.SubprocessExecutor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every setting of the service, read once from the environment (the only place that reads it).
 *
 * @param executionsTable DynamoDB table of results ({@code EXECUTIONS_TABLE})
 * @param auditTable DynamoDB table of audit records ({@code AUDIT_TABLE})
 * @param resultRetention how long results and audit records live before TTL removes them
 * @param limits what callers may ask for, and the defaults
 * @param python interpreter of the subprocess path ({@code SANDBOX_PYTHON})
 * @param runnerDirectory read-only directory holding the Python programs, or empty to extract the packaged copy
 * @param workRoot where per-execution work directories are made ({@code SANDBOX_WORK_ROOT})
 * @param disabledLayers subprocess layers switched off ({@code SANDBOX_SUBPROCESS_DISABLE}: namespaces,seccomp,uid)
 * @param logLevel lowest level written to the operational log
 * @param executorFunction when set ({@code SANDBOX_EXECUTOR_FUNCTION}), the subprocess path runs in that separate
 *                         single-use Lambda function instead of in this process (the AWS deployment)
 * @param containerLauncher how the container path runs ({@code SANDBOX_CONTAINER_LAUNCHER}): {@code fargate},
 *                          {@code docker} (local engine; only in the local invoker, never in the Lambda image) or
 *                          {@code none}
 * @param fargate the runner task settings when the launcher is {@code fargate}
 * @param fargatePool the pool of pre-started runner tasks tried before a task is started, when the launcher is
 *                    {@code fargate} and {@code FARGATE_POOL_SERVICE} names the pool's ECS service (port:
 *                    {@code FARGATE_POOL_PORT}, default 8000)
 * @param subprocessWorker how the subprocess path starts an execution's supervisor ({@code SANDBOX_SUBPROCESS_WORKER}):
 *                         {@code warm} (default: forked by a warm fork server, where the host allows it, else
 *                         spawned) or {@code spawn} (a runner process per execution)
 * @param concurrentStoreWrites whether the independent store and audit writes of a step go out together
 *                              ({@code SANDBOX_STORE_WRITES}: {@code concurrent}, the default, or {@code sequential},
 *                              one after another, kept for comparison in the benchmarks)
 */
public record Config(String executionsTable, String auditTable, Duration resultRetention, ServiceLimits limits,
                     Path python, Optional<Path> runnerDirectory, Path workRoot, Set<String> disabledLayers,
                     int uidBase, int uidCount, Duration analysisTimeout, OperationalLog.Level logLevel,
                     Optional<String> executorFunction, String containerLauncher,
                     Optional<FargateSettings> fargate, Optional<FargatePoolSettings> fargatePool,
                     SubprocessExecutor.Worker subprocessWorker,
                     boolean concurrentStoreWrites) {

    public static final Set<String> LAUNCHERS = Set.of("fargate", "docker", "none");

    public static final Set<String> KNOWN_LAYERS = Set.of("namespaces", "seccomp", "uid");

    public static Config fromEnvironment(Map<String, String> env) {
        int maxTimeout = integer(env, "SANDBOX_MAX_TIMEOUT_SECONDS", 300);
        Policy defaultPolicy = policy(env.getOrDefault("SANDBOX_DEFAULT_POLICY", "standard"));
        Set<Policy> allowed = Arrays.stream(env.getOrDefault("SANDBOX_ALLOWED_POLICIES", "strict,standard,permissive")
                        .split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).map(Config::policy)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Policy.class)));
        Limits defaults = new Limits(
                Math.min(integer(env, "SANDBOX_DEFAULT_TIMEOUT_SECONDS", Limits.DEFAULT_TIMEOUT_SECONDS), maxTimeout),
                integer(env, "SANDBOX_DEFAULT_MEMORY_MB", Limits.DEFAULT_MEMORY_MB), Limits.DEFAULT_CPUS,
                integer(env, "SANDBOX_MAX_PROCESSES", Limits.DEFAULT_MAX_PROCESSES),
                integer(env, "SANDBOX_OUTPUT_CAP_BYTES", Limits.DEFAULT_MAX_OUTPUT_BYTES),
                Limits.DEFAULT_MAX_FILE_BYTES, Limits.DEFAULT_MAX_OPEN_FILES);
        ServiceLimits limits = new ServiceLimits(integer(env, "SANDBOX_MAX_CODE_BYTES", 256 * 1024),
                integer(env, "SANDBOX_MAX_STDIN_BYTES", 1024 * 1024), maxTimeout, 32,
                integer(env, "SANDBOX_MAX_MEMORY_MB", 4096), defaults, defaultPolicy, allowed);
        Set<String> disabled = Arrays.stream(env.getOrDefault("SANDBOX_SUBPROCESS_DISABLE", "").split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
        for (String layer : disabled) {
            if (!KNOWN_LAYERS.contains(layer)) {
                throw new IllegalArgumentException("SANDBOX_SUBPROCESS_DISABLE: unknown layer " + layer
                        + " (known: " + KNOWN_LAYERS + ")");
            }
        }
        return new Config(env.getOrDefault("EXECUTIONS_TABLE", "Executions"), env.getOrDefault("AUDIT_TABLE", "Audit"),
                Duration.ofDays(integer(env, "SANDBOX_RESULT_TTL_DAYS", 30)), limits,
                Path.of(env.getOrDefault("SANDBOX_PYTHON", "/usr/bin/python3")),
                Optional.ofNullable(env.get("SANDBOX_RUNNER_DIR")).filter(s -> !s.isBlank()).map(Path::of),
                Path.of(env.getOrDefault("SANDBOX_WORK_ROOT", System.getProperty("java.io.tmpdir"))), disabled,
                integer(env, "SANDBOX_UID_BASE", 61000), integer(env, "SANDBOX_UID_COUNT", 512),
                Duration.ofMillis(integer(env, "SANDBOX_ANALYSIS_TIMEOUT_MS", 3000)),
                OperationalLog.Level.valueOf(env.getOrDefault("SANDBOX_LOG_LEVEL", "INFO").toUpperCase(Locale.ROOT)),
                Optional.ofNullable(env.get("SANDBOX_EXECUTOR_FUNCTION")).filter(s -> !s.isBlank()),
                launcher(env), fargate(env), fargatePool(env), worker(env), concurrentStoreWrites(env));
    }

    private static boolean concurrentStoreWrites(Map<String, String> env) {
        String value = env.getOrDefault("SANDBOX_STORE_WRITES", "concurrent").strip();
        return switch (value) {
            case "concurrent", "" -> true;
            case "sequential" -> false;
            default -> throw new IllegalArgumentException("SANDBOX_STORE_WRITES must be concurrent or sequential, got "
                    + value);
        };
    }

    private static SubprocessExecutor.Worker worker(Map<String, String> env) {
        String value = env.getOrDefault("SANDBOX_SUBPROCESS_WORKER", "warm").strip();
        return switch (value) {
            case "warm", "" -> SubprocessExecutor.Worker.WARM;
            case "spawn" -> SubprocessExecutor.Worker.SPAWN;
            default -> throw new IllegalArgumentException("SANDBOX_SUBPROCESS_WORKER must be warm or spawn, got "
                    + value);
        };
    }

    private static String launcher(Map<String, String> env) {
        String launcher = env.getOrDefault("SANDBOX_CONTAINER_LAUNCHER", "docker").strip();
        if (!LAUNCHERS.contains(launcher)) {
            throw new IllegalArgumentException("SANDBOX_CONTAINER_LAUNCHER must be one of " + LAUNCHERS);
        }
        return launcher;
    }

    private static Optional<FargateSettings> fargate(Map<String, String> env) {
        if (!"fargate".equals(env.get("SANDBOX_CONTAINER_LAUNCHER"))) {
            return Optional.empty();
        }
        for (String name : List.of("FARGATE_CLUSTER", "FARGATE_TASK_DEFINITION", "FARGATE_SUBNETS",
                "FARGATE_SECURITY_GROUPS", "FARGATE_LOG_GROUP")) {
            if (env.getOrDefault(name, "").isBlank()) {
                throw new IllegalArgumentException(name + " is required with SANDBOX_CONTAINER_LAUNCHER=fargate");
            }
        }
        return Optional.of(new FargateSettings(env.get("FARGATE_CLUSTER"), env.get("FARGATE_TASK_DEFINITION"),
                list(env.get("FARGATE_SUBNETS")), list(env.get("FARGATE_SECURITY_GROUPS")),
                env.getOrDefault("FARGATE_CONTAINER_NAME", "runner"), env.get("FARGATE_LOG_GROUP"),
                env.getOrDefault("FARGATE_LOG_STREAM_PREFIX", "runner/runner"),
                Duration.ofSeconds(integer(env, "FARGATE_START_ALLOWANCE_SECONDS", 120))));
    }

    private static Optional<FargatePoolSettings> fargatePool(Map<String, String> env) {
        String service = env.getOrDefault("FARGATE_POOL_SERVICE", "").strip();
        if (!"fargate".equals(env.get("SANDBOX_CONTAINER_LAUNCHER")) || service.isEmpty()) {
            return Optional.empty();
        }
        int port = integer(env, "FARGATE_POOL_PORT", 8000);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("FARGATE_POOL_PORT must be within [1, 65535], got " + port);
        }
        return Optional.of(FargatePoolSettings.of(service, port));
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got " + value, e);
        }
    }

    private static Policy policy(String value) {
        return Policy.fromWireName(value.strip())
                .orElseThrow(() -> new IllegalArgumentException("unknown policy " + value));
    }
}
