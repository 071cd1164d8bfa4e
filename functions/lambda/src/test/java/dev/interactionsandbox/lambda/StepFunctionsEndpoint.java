package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A private moto server (scripts/moto_server.py, with its Step Functions fixes) for the state machine tests, and a
 * minimal AWS JSON 1.0 client for its Step Functions and SQS APIs (the SDK's sfn and sqs modules are not
 * dependencies of this project). Private so that the executions it keeps never share a backend with other suites.
 */
final class StepFunctionsEndpoint implements AutoCloseable {
    private final Process server;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2)).build();
    final String endpoint;

    StepFunctionsEndpoint() throws IOException, InterruptedException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        endpoint = "http://127.0.0.1:" + port;
        log = Files.createTempFile("stepfunctions-moto-", ".log");
        server = new ProcessBuilder("python3", LocalStack.REPO.resolve("scripts/moto_server.py").toString(),
                "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/moto-api/config"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"stepfunctions\": {\"execute_state_machine\": true}}"))
                        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() / 100 == 2) {
                    break;
                }
            } catch (IOException notYet) {
                // still starting
            }
            if (System.nanoTime() > deadline || !server.isAlive()) {
                String output = Files.readString(log);
                close();
                throw new IllegalStateException("private moto server did not start: " + output);
            }
            Thread.sleep(100);
        }
        String banner = Files.readString(log);
        if (!banner.contains("stepfunctions.states-integration.names")) {
            close();
            // (the log is gone now; the banner is in the message)
            throw new IllegalStateException("moto_server.py did not apply its Step Functions fixes: " + banner);
        }
    }

    JsonNode sfn(String operation, ObjectNode body) {
        return call("AWSStepFunctions." + operation, "states", body);
    }

    JsonNode sqs(String operation, ObjectNode body) {
        return call("AmazonSQS." + operation, "sqs", body);
    }

    static ObjectNode object() {
        return Invocations.JSON.createObjectNode();
    }

    private JsonNode call(String target, String service, ObjectNode body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint + "/"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-amz-json-1.0")
                .header("X-Amz-Target", target)
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/" + service
                        + "/aws4_request, SignedHeaders=host, Signature=0")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        try {
            HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new IllegalStateException(target + " answered " + answer.statusCode() + ": " + answer.body());
            }
            return answer.body().isBlank() ? object() : Invocations.JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.destroy();
        try {
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(log);
    }
}
