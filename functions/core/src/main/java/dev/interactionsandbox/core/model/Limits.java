package dev.interactionsandbox.core.model;

/**
 * Resource limits of one execution. Each path enforces what its host allows and reports which layers it applied.
 *
 * @param timeoutSeconds wall-clock limit; CPU time is capped at the same value
 * @param memoryMb address-space (subprocess) or cgroup memory (container) limit
 * @param cpus CPU share (containers only; a subprocess gets what the host gives it)
 * @param maxProcesses bound on processes and threads the code may have at once
 * @param maxOutputBytes cap per output stream; beyond it the execution ends as {@code output_limit}
 * @param maxFileBytes largest file the code may write
 * @param maxOpenFiles descriptors the code may hold
 */
public record Limits(int timeoutSeconds, int memoryMb, double cpus, int maxProcesses, int maxOutputBytes,
                     long maxFileBytes, int maxOpenFiles) {

    public static final int DEFAULT_TIMEOUT_SECONDS = 30;
    public static final int DEFAULT_MEMORY_MB = 512;
    public static final double DEFAULT_CPUS = 0.5;
    public static final int DEFAULT_MAX_PROCESSES = 50;
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;
    public static final long DEFAULT_MAX_FILE_BYTES = 16L * 1024 * 1024;
    public static final int DEFAULT_MAX_OPEN_FILES = 64;

    public Limits {
        if (timeoutSeconds <= 0 || memoryMb <= 0 || cpus <= 0 || maxProcesses <= 0 || maxOutputBytes <= 0
                || maxFileBytes <= 0 || maxOpenFiles <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public static Limits defaults() {
        return new Limits(DEFAULT_TIMEOUT_SECONDS, DEFAULT_MEMORY_MB, DEFAULT_CPUS, DEFAULT_MAX_PROCESSES,
                DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_OPEN_FILES);
    }

    public Limits withTimeoutSeconds(int value) {
        return new Limits(value, memoryMb, cpus, maxProcesses, maxOutputBytes, maxFileBytes, maxOpenFiles);
    }

    public Limits withMemoryMb(int value) {
        return new Limits(timeoutSeconds, value, cpus, maxProcesses, maxOutputBytes, maxFileBytes, maxOpenFiles);
    }
}
