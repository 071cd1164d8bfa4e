package dev.interactionsandbox.core.model;

/** Events of an execution's audit trail; each occurs at most once per execution. */
public enum AuditEventType {
    REQUESTED, REJECTED, FALLBACK, STARTED, COMPLETED, FAILED
}
