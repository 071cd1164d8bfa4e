package dev.interactionsandbox.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.interactionsandbox.core.model.Limits;
import dev.interactionsandbox.core.model.Outcome;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.model.RunReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container path against a real Docker engine and the image runner-image/build-local builds. */
class DockerContainerExecutorTest {
    private static DockerContainerExecutor executor;
    private static DockerEngine engine;

    @BeforeAll
    static void start() throws InterruptedException {
        DockerTestSupport.requireDocker();
        engine = new DockerEngine(DockerTestSupport.settings());
        executor = new DockerContainerExecutor(DockerTestSupport.settings(), DockerTestSupport.quietLog());
        assertTrue(executor.availability().available(), executor.availability().reason());
        assertTrue(executor.awaitWarm(Duration.ofSeconds(60)), "warm pool did not fill");
    }

    @AfterAll
    static void noContainerLeft() throws InterruptedException {
        if (executor == null) {
            return;
        }
        String owner = executor.ownerId();
        executor.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<Container> left;
        do {
            left = engine.managedContainers(Map.of(DockerEngine.LABEL_MANAGED, "true"));
            if (left.isEmpty()) {
                break;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        engine.close();
        assertEquals(List.of(), left.stream().map(c -> c.getId() + " " + c.getLabels()).toList(),
                "managed containers left after the suite (this JVM is " + owner + ")");
    }

    @Test
    void printsAndReportsTheContainerLayers() {
        RunReport report = executor.run(DockerTestSupport.job("print(1)"));
        assertEquals(Outcome.OK, report.outcome(), report.toString());
        assertEquals("1\n", report.stdout().text());
        assertTrue(report.isolation().containsAll(List.of("container", "network:none", "read-only-root",
                "cap-drop:ALL", "no-new-privileges", "pids-limit", "memory-cgroup", "non-root")), report.isolation()
                .toString());
    }

    @Test
    void exceptionIsARuntimeError() {
        RunReport report = executor.run(DockerTestSupport.job("x = 1\nraise ValueError('boom')"));
        assertEquals(Outcome.RUNTIME_ERROR, report.outcome(), report.toString());
        assertNotNull(report.exception());
        assertEquals("ValueError", report.exception().type());
        assertEquals(2, report.exception().line());
    }

    @Test
    void timeoutKillsTheCodeAndRemovesTheContainer() throws InterruptedException {
        try (DockerContainerExecutor cold = new DockerContainerExecutor(DockerTestSupport.settings().withPoolSize(0),
                DockerTestSupport.quietLog())) {
            long started = System.nanoTime();
            RunReport report = cold.run(DockerTestSupport.job("while True:\n    pass",
                    Limits.defaults().withTimeoutSeconds(2), Policy.STANDARD));
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            assertEquals(Outcome.TIMEOUT, report.outcome(), report.toString());
            assertTrue(elapsedMs < 2000 + 5000 + 3000, "took " + elapsedMs + " ms");
            awaitGone(Map.of(DockerEngine.LABEL_ORIGIN, "on-demand"));
        }
    }

    @Test
    void memoryBombIsAMemoryLimit() {
        RunReport report = executor.run(DockerTestSupport.job(
                "a = []\nwhile True:\n    a.append(bytearray(10 * 1024 * 1024))",
                Limits.defaults().withMemoryMb(128), Policy.STANDARD));
        assertEquals(Outcome.MEMORY_LIMIT, report.outcome(), report.toString());
    }

    @Test
    void childrenKilledByTheCgroupOomKillerMakeAMemoryLimitEvenWhenTheParentCarriesOn() {
        // Each child stays under its own address-space limit; together they exceed the container's memory.
        String code = "import os, time\npids = []\nfor i in range(8):\n    pid = os.fork()\n    if pid == 0:\n"
                + "        b = bytearray(110 * 1024 * 1024)\n        for j in range(0, len(b), 4096):\n"
                + "            b[j] = 1\n        time.sleep(2)\n        os._exit(0)\n    pids.append(pid)\n"
                + "print([os.waitpid(p, 0)[1] for p in pids])";
        RunReport report = executor.run(DockerTestSupport.job(code, Limits.defaults().withTimeoutSeconds(20),
                Policy.PERMISSIVE));
        assertEquals(Outcome.MEMORY_LIMIT, report.outcome(), report.toString());
        assertTrue(report.stdout().text().contains("9"), "some children were killed: " + report.stdout().text());
        // told by the runner, which counted the kills of the container's cgroup, not by waiting for the engine
        assertTrue(report.detail().contains("out-of-memory killer"), report.detail());
    }

    @Test
    void eachExecutionHasAContainerOfItsOwnThatIsRemovedAfterwards() throws InterruptedException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RunReport report = executor.run(DockerTestSupport.job(childInterpreter(
                    "import re\nprint(re.search(r'/containers/([0-9a-f]{64})/', open('/proc/self/mountinfo').read())"
                            + ".group(1))"), Limits.defaults(), Policy.PERMISSIVE));
            assertEquals(Outcome.OK, report.outcome(), report.toString());
            ids.add(report.stdout().text().strip());
        }
        assertEquals(3, Set.copyOf(ids).size(), "a container served two executions: " + ids);
        for (String id : ids) {
            awaitRemoved(id);
        }
    }

