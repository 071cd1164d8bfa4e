package dev.interactionsandbox.core.port;

import dev.interactionsandbox.core.model.AuditRecord;

/** Append-only audit trail. Writing the same (execution, event) twice keeps the first record. */
public interface AuditLog {
    void append(AuditRecord record);
}
