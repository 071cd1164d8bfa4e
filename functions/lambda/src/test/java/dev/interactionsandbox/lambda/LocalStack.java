package dev.interactionsandbox.lambda;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Starts the local AWS-compatible endpoint with the tables of template.yaml (scripts/local-stack start) before a
 * test class, so the tests run the same from the README's test command and from a plain {@code mvn test}.
 */
public final class LocalStack implements BeforeAllCallback {
    public static final Path REPO = Path.of("../..").toAbsolutePath().normalize();

    @Override
    public void beforeAll(ExtensionContext context) throws IOException, InterruptedException {
        Process start = new ProcessBuilder(REPO.resolve("scripts/local-stack").toString(), "start")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(start.waitFor(90, TimeUnit.SECONDS), "local stack did not start within 90 s");
        assertEquals(0, start.exitValue(), "scripts/local-stack start failed");
    }
}
