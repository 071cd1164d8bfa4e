package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interactionsandbox.core.error.ExecutorFailureException;
import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.port.Executor;
import dev.interactionsandbox.python.RunnerProtocol;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;

/**
 * The subprocess path as deployed in AWS: the job goes to a separate executor function (role that can do nothing,
 * one execution per environment, see {@link SingleUseExecutorRuntime}); its answer is read as untrusted data.
 * Keeps the function that holds DynamoDB rights free of untrusted code.
 */
public final class LambdaInvokeExecutor implements Executor {
    private final LambdaClient lambda;
    private final String functionName;
    private final RunnerProtocol protocol;
    private final ObjectMapper json;

    public LambdaInvokeExecutor(LambdaClient lambda, String functionName, ObjectMapper json) {
        this.lambda = lambda;
        this.functionName = functionName;
        this.json = json;
        this.protocol = new RunnerProtocol(json);
    }

    @Override
    public ExecutionMode mode() {
        return ExecutionMode.SUBPROCESS;
    }

    @Override
    public Availability availability() {
        return Availability.AVAILABLE;
    }

    @Override
    public RunReport run(ExecutionJob job) {
        InvokeResponse response;
        try {
            String payload = json.writeValueAsString(protocol.writeJob(job));
            response = lambda.invoke(r -> r.functionName(functionName).payload(SdkBytes.fromUtf8String(payload)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a job always serialises", e);
        } catch (SdkClientException e) {
            throw new ExecutorUnavailableException("the executor function could not be reached: " + e.getMessage(), e);
        } catch (LambdaException e) {
            if (e.isThrottlingException() || e.statusCode() == 429) {
                throw new ExecutorUnavailableException("the executor function is throttled: " + e.getMessage(), e);
            }
            throw new ExecutorFailureException("invoking the executor function failed: " + e.getMessage(), e);
        }
        String answer = response.payload() == null ? "" : response.payload().asUtf8String();
        if (response.functionError() != null) {
            throw new ExecutorFailureException("the executor function failed (" + response.functionError() + "): "
                    + answer.substring(0, Math.min(answer.length(), 500)), null);
        }
        try {
            return protocol.readReport(json.readTree(answer));
        } catch (JsonProcessingException e) {
            throw new ExecutorFailureException("the executor function answered with malformed JSON", e);
        }
    }
}
