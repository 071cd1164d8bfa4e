package dev.interactionsandbox.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The Lambda entry point: bytes in, bytes out. All decisions live in {@link InvocationRouter} and the service; this
 * class only adapts the runtime's streams.
 */
public final class ExecuteHandler implements RequestStreamHandler {
    private final InvocationRouter router;

    /** Used by the Lambda runtime: the environment's cold-start singleton. */
    public ExecuteHandler() {
        this(InteractionSandboxes.getInteractionSandbox());
    }

    public ExecuteHandler(SandboxRuntime runtime) {
        this.router = new InvocationRouter(runtime);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        byte[] payload = input.readAllBytes();
        String invocationId = context == null ? null : context.getAwsRequestId();
        output.write(router.route(payload, invocationId).toString().getBytes(StandardCharsets.UTF_8));
    }
}
