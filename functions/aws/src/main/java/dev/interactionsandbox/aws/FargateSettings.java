package dev.interactionsandbox.aws;

import java.time.Duration;
import java.util.List;

/**
 * Where and how runner tasks start: the cluster and task definition declared in template.yaml, private subnets
 * without public IPs, the runner security group, and the log stream the result comes back in.
 *
 * @param logStreamPrefix awslogs prefix plus container name: streams are {@code <prefix>/<task id>}
 * @param startAllowance time granted beyond the execution's own timeout for the task to be placed and the image
 *                       pulled (Fargate: tens of seconds)
 */
public record FargateSettings(String cluster, String taskDefinition, List<String> subnets,
                              List<String> securityGroups, String containerName, String logGroup,
                              String logStreamPrefix, Duration startAllowance) {
    /** RunTask overrides may hold 8,192 characters in all; this leaves room for the JSON around the job. */
    public static final int MAX_JOB_CHARS = 7_000;

    public FargateSettings {
        subnets = List.copyOf(subnets);
        securityGroups = List.copyOf(securityGroups);
    }
}
