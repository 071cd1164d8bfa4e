package dev.interactionsandbox.docker;

import dev.interactionsandbox.core.model.Limits;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

class HandoverStressDebugTest {
    @Test
    void stress() throws Exception {
        DockerTestSupport.requireDocker();
        DockerSettings settings = DockerTestSupport.settings();
        ContainerSpec spec = ContainerSpec.of(Limits.defaults(), settings);
        Map<String, String> labels = Map.of(DockerEngine.LABEL_MANAGED, "true", DockerEngine.LABEL_OWNER,
                OwnerId.next().toString(), DockerEngine.LABEL_ORIGIN, "debug");
        byte[] job = "{\"code\":\"print(1)\",\"workRoot\":\"/work\",\"disable\":[\"namespaces\",\"uid\"]}".getBytes(StandardCharsets.UTF_8);
        int fails = 0;
        try (DockerEngine engine = new DockerEngine(settings)) {
            for (int i = 0; i < Integer.getInteger("stress.runs", 40); i++) {
                String id = engine.createAndStart(spec, labels);
                try (RunnerSession s = RunnerSession.open(engine.streams(), id, 1 << 20, 8192, Duration.ofSeconds(10))) {
                    s.handOver(job, Duration.ofSeconds(10));
                    if (!s.awaitAnswer(5_000_000_000L)) {
                        fails++;
                        Process p = new ProcessBuilder("sh", "-c", "docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' " + id
                                + "; docker logs " + id + " 2>&1 | head -c 300; echo; docker top " + id).redirectErrorStream(true).redirectOutput(java.lang.ProcessBuilder.Redirect.appendTo(new java.io.File("/tmp/stress-diag.txt"))).start();
                        p.waitFor();
                        System.out.println("FAIL at run " + i + " id " + id);
                    }
                } finally {
                    engine.removeQuietly(id);
                }
            }
        }
        System.out.println("fails: " + fails);
    }
}