    @Test
    void aRunnerKilledMidJobIsASystemErrorAndNothingIsLeftBehind() throws InterruptedException {
        // A child interpreter (no audit hook) of the code kills the supervisor, its parent's parent.
        RunReport report = executor.run(DockerTestSupport.job(childInterpreter(
                "import os, signal\nos.kill(" + "int(open('/proc/%d/stat' % os.getppid()).read().split()[3]), "
                        + "signal.SIGKILL)") + "\nimport time\ntime.sleep(5)\nprint('not reached')",
                Limits.defaults().withTimeoutSeconds(20), Policy.PERMISSIVE));
        assertEquals(Outcome.SYSTEM_ERROR, report.outcome(), report.toString());
        assertTrue(report.detail().contains("without a result"), report.detail());
        awaitOnlyRunningContainers();
    }

    @Test
    void warmContainersKilledWhileTheyWaitAreReplaced() throws InterruptedException {
        try (DockerContainerExecutor pooled = new DockerContainerExecutor(DockerTestSupport.settings(),
                DockerTestSupport.quietLog())) {
            assertTrue(pooled.awaitWarm(Duration.ofSeconds(60)));
            List<String> waiting = engine.managedContainers(Map.of(DockerEngine.LABEL_OWNER, pooled.ownerId()))
                    .stream().map(Container::getId).toList();
            assertEquals(2, waiting.size());
            waiting.forEach(engine::kill);   // as an engine restart would
            for (String id : waiting) {
                awaitRemoved(id);   // the pool saw their streams end
            }

            RunReport report = pooled.run(DockerTestSupport.job("print('fresh')"));

            assertEquals(Outcome.OK, report.outcome(), report.toString());
            assertEquals("fresh\n", report.stdout().text());
            assertTrue(pooled.availability().available());
            assertTrue(pooled.awaitWarm(Duration.ofSeconds(60)), "the pool did not fill again");
        }
    }

    @Test
    void forkBombIsAResourceLimit() {
        RunReport report = executor.run(DockerTestSupport.job(
                "import os\nwhile True:\n    os.fork()", Limits.defaults().withTimeoutSeconds(10), Policy.PERMISSIVE));
        assertEquals(Outcome.RESOURCE_LIMIT, report.outcome(), report.toString());
    }

