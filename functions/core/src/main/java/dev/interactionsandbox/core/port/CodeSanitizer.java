package dev.interactionsandbox.core.port;

import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.model.SanitizerReport;

/** Python-aware analysis of exactly the text that will run. Defence in depth: the OS boundary is the real one. */
public interface CodeSanitizer {
    /**
     * @throws dev.interactionsandbox.core.error.SandboxInfrastructureException when the analysis itself cannot run
     */
    SanitizerReport analyze(String code, Policy policy);
}
