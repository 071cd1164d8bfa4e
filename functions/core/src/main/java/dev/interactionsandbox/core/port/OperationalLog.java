package dev.interactionsandbox.core.port;

import java.util.Map;

/** Structured operational log: one record per call, always carrying the execution id. Never given code or secrets. */
public interface OperationalLog {
    enum Level { DEBUG, INFO, WARN, ERROR }

    void log(Level level, String executionId, String message, Map<String, ?> fields);

    default void info(String executionId, String message, Map<String, ?> fields) {
        log(Level.INFO, executionId, message, fields);
    }

    default void warn(String executionId, String message, Map<String, ?> fields) {
        log(Level.WARN, executionId, message, fields);
    }

    default void error(String executionId, String message, Map<String, ?> fields) {
        log(Level.ERROR, executionId, message, fields);
    }
}