    /**
     * The container's own layers, with the runner's seccomp filter switched off and the audit-hook guard left
     * behind by a child interpreter: what is left is network none, the read-only root and no engine socket.
     */
    @Test
    void containerLayersHoldWithoutTheRunnersOwn() throws Exception {
        String probe = String.join("\n",
                "import socket, os, json",
                "res = {}",
                "for name, addr in [('gateway', ('172.17.0.1', 2375)), ('outside', ('1.1.1.1', 53))]:",
                "    try:",
                "        s = socket.create_connection(addr, timeout=2); s.close(); res[name] = 'connected'",
                "    except OSError as e:",
                "        res[name] = 'blocked'",
                "for p in ['/var/run/docker.sock', '/run/docker.sock']:",
                "    try:",
                "        s = socket.socket(socket.AF_UNIX); s.connect(p); res[p] = 'connected'",
                "    except OSError as e:",
                "        res[p] = 'blocked'",
                "try:",
                "    open('/usr/probe', 'w'); res['usr'] = 'written'",
                "except OSError as e:",
                "    res['usr'] = 'blocked'",
                "try:",
                "    open('/work/probe', 'w').write('x'); res['work'] = 'written'",
                "except OSError as e:",
                "    res['work'] = 'blocked:%s' % e",
                "res['interfaces'] = sorted(os.listdir('/sys/class/net'))",
                "res['rootReadOnly'] = any(l.split()[1] == '/' and 'ro' in l.split()[3].split(',') for l in open('/proc/mounts'))",
                "res['capEff'] = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0]",
                "res['uid'] = os.getuid()",
                "print(json.dumps(res))");
        String code = "import subprocess, sys\nr = subprocess.run([sys.executable, '-I', '-c', " + quote(probe)
                + "], capture_output=True, text=True)\nprint(r.stdout, end='')\nprint(r.stderr, file=sys.stderr)";
        try (DockerContainerExecutor bare = new DockerContainerExecutor(DockerTestSupport.settings().withPoolSize(0)
                .withDisabledLayers(Set.of("namespaces", "uid", "seccomp")), DockerTestSupport.quietLog())) {
            RunReport report = bare.run(DockerTestSupport.job(code, Limits.defaults(), Policy.PERMISSIVE));
            assertEquals(Outcome.OK, report.outcome(), report.toString());
            JsonNode res = new ObjectMapper().readTree(report.stdout().text());
            assertEquals("blocked", res.path("gateway").asText(), res.toString());
            assertEquals("blocked", res.path("outside").asText(), res.toString());
            assertEquals("blocked", res.path("/var/run/docker.sock").asText(), res.toString());
            assertEquals("blocked", res.path("/run/docker.sock").asText(), res.toString());
            assertEquals("blocked", res.path("usr").asText(), res.toString());
            assertEquals("written", res.path("work").asText(), res.toString());
            assertEquals("[\"lo\"]", res.path("interfaces").toString(), res.toString());
            assertTrue(res.path("rootReadOnly").asBoolean(), res.toString());
            assertEquals("0000000000000000", res.path("capEff").asText(), res.toString());
            assertEquals(10001, res.path("uid").asInt(), res.toString());
        }
    }

    /** The second execution looks with a child interpreter (no guard) for what the first one left anywhere. */
    @Test
    void filesOfOneExecutionAreNotSeenByTheNext() {
        String write = "import os\nopen('leak-canary', 'w').write('x')\nprint(os.getcwd())";
        RunReport first = executor.run(DockerTestSupport.job(write, Limits.defaults(), Policy.PERMISSIVE));
        assertEquals(Outcome.OK, first.outcome(), first.toString());
        String workDir = first.stdout().text().strip();
        assertTrue(workDir.startsWith("/work/"), workDir);
        String look = "import os\nseen = [os.path.exists('" + workDir + "/leak-canary')]\n"
                + "for d in ('/work', '/tmp'):\n    for root, dirs, files in os.walk(d):\n"
                + "        seen.extend(os.path.join(root, f) for f in files)\nprint(seen)";
        String code = "import subprocess, sys\nr = subprocess.run([sys.executable, '-I', '-c', " + quote(look)
                + "], capture_output=True, text=True)\nprint(r.stdout, r.stderr, end='')";
        RunReport second = executor.run(DockerTestSupport.job(code, Limits.defaults(), Policy.PERMISSIVE));
        assertEquals(Outcome.OK, second.outcome(), second.toString());
        assertTrue(second.stdout().text().startsWith("[False"), second.stdout().text());
        assertFalse(second.stdout().text().contains("leak-canary"), second.stdout().text());
    }

