package dev.interactionsandbox.aws;

import java.util.List;

/** Which pooled runner tasks may still be waiting for a job. */
public interface PoolTaskDiscovery {
    /**
     * The tasks believed to be waiting, never one passed to {@link #claimed}; possibly stale (a task another caller
     * took is refused when connected to, and the caller moves on).
     *
     * @throws dev.interactionsandbox.core.error.ExecutorUnavailableException when the pool cannot be listed
     */
    List<PoolTask> available();

    /** The task was handed a job or found taken: it serves no further job and is not offered again. */
    void claimed(PoolTask task);
}
