package dev.interactionsandbox.lambda;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the Lambda service, which cannot run here: the Invoke API on one side, and on the other a fresh
 * process running {@link SingleUseExecutorRuntime} against a Runtime API per invocation, as Lambda starts a new
 * execution environment after a runtime exits. Records what each runtime process did.
 */
final class MiniLambda implements AutoCloseable {
    /** One runtime process's life: how often it asked for work, and how it ended. */
    record Environment(long pid, int nextCalls, int exitCode) {
    }

    private final HttpServer invokeApi;
    private final Map<String, String> runtimeEnv;
    final List<Environment> environments = new CopyOnWriteArrayList<>();

    MiniLambda(Map<String, String> runtimeEnv) throws IOException {
        this.runtimeEnv = runtimeEnv;
        invokeApi = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        invokeApi.createContext("/2015-03-31/functions/", this::invoke);
        invokeApi.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + invokeApi.getAddress().getPort();
    }

    private void invoke(HttpExchange exchange) throws IOException {
        byte[] event = exchange.getRequestBody().readAllBytes();
        String requestId = UUID.randomUUID().toString();
        CompletableFuture<byte[]> response = new CompletableFuture<>();
        AtomicInteger nextCalls = new AtomicInteger();
        boolean[] failed = {false};
        HttpServer runtimeApi = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        runtimeApi.createContext("/2018-06-01/runtime/invocation/next", next -> {
            if (nextCalls.incrementAndGet() > 1) {
                return; // a second request for work: never answered, as Lambda would block it
            }
            next.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", requestId);
            reply(next, 200, event);
        });
        runtimeApi.createContext("/2018-06-01/runtime/invocation/" + requestId + "/", post -> {
            failed[0] = post.getRequestURI().getPath().endsWith("/error");
            byte[] body = post.getRequestBody().readAllBytes();
            reply(post, 202, new byte[0]);
            response.complete(body);
        });
        runtimeApi.start();
        try {
            ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                    "-cp", System.getProperty("java.class.path"), SingleUseExecutorRuntime.class.getName());
            builder.environment().clear();
            builder.environment().putAll(runtimeEnv);
            builder.environment().put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + runtimeApi.getAddress().getPort());
            builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Process runtime = builder.start();
            byte[] answer = response.get(120, TimeUnit.SECONDS);
            boolean exited = runtime.waitFor(30, TimeUnit.SECONDS);
            environments.add(new Environment(runtime.pid(), nextCalls.get(), exited ? runtime.exitValue() : -1));
            if (failed[0]) {
                exchange.getResponseHeaders().add("X-Amz-Function-Error", "Unhandled");
            }
            reply(exchange, 200, answer);
        } catch (Exception e) {
            reply(exchange, 500, ("{\"message\":\"" + e.getClass().getSimpleName() + "\"}").getBytes());
        } finally {
            runtimeApi.stop(0);
        }
    }

    private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }


    @Override
    public void close() {
        invokeApi.stop(0);
    }
}
