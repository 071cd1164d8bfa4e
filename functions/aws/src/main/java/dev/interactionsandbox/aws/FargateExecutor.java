package dev.interactionsandbox.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interactionsandbox.core.error.ExecutorFailureException;
import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import dev.interactionsandbox.core.model.DetachedRun;
import dev.interactionsandbox.core.model.ExecutionJob;
import dev.interactionsandbox.core.model.ExecutionMode;
import dev.interactionsandbox.core.model.RunProgress;
import dev.interactionsandbox.core.model.RunReport;
import dev.interactionsandbox.core.port.Executor;
import dev.interactionsandbox.python.RunnerProtocol;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.GetLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Task;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * The container path in AWS: one Fargate task per execution from the runner task definition. The job travels in
 * the RunTask container overrides (gzip + base64, ≤ 8,192 characters in all); the task has no task role, so the
 * code can reach no credentials; the runner writes its report to the container's stdout, which the awslogs driver
 * ships to the task's own log stream, read back here once the task has stopped. Runs detach: the request answers
 * 202 and the result is completed when it is read back ({@code GET /executions/{id}}).
 */
public final class FargateExecutor implements Executor {
    static final String JOB_VARIABLE = "SANDBOX_JOB_B64";

    private final EcsClient ecs;
    private final CloudWatchLogsClient logs;
    private final FargateSettings settings;
    private final RunnerProtocol protocol;
    private final ObjectMapper json;
    private final Clock clock;
    private final TaskDefinitionIsolation isolation;

    public FargateExecutor(EcsClient ecs, CloudWatchLogsClient logs, FargateSettings settings, ObjectMapper json,
                           Clock clock) {
        this.ecs = ecs;
        this.logs = logs;
        this.settings = settings;
        this.json = json;
        this.protocol = new RunnerProtocol(json);
        this.clock = clock;
        this.isolation = new TaskDefinitionIsolation(ecs, settings.taskDefinition(), settings.containerName());
    }

    @Override
    public ExecutionMode mode() {
        return ExecutionMode.CONTAINER;
    }

    /** RunTask failures (capacity, throttling, configuration) surface at launch, where {@code auto} falls back. */
    @Override
    public Availability availability() {
        return Availability.AVAILABLE;
    }

    @Override
    public RunProgress launch(ExecutionJob job) {
        String encoded = encode(job);
        if (encoded.length() > FargateSettings.MAX_JOB_CHARS) {
            throw new ExecutorUnavailableException("the job is " + encoded.length() + " characters encoded; RunTask "
                    + "overrides hold at most " + FargateSettings.MAX_JOB_CHARS + " of the 8,192 characters", null);
        }
        List<String> layers = isolation.layers();
        RunTaskResponse response;
        try {
            response = ecs.runTask(r -> r.cluster(settings.cluster())
                    .taskDefinition(settings.taskDefinition())
                    .launchType(LaunchType.FARGATE)
                    .count(1)
                    .startedBy("interaction-sandbox")
                    .clientToken(job.executionId())
                    .networkConfiguration(n -> n.awsvpcConfiguration(a -> a.subnets(settings.subnets())
                            .securityGroups(settings.securityGroups()).assignPublicIp(AssignPublicIp.DISABLED)))
                    .overrides(o -> o.containerOverrides(c -> c.name(settings.containerName())
                            .environment(e -> e.name(JOB_VARIABLE).value(encoded)))));
        } catch (SdkException e) {
            throw new ExecutorUnavailableException("RunTask failed: " + e.getMessage(), e);
        }
        if (!response.failures().isEmpty() || response.tasks().isEmpty()) {
            String why = response.failures().isEmpty() ? "no task was started"
                    : response.failures().get(0).reason() + " " + response.failures().get(0).detail();
            throw new ExecutorUnavailableException("RunTask started no task: " + why.strip(), null);
        }
        Instant deadline = clock.instant().plusSeconds(job.limits().timeoutSeconds()).plus(settings.startAllowance());
        return new RunProgress.Detached(new DetachedRun(response.tasks().get(0).taskArn(), deadline, layers));
    }

