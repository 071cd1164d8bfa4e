package dev.interactionsandbox.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interactionsandbox.local.adversarial.HostCanaries;
import dev.interactionsandbox.lambda.Invocations;
import dev.interactionsandbox.lambda.LocalStack;
import dev.interactionsandbox.lambda.SandboxRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adversarial tests of both paths, through the real handler. Canaries are planted on the host side: fake
 * AWS credentials and a Runtime API address in the handler's environment (see the surefire configuration), a
 * root-only secret file, a listener standing in for the Lambda Runtime API, and a world-writable directory. Attacks
 * run with policy {@code permissive}, so the sanitiser lets them through and process creation is allowed: what is
 * tested is the runtime isolation, not the analysis.
 *
 * <p>The subprocess path runs twice: with every layer this host allows, where every attack must be contained; and
 * Lambda-like (no
 * namespaces, no seccomp, no uid change), which shows what a Lambda host exposes and asserts that it is exactly the
 * documented list, each item harmless in the documented deployment (single-use executor function whose role can do
 * nothing).
 */
@ExtendWith(LocalStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IsolationTest {

    /** What a Lambda-like host lets user code reach, as documented in the README's security model. */
    enum Exposure { HANDLER_ENVIRONMENT, RUNTIME_API_ADDRESS, FILES_OF_THE_FUNCTION_UID, HOST_WRITABLE_DIRECTORY }

    enum Host {
        /** The subprocess path with every layer this host allows. */
        FULL("subprocess", Map.of()),
        /** The subprocess path as a Lambda host allows it: no namespaces, no seccomp of our own, one uid. */
        LAMBDA_LIKE("subprocess", Map.of("SANDBOX_SUBPROCESS_DISABLE", "namespaces,seccomp,uid")),
        /** The container path on the local Docker engine. */
        CONTAINER("container", Map.of());

        final String mode;
        final Map<String, String> env;

        Host(String mode, Map<String, String> env) {
            this.mode = mode;
            this.env = env;
        }
    }

    private HostCanaries canaries;
    private Path secretFile;
    private Path writableDir;
    private final Map<Host, SandboxRuntime> runtimes = new java.util.EnumMap<>(Host.class);

    @BeforeAll
    void plantCanaries() throws IOException {
        canaries = new HostCanaries();
        secretFile = canaries.secretFile;
        writableDir = canaries.writableDir;
        for (Host host : Host.values()) {
            runtimes.put(host, LocalRuntimes.runtime(host.env));
        }
    }

    @AfterAll
    void removeCanaries() throws IOException {
        runtimes.values().forEach(SandboxRuntime::close);
        canaries.close();
    }

    private JsonNode attack(Host host, String code) {
        Invocations api = new Invocations(runtimes.get(host));
        return api.post(Invocations.request(code, host.mode).put("policy", "permissive").put("timeoutSeconds", 10))
                .body();
    }

    /** What one attack reached, judged from what the user sees and what the host-side canaries recorded. */
    private Set<Exposure> exposures(JsonNode result, int connectionsBefore) {
        String seen = result.path("stdout").asText() + result.path("stderr").asText();
        Set<Exposure> reached = EnumSet.noneOf(Exposure.class);
        if (seen.contains(HostCanaries.CREDENTIAL_CANARY) || seen.contains(HostCanaries.KEY_CANARY)) {
            reached.add(Exposure.HANDLER_ENVIRONMENT);
        }
        if (seen.contains(canaries.fileCanary)) {
            reached.add(Exposure.FILES_OF_THE_FUNCTION_UID);
        }
        if (canaries.runtimeApiConnections() > connectionsBefore || seen.contains("RUNTIME-API-REACHED")) {
            reached.add(Exposure.RUNTIME_API_ADDRESS);
        }
        return reached;
    }

    private Set<Exposure> run(Host host, String code) {
        int before = canaries.runtimeApiConnections();
        JsonNode result = attack(host, code);
        assertFalse(result.path("outcome").isMissingNode(), "structured result expected: " + result);
        return exposures(result, before);
    }

    private static String spawn(String shell) {
        return "import subprocess\nr = subprocess.run(['/bin/sh', '-c', " + pyString(shell)
                + "], capture_output=True, text=True)\nprint(r.stdout, r.stderr)\n";
    }

    static String pyString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static final String READ_ALL_ENVIRONS =
            spawn("for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $f; done 2>/dev/null | grep AWS_ || true");
    private static final String CONNECT_WITH_A_CHILD_PYTHON = spawn("/usr/bin/python3 -c \"import socket; "
            + "s = socket.create_connection(('127.0.0.1', 19001), 2); print('RUNTIME-API-REACHED')\"");

    @ParameterizedTest
    @EnumSource(Host.class)
    void ownEnvironmentHoldsNoCredentials(Host host) {
        assertEquals(Set.of(), run(host, "import os\nprint(dict(os.environ))"));
    }

    @ParameterizedTest
    @EnumSource(Host.class)
    void guardStopsDirectReadsOfOtherProcessesEnvironments(Host host) {
        JsonNode result = attack(host, "print(open('/proc/1/environ').read())");
        assertEquals("policy_violation", result.path("outcome").asText(), result.toString());
    }

    @ParameterizedTest
    @EnumSource(Host.class)
    void guardStopsSocketsEvenWhenTheCodeCatchesTheError(Host host) {
        int before = canaries.runtimeApiConnections();
        JsonNode result = attack(host, "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 19001), 2)\n"
                + "except Exception as e:\n    print('caught', e)\nprint('carried on')");
        assertEquals("policy_violation", result.path("outcome").asText(), result.toString());
        assertFalse(result.path("stdout").asText().contains("carried on"));
        assertEquals(before, canaries.runtimeApiConnections());
    }

    @ParameterizedTest
    @EnumSource(value = Host.class, names = {"FULL", "CONTAINER"})
    void processesThatBypassTheGuardAreStillContained(Host host) {
        assertEquals(Set.of(), run(host, READ_ALL_ENVIRONS), "other processes' environments");
        assertEquals(Set.of(), run(host, spawn("cat '" + secretFile + "'")), "root-only file");
        assertEquals(Set.of(), run(host, CONNECT_WITH_A_CHILD_PYTHON), "loopback Runtime API stand-in");
    }

    @Test
    void containersReachNeitherTheDockerSocketNorTheHostGatewayNorTheirRootFilesystem() {
        JsonNode result = attack(Host.CONTAINER, spawn("ls -l /var/run/docker.sock /run/docker.sock 2>&1; "
                + "/usr/bin/python3 -c \"import socket; socket.create_connection(('172.17.0.1', 19001), 2); "
                + "print('GATEWAY-REACHED')\" 2>&1; touch /usr/planted /etc/planted 2>&1; "
                + "cat /proc/1/environ 2>&1 | tr '\\0' ' '"));
        String seen = result.path("stdout").asText();

        assertFalse(seen.contains("GATEWAY-REACHED"), seen);
        assertTrue(seen.contains("No such file or directory"), "no Docker socket inside: " + seen);
        assertTrue(seen.contains("Read-only file system"), seen);
        assertFalse(seen.contains(HostCanaries.CREDENTIAL_CANARY), seen);
    }

    @Test
    void lambdaLikeHostExposesOnlyWhatTheDocumentedDeploymentMakesHarmless() {
        Set<Exposure> environ = run(Host.LAMBDA_LIKE, READ_ALL_ENVIRONS);
        Set<Exposure> file = run(Host.LAMBDA_LIKE, spawn("cat '" + secretFile + "'"));
        Set<Exposure> socket = run(Host.LAMBDA_LIKE, CONNECT_WITH_A_CHILD_PYTHON);

        // In Lambda, user code shares the function's uid: it can read the executor function's environment
        // (credentials of a role that can do nothing), the files that uid can read, and reach the Runtime API of an
        // environment that serves this one execution and then exits (SingleUseExecutorRuntime).
        assertEquals(Set.of(Exposure.HANDLER_ENVIRONMENT), environ);
        assertEquals(Set.of(Exposure.FILES_OF_THE_FUNCTION_UID), file);
        assertEquals(Set.of(Exposure.RUNTIME_API_ADDRESS), socket);
    }

    @ParameterizedTest
    @EnumSource(Host.class)
    void daemonsDoNotSurviveTheExecution(Host host) throws Exception {
        String marker = "daemon-marker-" + UUID.randomUUID();
        String code = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                + "        os.execv('/usr/bin/python3', ['python3', '-c', 'import time\\nwhile True: time.sleep(0.1)', '"
                + marker + "'])\n    os._exit(0)\n"
                + "time.sleep(1.5)\nprint('parent done')";
        java.util.concurrent.atomic.AtomicBoolean seenAlive = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watcher = Thread.startVirtualThread(() -> {
            while (!seenAlive.get()) {
                seenAlive.set(countWithMarker(marker) > 0);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        JsonNode result = attack(host, code);
        watcher.interrupt();

        assertEquals("parent done\n", result.path("stdout").asText(), result.toString());
        assertTrue(seenAlive.get(), "the daemon never ran: the test would prove nothing");
        assertEquals(0, processesWithMarker(marker), "a daemon of the execution survived it");
    }

    @ParameterizedTest
    @EnumSource(Host.class)
    void forkBombIsStoppedByTheProcessBound(Host host) {
        JsonNode result = attack(host, "import os\nwhile True:\n    os.fork()");
        assertEquals("resource_limit", result.path("outcome").asText(), result.toString());
    }

    @ParameterizedTest
    @EnumSource(Host.class)
    void memoryBombIsAMemoryLimit(Host host) {
        JsonNode result = attack(host, "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))");
        assertEquals("memory_limit", result.path("outcome").asText(), result.toString());
    }

    @ParameterizedTest
    @EnumSource(value = Host.class, names = {"FULL", "CONTAINER"})
    void nothingWrittenByOneExecutionIsVisibleToTheNext(Host host) {
        String name = "is-left-behind-" + UUID.randomUUID();
        attack(host, "open('left-behind.txt', 'w').write('previous execution')\n" + spawn(
                "echo previous > /tmp/" + name + "; echo previous > /dev/shm/" + name + "; echo previous > /var/tmp/"
                        + name));
        JsonNode next = attack(host, "import os\nprint(os.listdir('.'))\n" + spawn(
                "cat /tmp/" + name + " /dev/shm/" + name + " /var/tmp/" + name + " 2>&1"));

        assertFalse(next.path("stdout").asText().contains("previous"), next.toString());
        assertFalse(next.path("stdout").asText().contains("left-behind.txt"), next.toString());
        assertFalse(Files.exists(Path.of("/tmp", name)) || Files.exists(Path.of("/dev/shm", name))
                || Files.exists(Path.of("/var/tmp", name)), "a file was left on the host");
    }

    @ParameterizedTest
    @EnumSource(value = Host.class, names = {"FULL", "CONTAINER"})
    void writesOutsideTheWorkDirectoryDoNotReachTheHost(Host host) {
        Path target = writableDir.resolve("planted.txt");
        attack(host, spawn("echo planted > '" + target + "'"));
        assertFalse(Files.exists(target), "user code planted a file in a host directory");
    }

    private static long processesWithMarker(String marker) throws IOException {
        long deadline = System.currentTimeMillis() + 2000;
        long count;
        do {
            count = countWithMarker(marker);
        } while (count > 0 && System.currentTimeMillis() < deadline);
        return count;
    }

    /** Processes whose command line carries the marker, read from /proc (any uid, any container). */
    private static long countWithMarker(String marker) {
        byte[] needle = marker.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long found = 0;
        try (var entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path entry : entries) {
                try {
                    byte[] cmdline = Files.readAllBytes(entry.resolve("cmdline"));
                    if (new String(cmdline, java.nio.charset.StandardCharsets.ISO_8859_1)
                            .contains(new String(needle, java.nio.charset.StandardCharsets.ISO_8859_1))) {
                        found++;
                    }
                } catch (IOException e) {
                    // the process ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return found;
    }
}
