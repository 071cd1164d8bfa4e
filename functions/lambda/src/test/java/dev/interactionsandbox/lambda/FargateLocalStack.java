package dev.interactionsandbox.lambda;

import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Compatibility;
import software.amazon.awssdk.services.ecs.model.NetworkMode;
import software.amazon.awssdk.services.ecs.model.UlimitName;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The runner task's AWS side on the local endpoint: a VPC subnet and security group, a cluster, the hardened task
 * definition (the same settings as template.yaml's RunnerTaskDefinition) and the runner log group. Fargate itself
 * cannot run here: tests play the container's part (see FargateExecutorTest).
 */
final class FargateLocalStack {
    final String cluster = "runner-" + UUID.randomUUID();
    final String logGroup = "/interaction-sandbox/test/runner-" + UUID.randomUUID();
    final String taskDefinition;
    final String subnet;
    final String securityGroup;

    FargateLocalStack(EcsClient ecs, Ec2Client ec2, CloudWatchLogsClient logs) {
        String vpc = ec2.createVpc(r -> r.cidrBlock("10.42.0.0/16")).vpc().vpcId();
        subnet = ec2.createSubnet(r -> r.vpcId(vpc).cidrBlock("10.42.1.0/24")).subnet().subnetId();
        securityGroup = ec2.createSecurityGroup(r -> r.vpcId(vpc).groupName("runner-" + UUID.randomUUID())
                .description("runner: no ingress, 443 to endpoints only")).groupId();
        ecs.createCluster(r -> r.clusterName(cluster));
        taskDefinition = ecs.registerTaskDefinition(r -> r.family("interaction-sandbox-runner")
                .requiresCompatibilities(Compatibility.FARGATE).networkMode(NetworkMode.AWSVPC)
                .cpu("256").memory("512")
                .containerDefinitions(c -> c.name("runner").image("interaction-sandbox-runner:local").essential(true)
                        .memory(512).readonlyRootFilesystem(true).user("10001:10001").privileged(false)
                        .linuxParameters(l -> l.initProcessEnabled(true).capabilities(k -> k.drop("ALL")))
                        .ulimits(u -> u.name(UlimitName.NPROC).softLimit(64).hardLimit(64),
                                u -> u.name(UlimitName.NOFILE).softLimit(256).hardLimit(256),
                                u -> u.name(UlimitName.CORE).softLimit(0).hardLimit(0))
                        .logConfiguration(l -> l.logDriver("awslogs").options(Map.of("awslogs-group", logGroup,
                                "awslogs-region", "us-east-1", "awslogs-stream-prefix", "runner")))))
                .taskDefinition().taskDefinitionArn();
        try {
            logs.createLogGroup(r -> r.logGroupName(logGroup));
        } catch (ResourceAlreadyExistsException ignored) {
            // a rerun against the same endpoint
        }
    }

    /** The environment that points the handler's container path at this stack. */
    Map<String, String> environment(int startAllowanceSeconds) {
        Map<String, String> env = new HashMap<>();
        env.put("SANDBOX_CONTAINER_LAUNCHER", "fargate");
        env.put("FARGATE_CLUSTER", cluster);
        env.put("FARGATE_TASK_DEFINITION", taskDefinition);
        env.put("FARGATE_SUBNETS", subnet);
        env.put("FARGATE_SECURITY_GROUPS", securityGroup);
        env.put("FARGATE_LOG_GROUP", logGroup);
        env.put("FARGATE_START_ALLOWANCE_SECONDS", Integer.toString(startAllowanceSeconds));
        return env;
    }
}