    /** Runs to completion by polling: for callers that want to wait (the service itself uses launch and poll). */
    @Override
    public RunReport run(ExecutionJob job) {
        DetachedRun run = ((RunProgress.Detached) launch(job)).run();
        Duration pause = Duration.ofSeconds(1);
        while (true) {
            Optional<RunReport> report = poll(run);
            if (report.isPresent()) {
                return report.get();
            }
            if (clock.instant().isAfter(run.deadline())) {
                stop(run, FargateStop.DEADLINE);
            }
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop(run, "the waiting caller was interrupted");
                throw new ExecutorFailureException("interrupted while waiting for the runner task", e);
            }
        }
    }

    @Override
    public Optional<RunReport> poll(DetachedRun run) {
        Task task;
        try {
            List<Task> tasks = ecs.describeTasks(r -> r.cluster(settings.cluster()).tasks(run.handle())).tasks();
            if (tasks.isEmpty()) {
                return Optional.of(RunReport.systemError("the runner task " + run.handle() + " is unknown to ECS",
                        run.isolation(), 0));
            }
            task = tasks.get(0);
        } catch (SdkException e) {
            throw new ExecutorFailureException("DescribeTasks failed: " + e.getMessage(), e);
        }
        if (!"STOPPED".equals(task.lastStatus())) {
            return Optional.empty();
        }
        Container container = task.containers().stream().filter(c -> settings.containerName().equals(c.name()))
                .findFirst().orElse(null);
        FargateStop stop = new FargateStop(task.stopCodeAsString(), task.stoppedReason(),
                container == null ? null : container.reason(), container == null ? null : container.exitCode());
        long durationMs = task.startedAt() != null && task.stoppedAt() != null
                ? Duration.between(task.startedAt(), task.stoppedAt()).toMillis() : 0;
        return Optional.of(stop.toReport(runnerReport(taskId(run.handle())), run.isolation(), durationMs));
    }

    @Override
    public void stop(DetachedRun run, String reason) {
        try {
            ecs.stopTask(r -> r.cluster(settings.cluster()).task(run.handle())
                    .reason(FargateStop.STOP_REASON_PREFIX + reason));
        } catch (SdkException e) {
            throw new ExecutorFailureException("StopTask failed: " + e.getMessage(), e);
        }
    }

    /** The last report line the runner wrote to its log stream, if any. */
    private Optional<RunReport> runnerReport(String taskId) {
        String stream = settings.logStreamPrefix() + "/" + taskId;
        Optional<RunReport> last = Optional.empty();
        String token = null;
        try {
            for (int page = 0; page < 20; page++) {
                String from = token;
                GetLogEventsResponse events = logs.getLogEvents(r -> r.logGroupName(settings.logGroup())
                        .logStreamName(stream).startFromHead(true).nextToken(from));
                for (OutputLogEvent event : events.events()) {
                    Optional<RunReport> report = parseReport(event.message());
                    if (report.isPresent()) {
                        last = report;
                    }
                }
                if (events.nextForwardToken() == null || events.nextForwardToken().equals(token)) {
                    break;
                }
                token = events.nextForwardToken();
            }
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new ExecutorFailureException("reading the runner's log stream failed: " + e.getMessage(), e);
        }
        return last;
    }

    private Optional<RunReport> parseReport(String line) {
        if (line == null || !line.startsWith("{") || !line.contains("\"outcome\"")) {
            return Optional.empty();
        }
        try {
            JsonNode doc = json.readTree(line);
            return doc.isObject() && doc.has("outcome") ? Optional.of(protocol.readReport(doc)) : Optional.empty();
        } catch (JsonProcessingException | ExecutorFailureException e) {
            return Optional.empty();
        }
    }

    private String encode(ExecutionJob job) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
                gzip.write(json.writeValueAsBytes(protocol.writeJob(job)));
            }
            return Base64.getEncoder().encodeToString(bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String taskId(String taskArn) {
        return taskArn.substring(taskArn.lastIndexOf('/') + 1);
    }
}
