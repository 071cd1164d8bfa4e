package dev.interactionsandbox.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interactionsandbox.lambda.Config;
import dev.interactionsandbox.lambda.ExecuteHandler;
import dev.interactionsandbox.lambda.InteractionSandboxes;
import dev.interactionsandbox.lambda.LocalContext;
import dev.interactionsandbox.lambda.SandboxRuntime;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * Invokes the handler the way {@code sam local invoke -e EVENT} does, in this JVM, and prints each response as one
 * JSON line. With {@code -}, reads JSON-lines events from standard input and answers each as soon as it is handled,
 * like a warm function serving invocations one after another. Used by {@code scripts/local-invoke}. Unlike the Lambda
 * artifact, it has the Docker container path ({@code SANDBOX_CONTAINER_LAUNCHER=docker}, the default).
 */
public final class LocalInvoke {
    private static final long FUNCTION_TIMEOUT_MS = 900_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalInvoke() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: local-invoke EVENT_FILE... | -");
            System.exit(2);
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        Map<String, String> env = System.getenv();
        ExecuteHandler handler = new ExecuteHandler(InteractionSandboxes.initializeInteractionSandbox(
                () -> SandboxRuntime.create(Config.fromEnvironment(env), SandboxRuntime::defaultDynamo,
                        LocalContainerPaths.with(LocalConfig.fromEnvironment(env)))));
        int failures = 0;
        for (String arg : args) {
            if (arg.equals("-")) {
                BufferedReader lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (!line.isBlank()) {
                        failures += invoke(handler, line.getBytes(StandardCharsets.UTF_8), out);
                    }
                }
            } else {
                failures += invoke(handler, Files.readAllBytes(Path.of(arg)), out);
            }
        }
        InteractionSandboxes.getInteractionSandbox().close();
        System.exit(failures == 0 ? 0 : 1);
    }

    /** Prints the handler's answer, or a Lambda-style error document when it throws; returns 1 on a throw. */
    private static int invoke(ExecuteHandler handler, byte[] event, PrintStream out) {
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        LocalContext context = new LocalContext(UUID.randomUUID().toString(),
                System.currentTimeMillis() + FUNCTION_TIMEOUT_MS);
        int failed = 0;
        try {
            handler.handleRequest(new ByteArrayInputStream(event), response, context);
            out.println(response.toString(StandardCharsets.UTF_8));
        } catch (Exception e) {
            failed = 1;
            out.println(JSON.createObjectNode().put("errorType", e.getClass().getName())
                    .put("errorMessage", String.valueOf(e.getMessage())));
        }
        out.flush();
        return failed;
    }
}
