package dev.interactionsandbox.local;

import dev.interactionsandbox.lambda.Invocations;
import dev.interactionsandbox.lambda.SandboxRuntime;

import java.util.Map;

/** Runtimes as the local invoker builds them: the function's wiring plus the Docker container path. */
final class LocalRuntimes {
    private LocalRuntimes() {
    }

    static SandboxRuntime runtime(Map<String, String> overrides) {
        Map<String, String> env = Invocations.environment(overrides);
        return Invocations.runtime(overrides, LocalContainerPaths.with(LocalConfig.fromEnvironment(env)));
    }
}
