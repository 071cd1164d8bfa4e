package dev.interactionsandbox.docker;

import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.port.OperationalLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Makes the real engine and image available: scripts/docker-engine ensure, runner-image/build-local (skips itself
 * when current). With CI=true a missing engine fails the suite; elsewhere the tests are skipped.
 */
final class DockerTestSupport {
    static final String IMAGE = System.getProperty("interaction-sandbox.runner-image", "").isBlank()
            ? DockerSettings.DEFAULT_IMAGE : System.getProperty("interaction-sandbox.runner-image");
    private static volatile String problem;
    private static volatile boolean prepared;

    private DockerTestSupport() {
    }

    static synchronized void requireDocker() {
        if (!prepared) {
            prepared = true;
            problem = prepare();
        }
        if (problem != null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("Docker is required on CI: " + problem);
            }
            assumeTrue(false, "Docker not available: " + problem);
        }
    }

    static DockerSettings settings() {
        return DockerSettings.defaults().withImage(IMAGE);
    }

    static ExecutionJob job(String code) {
        return job(code, Limits.defaults(), Policy.STANDARD);
    }

    static ExecutionJob job(String code, Limits limits, Policy policy) {
        return new ExecutionJob("test-" + UUID.randomUUID(), code, "", limits, policy);
    }

    static OperationalLog quietLog() {
        return (level, id, message, fields) -> {
            if (level.compareTo(OperationalLog.Level.WARN) >= 0) {
                System.err.println(level + " " + message + " " + fields);
            }
        };
    }

    private static String prepare() {
        Path root = repoRoot();
        if (root == null) {
            return "repository root (scripts/docker-engine) not found from " + Path.of("").toAbsolutePath();
        }
        String engine = runScript(root, "scripts/docker-engine", "ensure");
        if (engine != null) {
            return engine;
        }
        Map<String, String> env = IMAGE.equals(DockerSettings.DEFAULT_IMAGE) ? Map.of() : Map.of("RUNNER_IMAGE", IMAGE);
        return runScript(root, env, "runner-image/build-local");
    }

    private static String runScript(Path root, String... command) {
        return runScript(root, Map.of(), command);
    }

    private static String runScript(Path root, Map<String, String> env, String... command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT);
            builder.command().set(0, root.resolve(command[0]).toString());
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(15, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return String.join(" ", command) + " timed out";
            }
            return process.exitValue() == 0 ? null : String.join(" ", command) + " exited with " + process.exitValue();
        } catch (IOException e) {
            return String.join(" ", command) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("scripts/docker-engine"))) {
                return dir;
            }
        }
        return null;
    }
}
