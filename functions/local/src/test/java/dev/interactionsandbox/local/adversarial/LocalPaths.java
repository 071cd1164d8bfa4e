package dev.interactionsandbox.local.adversarial;

import dev.interactionsandbox.lambda.SandboxRuntime;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * Runtimes exactly as the local invoker builds them, for the suites outside {@code dev.interactionsandbox.local}:
 * delegates to the package-private {@code LocalRuntimes} (by reflection, so its wiring exists once).
 */
public final class LocalPaths {
    private LocalPaths() {
    }

    public static SandboxRuntime runtime(Map<String, String> overrides) {
        try {
            Class<?> runtimes = Class.forName("dev.interactionsandbox.local.LocalRuntimes");
            Method runtime = runtimes.getDeclaredMethod("runtime", Map.class);
            runtime.setAccessible(true);
            return (SandboxRuntime) runtime.invoke(null, overrides);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("LocalRuntimes.runtime(Map) is not reachable", e);
        }
    }
}
