package dev.interactionsandbox.docker;

import dev.interactionsandbox.core.error.ExecutorUnavailableException;
import dev.interactionsandbox.core.model.CapturedOutput;
import dev.interactionsandbox.core.model.ExceptionInfo;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.RunReport;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pure logic, and an engine that is not there. No Docker needed. */
class DockerUnitTest {
    @Test
    void forkFailureSeenAsAnErrorIsTheProcessBound() {
        RunReport runner = new RunReport(Outcome.RUNTIME_ERROR, CapturedOutput.EMPTY, CapturedOutput.EMPTY, 1,
                new ExceptionInfo("BlockingIOError", "[Errno 11] Resource temporarily unavailable", 3), List.of(),
                5, null);
        RunReport adjusted = DockerContainerExecutor.adjust(runner, List.of("container"));
        assertEquals(Outcome.RESOURCE_LIMIT, adjusted.outcome());
        assertEquals(List.of("container"), adjusted.isolation());
        RunReport plain = new RunReport(Outcome.RUNTIME_ERROR, CapturedOutput.EMPTY, CapturedOutput.EMPTY, 1,
                new ExceptionInfo("ValueError", "boom", 1), List.of(), 5, null);
        assertEquals(Outcome.RUNTIME_ERROR, DockerContainerExecutor.adjust(plain, List.of()).outcome());
    }

    @Test
    void containerSpecOfTheDefaultsIsThePoolsAndTimeoutDoesNotMatter() {
        DockerSettings settings = DockerSettings.defaults();
        ContainerSpec spec = ContainerSpec.of(Limits.defaults(), settings);
        assertEquals(512L * 1024 * 1024, spec.memoryBytes());
        assertEquals(500_000_000L, spec.nanoCpus());
        assertEquals(50 + ContainerSpec.SUPERVISOR_PIDS, spec.pidsLimit());
        assertEquals(spec, ContainerSpec.of(Limits.defaults().withTimeoutSeconds(3), settings));
        assertFalse(spec.equals(ContainerSpec.of(Limits.defaults().withMemoryMb(128), settings)));
    }

    @Test
    void ownerIdsRoundTripAndTheLiveProcessIsNotGone() {
        OwnerId self = OwnerId.next();
        assertEquals(self, OwnerId.parse(self.toString()).orElseThrow());
        assertFalse(self.isGone());
        assertTrue(new OwnerId(self.bootId(), self.pid(), self.startMillis() + 1, 1).isGone(), "pid reused");
        assertTrue(new OwnerId("another-boot", self.pid(), self.startMillis(), 1).isGone());
        assertTrue(OwnerId.parse("garbage").isEmpty());
    }

    @Test
    void anUnreachableEngineIsUnavailableNotABrokenRun() {
        DockerSettings settings = DockerSettings.defaults().withPoolSize(0)
                .withDockerHost(URI.create("unix:///nonexistent/docker.sock"));
        try (DockerContainerExecutor executor = new DockerContainerExecutor(settings, DockerTestSupport.quietLog())) {
            assertFalse(executor.availability().available());
            assertTrue(executor.availability().reason().contains("unreachable"), executor.availability().reason());
            assertThrows(ExecutorUnavailableException.class,
                    () -> executor.run(DockerTestSupport.job("print(1)")));
        }
    }
}
