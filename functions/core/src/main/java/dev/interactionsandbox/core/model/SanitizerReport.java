package dev.interactionsandbox.core.model;

import java.util.List;

/**
 * The sanitiser's verdict on one piece of code.
 *
 * @param syntaxError set when the code does not parse (verdict {@code SYNTAX_ERROR})
 */
public record SanitizerReport(Verdict verdict, List<Finding> findings, ExceptionInfo syntaxError) {
    public enum Verdict { ALLOW, REJECT, SYNTAX_ERROR }

    public SanitizerReport {
        findings = findings == null ? List.of() : List.copyOf(findings);
    }
}
