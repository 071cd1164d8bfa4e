package dev.interactionsandbox.lambda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * template.yaml through scripts/validate-template: cfn-lint (template and, rule E3601, the state machine
 * definitions), the SAM translation with several parameter sets, and the least-privilege checks of every role.
 */
class TemplateValidationTest {
    @Test
    void theTemplateAndTheStateMachinesValidate() throws IOException, InterruptedException {
        Process validate = new ProcessBuilder(LocalStack.REPO.resolve("scripts/validate-template").toString())
                .directory(LocalStack.REPO.toFile()).redirectErrorStream(true).start();
        String output = new String(validate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(validate.waitFor(180, TimeUnit.SECONDS), "validate-template did not finish in 180 s");
        assertEquals(0, validate.exitValue(), output);
        assertTrue(output.contains("validate-template: OK"), output);
    }
}
