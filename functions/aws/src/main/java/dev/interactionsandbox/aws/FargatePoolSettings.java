package dev.interactionsandbox.aws;

import java.time.Duration;

/**
 * The pool of pre-started runner tasks: the ECS service that keeps them running (in the cluster of
 * {@link FargateSettings}) and how a job is handed to one.
 *
 * @param service the ECS service whose running tasks wait in listen mode
 * @param port the port every pooled runner listens on
 * @param connectTimeout connecting to a task inside the VPC (short: a task that does not answer is skipped)
 * @param acceptTimeout from the connection to the runner's accepted line
 * @param resultGrace time granted beyond the execution's own timeout for the runner to end the code, clean up and
 *                    answer (it enforces the timeout itself)
 * @param listFreshFor how long a listing of the service's tasks is reused
 */
public record FargatePoolSettings(String service, int port, Duration connectTimeout, Duration acceptTimeout,
                                  Duration resultGrace, Duration listFreshFor) {
    public FargatePoolSettings {
        if (service == null || service.isBlank()) {
            throw new IllegalArgumentException("the pool service is required");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the pool port must be within [1, 65535]");
        }
    }

    /** The settings for a service and port, with the timeouts a VPC-internal hand-over needs. */
    public static FargatePoolSettings of(String service, int port) {
        return new FargatePoolSettings(service, port, Duration.ofMillis(500), Duration.ofSeconds(2),
                Duration.ofSeconds(10), Duration.ofSeconds(5));
    }
}
