package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.python.RunnerDirectory;
import dev.interactionsandbox.python.RunnerProtocol;
import dev.interactionsandbox.python.SubprocessExecutor;
import dev.interactionsandbox.python.SubprocessSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The executor function's own runtime loop (Lambda custom runtime API), serving exactly ONE invocation and then
 * exiting. Lambda replaces an environment whose runtime exits, so an environment in which untrusted code ran never
 * serves another execution: nothing the code left behind (processes, files in /tmp, a tampered runtime) survives
 * into someone else's execution. The cost is a cold start per execution on this path.
 */
public final class SingleUseExecutorRuntime {
    private static final String API_VERSION = "/2018-06-01/runtime";

    private final URI runtimeApi;
    private final SubprocessExecutor executor;
    private final RunnerProtocol protocol;
    private final ObjectMapper json;

    SingleUseExecutorRuntime(URI runtimeApi, SubprocessExecutor executor, ObjectMapper json) {
        this.runtimeApi = runtimeApi;
        this.executor = executor;
        this.json = json;
        this.protocol = new RunnerProtocol(json);
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> env = System.getenv();
        String api = env.get("AWS_LAMBDA_RUNTIME_API");
        if (api == null || api.isBlank()) {
            System.err.println("AWS_LAMBDA_RUNTIME_API is not set: this program runs only as a Lambda runtime");
            System.exit(2);
        }
        URI base = URI.create("http://" + api + API_VERSION);
        ObjectMapper json = new ObjectMapper();
        SubprocessExecutor executor;
        try {
            Config config = Config.fromEnvironment(env);
            // One execution per environment: a warm fork server would buy nothing here, so a runner is spawned.
            executor = new SubprocessExecutor(new SubprocessSettings(config.python(), config.workRoot(),
                    config.disabledLayers(), config.uidBase(), config.uidCount(), Duration.ofSeconds(10)),
                    RunnerDirectory.resolve(config.runnerDirectory(), Optional.of(config.python())));
        } catch (RuntimeException e) {
            post(base.resolve(API_VERSION + "/init/error"), errorDocument(json, e), true);
            System.exit(1);
            return;
        }
        new SingleUseExecutorRuntime(base, executor, json).serveOne();
        System.exit(0);
    }

    /** Takes one invocation, answers it, and returns; the caller then exits the process. */
    void serveOne() throws IOException {
        HttpURLConnection next = (HttpURLConnection) runtimeApi.resolve(API_VERSION + "/invocation/next").toURL()
                .openConnection();
        next.setReadTimeout(0);
        String requestId = next.getHeaderField("Lambda-Runtime-Aws-Request-Id");
        byte[] event;
        try (InputStream in = next.getInputStream()) {
            event = in.readAllBytes();
        }
        String base = API_VERSION + "/invocation/" + requestId;
        try {
            ExecutionJob job = protocol.readJob(json.readTree(event));
            RunReport report = executor.run(job);
            post(runtimeApi.resolve(base + "/response"), json.writeValueAsBytes(protocol.writeReport(report)), false);
        } catch (IOException | RuntimeException e) {
            post(runtimeApi.resolve(base + "/error"), errorDocument(json, e), true);
        }
    }

    private static byte[] errorDocument(ObjectMapper json, Exception e) throws IOException {
        return json.writeValueAsBytes(json.createObjectNode().put("errorType", e.getClass().getSimpleName())
                .put("errorMessage", String.valueOf(e.getMessage())));
    }

    private static void post(URI uri, byte[] body, boolean error) throws IOException {
        HttpURLConnection post = (HttpURLConnection) uri.toURL().openConnection();
        post.setRequestMethod("POST");
        post.setDoOutput(true);
        post.setRequestProperty("Content-Type", "application/json");
        if (error) {
            post.setRequestProperty("Lambda-Runtime-Function-Error-Type", "Unhandled");
        }
        try (OutputStream out = post.getOutputStream()) {
            out.write(body);
        }
        int status = post.getResponseCode();
        if (status / 100 != 2) {
            System.err.println("runtime API answered " + status + " to " + uri.getPath());
        }
        post.disconnect();
    }
}
