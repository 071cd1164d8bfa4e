package dev.interactionsandbox.aws;

import dev.interactionsandbox.core.model.CapturedOutput;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way ECS reports a stopped runner task maps to one outcome. */
class FargateStopTest {
    private static final List<String> LAYERS = List.of("container", "fargate-microvm");
    private static final RunReport RUNNER_SAID_OK = new RunReport(Outcome.OK, new CapturedOutput("42\n", false),
            CapturedOutput.EMPTY, 0, null, List.of("runtime-guard"), 15, null);

    @Test
    void theRunnersReportIsTakenWhenTheContainerExitedNormally() {
        RunReport report = new FargateStop("EssentialContainerExited", "Essential container in task exited", null, 0)
                .toReport(Optional.of(RUNNER_SAID_OK), LAYERS, 900);

        assertEquals(Outcome.OK, report.outcome());
        assertEquals("42\n", report.stdout().text());
        assertEquals(List.of("container", "fargate-microvm", "runtime-guard"), report.isolation());
    }

    @Test
    void outOfMemoryOverridesWhatTheRunnerSaid() {
        RunReport report = new FargateStop("EssentialContainerExited", "Essential container in task exited",
                "OutOfMemoryError: Container killed due to memory usage", 137)
                .toReport(Optional.of(RUNNER_SAID_OK), LAYERS, 900);

        assertEquals(Outcome.MEMORY_LIMIT, report.outcome());
        assertEquals(137, report.exitCode());
    }

    @Test
    void ourOwnDeadlineStopIsATimeout() {
        RunReport report = new FargateStop("UserInitiated", FargateStop.STOP_REASON_PREFIX + FargateStop.DEADLINE,
                null, 137).toReport(Optional.empty(), LAYERS, 60_000);

        assertEquals(Outcome.TIMEOUT, report.outcome());
    }

    @ParameterizedTest(name = "{0} / {1} / {2}")
    @CsvSource(delimiter = '|', value = {
            "TaskFailedToStart|CannotPullContainerError: pull image manifest has been retried 5 time(s)||failed to start",
            "TaskFailedToStart|ResourceInitializationError: unable to pull secrets or registry auth||failed to start",
            "TaskFailedToStart|Timeout waiting for network interface provisioning to complete.||failed to start",
            "SpotInterruption|Your Spot Task was interrupted.||stopped by AWS",
            "ServiceSchedulerInitiated|Scaling activity initiated by deployment||stopped by AWS",
            "TerminationNotice|Task stopped due to host termination||stopped by AWS",
            "UserInitiated|Task stopped by an operator||stopped from outside",
            "EssentialContainerExited|Essential container in task exited|CannotStartContainerError: exec format error|without a result",
            "EssentialContainerExited|Essential container in task exited||without a result",
    })
    void stopsWithoutARunnerReportAreSystemErrorsSayingWhy(String code, String reason, String containerReason,
                                                          String expected) {
        RunReport report = new FargateStop(code, reason, containerReason, null)
                .toReport(Optional.empty(), LAYERS, 0);

        assertEquals(Outcome.SYSTEM_ERROR, report.outcome());
        assertTrue(report.detail().contains(expected), report.detail());
    }
}
