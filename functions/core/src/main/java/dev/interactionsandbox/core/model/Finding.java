package dev.interactionsandbox.core.model;

/**
 * One thing the sanitiser noticed.
 *
 * @param ruleId stable identifier, e.g. {@code dangerous-import}
 * @param blocking whether this finding rejects the code under the policy it was analysed with
 */
public record Finding(String ruleId, String message, int line, int column, boolean blocking) {
}