    @Test
    void concurrentExecutions() throws Exception {
        runConcurrently(executor, 6);
    }

    @Test
    void aBurstLargerThanThePoolWaitsForRefillsWhenToldTo() throws Exception {
        try (DockerContainerExecutor waiting = new DockerContainerExecutor(DockerTestSupport.settings().withPoolSize(1)
                .withOnExhausted(DockerSettings.Exhaustion.WAIT, Duration.ofSeconds(60)), DockerTestSupport.quietLog())) {
            assertTrue(waiting.awaitWarm(Duration.ofSeconds(60)));
            runConcurrently(waiting, 3);
            assertEquals(List.of(), engine.managedContainers(Map.of(DockerEngine.LABEL_OWNER, waiting.ownerId(),
                    DockerEngine.LABEL_ORIGIN, "on-demand")), "waited rather than creating containers on demand");
        }
    }

    @Test
    void standardInputReachesTheCode() {
        RunReport report = executor.run(new dev.interactionsandbox.core.model.ExecutionJob("stdin-test",
                "import sys\nprint(sys.stdin.read().upper())", "hello", Limits.defaults(), Policy.STANDARD));
        assertEquals(Outcome.OK, report.outcome(), report.toString());
        assertEquals("HELLO\n", report.stdout().text());
    }

    /** Runs {@code print(i * 7)} for i below {@code count} at the same time; each answers its own. */
    private static void runConcurrently(DockerContainerExecutor target, int count) throws Exception {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<RunReport>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                futures.add(threads.submit(() -> target.run(DockerTestSupport.job("print(" + n + " * 7)"))));
            }
            for (int i = 0; i < futures.size(); i++) {
                RunReport report = futures.get(i).get();
                assertEquals(Outcome.OK, report.outcome(), report.toString());
                assertEquals((i * 7) + "\n", report.stdout().text());
            }
        }
    }

    private static void awaitGone(Map<String, String> labels) throws InterruptedException {
        awaitNone("containers not removed", () -> engine.managedContainers(labels).stream().map(Container::getId)
                .toList());
    }

    private static void awaitRemoved(String id) throws InterruptedException {
        awaitNone("container not removed", () -> {
            try {
                engine.inspectState(id);
                return List.of(id);
            } catch (NotFoundException e) {
                return List.of();
            }
        });
    }

    /** Every container of the suite's executor runs (the warm ones); none that ended is left. */
    private static void awaitOnlyRunningContainers() throws InterruptedException {
        awaitNone("ended containers left", () -> engine.managedContainers(Map.of(DockerEngine.LABEL_OWNER,
                executor.ownerId())).stream().filter(c -> !"running".equals(c.getState()))
                .map(c -> c.getId() + " " + c.getState()).toList());
    }

    /** Polls for up to 20 s until {@code left} finds nothing; fails with what it found last. */
    private static void awaitNone(String what, Supplier<List<String>> left) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> found = left.get();
        while (!found.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            found = left.get();
        }
        assertEquals(List.of(), found, what);
    }

    /** Code that runs {@code python} in a child interpreter, which has no audit hook, and passes on its output. */
    private static String childInterpreter(String python) {
        return "import subprocess, sys\nr = subprocess.run([sys.executable, '-I', '-c', " + quote(python)
                + "], capture_output=True, text=True)\nprint(r.stdout, end='')\nprint(r.stderr, end='', file=sys.stderr)";
    }

    private static String quote(String python) {
        return "'" + python.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
    }
}
