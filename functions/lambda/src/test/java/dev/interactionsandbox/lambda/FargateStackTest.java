package dev.interactionsandbox.lambda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;

/** Tests of the Fargate paths: ECS and CloudWatch Logs clients of the local endpoint, and a runner stack on it. */
@ExtendWith(LocalStack.class)
abstract class FargateStackTest {
    static EcsClient ecs;
    static CloudWatchLogsClient logs;
    static FargateLocalStack stack;

    @BeforeAll
    static void startStack() {
        ecs = EcsClient.create();
        logs = CloudWatchLogsClient.create();
        try (Ec2Client ec2 = Ec2Client.create()) {
            stack = new FargateLocalStack(ecs, ec2, logs);
        }
    }

    @AfterAll
    static void closeStackClients() {
        ecs.close();
        logs.close();
    }
}
