package dev.interactionsandbox.core.model;

/** What an executor needs to run one execution. */
public record ExecutionJob(String executionId, String code, String stdin, Limits limits, Policy policy) {
}
