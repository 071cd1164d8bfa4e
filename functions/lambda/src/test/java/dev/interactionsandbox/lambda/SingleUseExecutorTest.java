package dev.interactionsandbox.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.model.RunReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.net.URI;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AWS deployment of the subprocess path: the API function invokes the executor function, whose runtime serves
 * one execution and exits. Lambda itself is replaced by {@link MiniLambda}; the runtime, the runner and the
 * isolation are real.
 */
class SingleUseExecutorTest {
    private static MiniLambda lambda;
    private static LambdaClient client;

    @BeforeAll
    static void start() throws Exception {
        lambda = new MiniLambda(Map.of(
                "AWS_ACCESS_KEY_ID", "AKIACANARYEXECUTOR00",
                "AWS_SECRET_ACCESS_KEY", "canary-secret-of-the-executor-function",
                "SANDBOX_LOG_LEVEL", "WARN"));
        client = LambdaClient.builder().endpointOverride(URI.create(lambda.endpoint())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        lambda.close();
    }

    private static RunReport run(String code) {
        LambdaInvokeExecutor executor = new LambdaInvokeExecutor(client, "SubprocessExecutorFunction",
                new ObjectMapper());
        return executor.run(new ExecutionJob("00000000-0000-4000-8000-00000000000a", code, "", Limits.defaults(),
                Policy.STANDARD));
    }

    @Test
    void eachExecutionGetsAFreshEnvironmentThatServesOnlyIt() {
        RunReport first = run("print('first')");
        RunReport second = run("import os\nprint(sorted(os.environ))");

        assertEquals(Outcome.OK, first.outcome());
        assertEquals("first\n", first.stdout().text());
        assertEquals(Outcome.OK, second.outcome());
        assertFalse(second.stdout().text().contains("AWS_"), second.stdout().text());
        assertEquals(2, lambda.environments.size());
        for (MiniLambda.Environment environment : lambda.environments) {
            assertEquals(1, environment.nextCalls(), "an environment asked for a second execution");
            assertEquals(0, environment.exitCode(), "the runtime must exit after its one execution");
        }
        assertTrue(lambda.environments.get(0).pid() != lambda.environments.get(1).pid());
    }

    @Test
    void outcomesTravelBackUnchanged() {
        RunReport report = run("def f():\n    raise ValueError('bad')\nf()");

        assertEquals(Outcome.RUNTIME_ERROR, report.outcome());
        assertEquals("ValueError", report.exception().type());
        assertEquals(2, report.exception().line());
        assertTrue(report.isolation().contains("runtime-guard"));
    }
}
