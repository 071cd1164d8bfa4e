package dev.interactionsandbox.local.adversarial;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interactionsandbox.lambda.Invocations;
import dev.interactionsandbox.lambda.LocalStack;
import dev.interactionsandbox.lambda.SandboxRuntime;
import dev.interactionsandbox.local.adversarial.Attack.Category;
import dev.interactionsandbox.local.adversarial.Attack.Exposure;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the adversarial corpus ({@link AttackCorpus}) through the real handler on every path — the subprocess path
 * with every layer this host allows ({@code FULL}), the subprocess path as a Lambda host allows it
 * ({@code LAMBDA_LIKE}: no namespaces, no seccomp of our own, one uid) and the container path — and judges each
 * attack by what a user and the host can observe: canaries in the output, connections at the listeners, files
 * planted on the host, the victim process, processes carrying the attack's mark after the execution, a structured
 * and stored result with the expected outcome, and the next execution on the same path.
 *
 * <p>On {@code FULL} and {@code CONTAINER} every attack must be contained. On {@code LAMBDA_LIKE} an attack may reach
 * exactly what the attack declares a Lambda host to expose by design (see docs/security.md), nothing else. Paths run
 * in parallel (one thread each); attacks on one path run one after another. The full run writes
 * docs/security-corpus-results.md and the generated section of docs/security.md. {@code -Dcorpus.only=id-prefix,...}
 * runs a subset (no report written).
 */
@ExtendWith(LocalStack.class)
class AdversarialCorpusTest {
    enum PathUnderTest {
        FULL("subprocess", Map.of()),
        LAMBDA_LIKE("subprocess", Map.of("SANDBOX_SUBPROCESS_DISABLE", "namespaces,seccomp,uid")),
        CONTAINER("container", Map.of());

        final String mode;
        final Map<String, String> env;

        PathUnderTest(String mode, Map<String, String> env) {
            this.mode = mode;
            this.env = env;
        }
    }

    enum Verdict { CONTAINED, EXPOSED_AS_DOCUMENTED, FAILED, SKIPPED }

    static final Set<String> OUTCOMES = Set.of("ok", "runtime_error", "syntax_error", "timeout", "memory_limit",
            "output_limit", "resource_limit", "policy_violation", "system_error");
    private static final Pattern TOKEN = Pattern.compile("(?m)^ ?ESCAPED:([A-Z]+)");
    private static final Map<String, Exposure> TOKENS = Map.of(
            "FILE", Exposure.FILES_OF_THE_FUNCTION_UID, "SOCK", Exposure.HOST_SOCKETS_OF_THE_FUNCTION_UID,
            "NET", Exposure.RUNTIME_API_ADDRESS, "WRITE", Exposure.HOST_WRITABLE_DIRECTORY,
            "PROC", Exposure.PROCESSES_OF_THE_FUNCTION_UID, "PRIV", Exposure.FUNCTION_UID_PRIVILEGES,
            "LEAK", Exposure.SHARED_HOST_BETWEEN_EXECUTIONS, "BYPASS", Exposure.SANITISER_AND_GUARD_BYPASSED);
    /** Attacks whose success as root would harm this host (and that Lambda's unprivileged uid bounds anyway). */
    private static final Set<String> UNSAFE_AS_ROOT = Set.of("res-shell-fork-bomb");
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private static final List<Path> PLANT_DIRS = List.of(Path.of("/tmp"), Path.of("/dev/shm"), Path.of("/var/tmp"),
            Path.of(System.getProperty("user.home")));

    /** What one attack did on one path. */
    static final class Observation {
        final Attack attack;
        final PathUnderTest path;
        final String mark;
        final Set<Exposure> exposures = EnumSet.noneOf(Exposure.class);
        final List<String> evidence = new ArrayList<>();
        String outcome = "?";
        long millis;
        String skipped;

        Observation(Attack attack, PathUnderTest path, String mark) {
            this.attack = attack;
            this.path = path;
            this.mark = mark;
        }

        void expose(Exposure exposure, String why) {
            exposures.add(exposure);
            evidence.add(exposure + ": " + why);
        }

        Verdict verdict() {
            if (skipped != null) {
                return Verdict.SKIPPED;
            }
            if (exposures.isEmpty()) {
                return Verdict.CONTAINED;
            }
            if (path == PathUnderTest.LAMBDA_LIKE && exposures.stream().allMatch(e -> e.documentedForLambda)
                    && attack.lambdaLike().containsAll(exposures)) {
                return Verdict.EXPOSED_AS_DOCUMENTED;
            }
            return Verdict.FAILED;
        }
    }

    @TestFactory
    Stream<DynamicNode> corpus() throws Exception {
        List<Attack> attacks = AttackCorpus.all();
        assertTrue(attacks.size() >= 80, "the corpus holds at least 80 attacks: " + attacks.size());
        assertEquals(attacks.size(), attacks.stream().map(Attack::id).distinct().count(), "attack ids are unique");
        String only = System.getProperty("corpus.only", "");
        Predicate<Attack> selected = only.isBlank() ? a -> true
                : a -> Arrays.stream(only.split(",")).anyMatch(p -> a.id().startsWith(p.trim()));
        List<Attack> chosen = attacks.stream().filter(selected).toList();

        List<Observation> observations = new ArrayList<>();
        List<HostCanaries.Hit> unattributed = new ArrayList<>();
        long started = System.nanoTime();
        try (HostCanaries canaries = new HostCanaries()) {
            Map<PathUnderTest, SandboxRuntime> runtimes = new EnumMap<>(PathUnderTest.class);
            ExecutorService paths = Executors.newFixedThreadPool(PathUnderTest.values().length);
            try {
                for (PathUnderTest path : PathUnderTest.values()) {
                    runtimes.put(path, runtime(path));
                }
                List<Future<List<Observation>>> running = new ArrayList<>();
                for (PathUnderTest path : PathUnderTest.values()) {
                    running.add(paths.submit(() -> runPath(path, runtimes.get(path), chosen, canaries)));
                }
                for (Future<List<Observation>> f : running) {
                    observations.addAll(f.get(15, TimeUnit.MINUTES));
                }
            } finally {
                paths.shutdownNow();
                runtimes.values().forEach(SandboxRuntime::close);
            }
            Thread.sleep(1_500); // listeners read each connection's first line with a 1 s timeout
            Map<String, Observation> byMark = new ConcurrentHashMap<>();
            observations.forEach(o -> byMark.put(o.mark, o));
            for (HostCanaries.Hit hit : canaries.allHits()) {
                Observation owner = byMark.entrySet().stream().filter(e -> hit.line().contains(e.getKey()))
                        .map(Map.Entry::getValue).findFirst().orElse(null);
                if (owner == null) {
                    unattributed.add(hit);
                } else {
                    owner.expose(hit.listener().equals("unix") || hit.listener().equals("abstract")
                            ? Exposure.HOST_SOCKETS_OF_THE_FUNCTION_UID : Exposure.RUNTIME_API_ADDRESS,
                            "connection at the " + hit.listener() + " listener");
                }
            }
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        if (only.isBlank()) {
            CorpusReport.write(observations, attacks, seconds);
        }
        System.out.println(CorpusReport.summary(observations, seconds));

        List<DynamicNode> nodes = new ArrayList<>();
        nodes.add(DynamicTest.dynamicTest("no connection that no attack sent", () ->
                assertEquals(List.of(), unattributed, "connections at host listeners not attributable to an attack")));
        for (PathUnderTest path : PathUnderTest.values()) {
            List<DynamicNode> categories = new ArrayList<>();
            for (Category category : Category.values()) {
                List<DynamicTest> tests = observations.stream()
                        .filter(o -> o.path == path && o.attack.category() == category)
                        .map(o -> DynamicTest.dynamicTest(o.attack.id(), () -> judge(o))).toList();
                if (!tests.isEmpty()) {
                    categories.add(DynamicContainer.dynamicContainer(category.title, tests));
                }
            }
            nodes.add(DynamicContainer.dynamicContainer(path.name(), categories));
        }
        return nodes.stream();
    }

    private static void judge(Observation o) {
        org.junit.jupiter.api.Assumptions.assumeTrue(o.skipped == null, o.skipped);
        if (o.verdict() == Verdict.FAILED) {
            fail(o.path + " " + o.attack.id() + " (" + o.attack.description() + "): outcome " + o.outcome
                    + "; reached " + o.exposures + "; documented for a Lambda-like host: " + o.attack.lambdaLike()
                    + "\n  " + String.join("\n  ", o.evidence));
        }
    }

    static SandboxRuntime runtime(PathUnderTest path) {
        return LocalPaths.runtime(path.env);
    }

    private static List<Observation> runPath(PathUnderTest path, SandboxRuntime runtime, List<Attack> attacks,
                                             HostCanaries canaries) throws Exception {
        Invocations api = new Invocations(runtime);
        Invocations peerApi = new Invocations(runtime);
        List<Observation> done = new ArrayList<>();
        Process victim = HostCanaries.victim(path.name().toLowerCase() + "-" + UUID.randomUUID());
        try {
            for (Attack attack : attacks) {
                Observation o = new Observation(attack, path, "isbm" + UUID.randomUUID().toString().substring(0, 13));
                long t0 = System.nanoTime();
                if (path == PathUnderTest.LAMBDA_LIKE && ROOT && UNSAFE_AS_ROOT.contains(attack.id())) {
                    o.skipped = "the Lambda-like path runs as the handler's uid, root here: root is exempt from "
                            + "RLIMIT_NPROC, so this attack would load the whole host (Lambda's uid is not root)";
                    done.add(o);
                    continue;
                }
                try {
                    attack(api, peerApi, o, canaries, victim.pid());
                } catch (RuntimeException e) {
                    o.expose(Exposure.UNSTRUCTURED_RESULT, "the handler threw " + e);
                }
                if (!HostCanaries.healthy(victim)) {
                    o.expose(Exposure.PROCESSES_OF_THE_FUNCTION_UID, "the victim process was killed or stopped");
                    victim.destroyForcibly();
                    victim = HostCanaries.victim(path.name().toLowerCase() + "-" + UUID.randomUUID());
                }
                JsonNode probe = post(api, path, "print(6 * 7)", "standard", 10).body();
                if (!"ok".equals(probe.path("outcome").asText()) || !"42\n".equals(probe.path("stdout").asText())) {
                    o.expose(Exposure.NEXT_EXECUTION_AFFECTED, "the next execution answered " + brief(probe));
                }
                o.millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                done.add(o);
            }
        } finally {
            victim.destroyForcibly();
        }
        return done;
    }

    private static void attack(Invocations api, Invocations peerApi, Observation o, HostCanaries canaries,
                               long victimPid) throws Exception {
        Attack a = o.attack;
        Map<String, String> values = new LinkedHashMap<>();
        values.put("{MARKHEX}", java.util.HexFormat.of().formatHex(o.mark.getBytes()));
        values.put("{MARK}", o.mark);
        values.put("{VICTIMTAG}", "isb-victim-" + o.path.name().toLowerCase());
        values.put("{SECRET}", canaries.secretFile.toString());
        values.put("{WDIR}", canaries.writableDir.toString());
        values.put("{JVM}", Long.toString(ProcessHandle.current().pid()));
        values.put("{VICTIM}", Long.toString(victimPid));
        values.put("{PORT2}", Integer.toString(canaries.anyInterfacePort()));
        values.put("{PORT}", HostCanaries.RUNTIME_API_PORT);
        values.put("{UDP}", Integer.toString(canaries.udpPort()));
        values.put("{GATEWAY}", HostCanaries.GATEWAY);
        values.put("{HOME}", System.getProperty("user.home"));
        // a root-only file of this attack alone (paths run in parallel: the shared secret must not change mode)
        Path own = canaries.canaryDir.resolve(o.mark + ".secret");
        Files.writeString(own, canaries.fileCanary);
        Files.setPosixFilePermissions(own, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        values.put("{OWNFILE}", own.toString());
        values.put("{UNIX}", canaries.unixSocket.toString());
        values.put("{ABSTRACT}", canaries.abstractName);

        CompletableFuture<Invocations.HttpAnswer> peer = a.peer() == null ? null : CompletableFuture.supplyAsync(
                () -> post(peerApi, o.path, fill(a.peer(), values), "permissive", 20));
        Invocations.HttpAnswer answer = post(api, o.path, fill(a.code(), values), a.policy(), a.timeoutSeconds());
        JsonNode result = answer.body();
        o.outcome = result.path("outcome").asText("?");
        checkStructured(api, o, answer);
        if (!a.outcomes().isEmpty() && !a.outcomes().contains(o.outcome)) {
            o.expose(Exposure.UNEXPECTED_OUTCOME, "outcome " + o.outcome + ", expected one of " + a.outcomes()
                    + ": " + brief(result));
        }
        scan(o, result, canaries, "attack");
        if (peer != null) {
            JsonNode peerResult = peer.get(60, TimeUnit.SECONDS).body();
            String out = peerResult.path("stdout").asText();
            if (!"ok".equals(peerResult.path("outcome").asText()) || !out.contains("peer done")
                    || out.contains("-9")) {
                o.expose(Exposure.PROCESSES_OF_THE_FUNCTION_UID, "the concurrent execution was disturbed: "
                        + brief(peerResult));
            }
        }
        if (a.followUp() != null) {
            JsonNode next = post(api, o.path, fill(a.followUp(), values), "permissive", 10).body();
            scan(o, next, canaries, "follow-up");
        }
        hostSide(o, canaries);
    }

    private static void checkStructured(Invocations api, Observation o, Invocations.HttpAnswer answer) {
        JsonNode r = answer.body();
        String id = r.path("executionId").asText("");
        boolean structured = (answer.status() == 200 || answer.status() == 500) && OUTCOMES.contains(o.outcome)
                && id.matches("[0-9a-f-]{36}") && Set.of("SUCCEEDED", "FAILED", "REJECTED").contains(
                r.path("status").asText()) && (answer.status() == 200) != "system_error".equals(o.outcome);
        if (!structured) {
            o.expose(Exposure.UNSTRUCTURED_RESULT, "HTTP " + answer.status() + " " + brief(r));
            return;
        }
        Invocations.HttpAnswer stored = api.get(id);
        if (stored.status() != 200 || !stored.body().path("outcome").equals(r.path("outcome"))
                || !stored.body().path("stdout").equals(r.path("stdout"))
                || !stored.body().path("exitCode").equals(r.path("exitCode"))) {
            o.expose(Exposure.STORED_RESULT_DIFFERS, "GET answered " + stored.status() + " " + brief(stored.body()));
        }
    }

    /** Canaries and tokens in what the user sees. */
    private static void scan(Observation o, JsonNode result, HostCanaries canaries, String which) {
        String seen = result.path("stdout").asText() + "\n" + result.path("stderr").asText();
        if (seen.contains(HostCanaries.CREDENTIAL_CANARY) || seen.contains(HostCanaries.KEY_CANARY)) {
            o.expose(Exposure.HANDLER_ENVIRONMENT, which + " output holds the handler's credential canary");
        }
        if (seen.contains(canaries.fileCanary)) {
            o.expose(Exposure.FILES_OF_THE_FUNCTION_UID, which + " output holds the root-only file's canary");
        }
        Matcher m = TOKEN.matcher(seen);
        while (m.find()) {
            Exposure e = TOKENS.get(m.group(1));
            if (e != null) {
                int end = seen.indexOf('\n', m.start() + 1);
                o.expose(e, which + " printed " + seen.substring(m.start(), end < 0 ? seen.length() : end).strip());
            }
        }
    }

    /** Processes carrying the mark, planted files, the secret file's mode. */
    private static void hostSide(Observation o, HostCanaries canaries) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 3_000;
        List<Long> alive;
        do {
            alive = processesWith(o.mark);
            if (!alive.isEmpty()) {
                Thread.sleep(100);
            }
        } while (!alive.isEmpty() && System.currentTimeMillis() < deadline);
        if (!alive.isEmpty()) {
            o.expose(Exposure.PROCESS_SURVIVED, alive.size() + " process(es) of the execution alive 3 s after it ended");
            alive.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
        List<Path> dirs = new ArrayList<>(PLANT_DIRS);
        dirs.add(canaries.writableDir);
        for (Path dir : dirs) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(p -> p.getFileName().toString().contains(o.mark)).toList()) {
                    o.expose(Exposure.HOST_WRITABLE_DIRECTORY, "planted " + p);
                    Files.deleteIfExists(p);
                }
            }
        }
        Path own = canaries.canaryDir.resolve(o.mark + ".secret");
        if (!java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(own))
                .equals("rw-------")) {
            o.expose(Exposure.HOST_WRITABLE_DIRECTORY, "a root-only host file's mode was changed");
        }
        Files.deleteIfExists(own);
        if (canaries.restoreSecretMode()) {
            o.expose(Exposure.HOST_WRITABLE_DIRECTORY, "the secret file's mode was changed");
        }
    }

    static List<Long> processesWith(String mark) throws IOException {
        List<Long> found = new ArrayList<>();
        byte[] needle = mark.getBytes();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    byte[] cmd = Files.readAllBytes(p.resolve("cmdline"));
                    if (indexOf(cmd, needle) >= 0) {
                        found.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException ignored) {
                    // gone
                }
            }
        }
        return found;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static Invocations.HttpAnswer post(Invocations api, PathUnderTest path, String code, String policy, int timeout) {
        ObjectNode request = Invocations.request(code, path.mode).put("policy", policy).put("timeoutSeconds", timeout);
        return api.post(request);
    }

    private static String fill(String code, Map<String, String> values) {
        String filled = code;
        for (Map.Entry<String, String> e : values.entrySet()) {
            filled = filled.replace(e.getKey(), e.getValue());
        }
        return filled;
    }

    static String brief(JsonNode r) {
        String text = r.toString();
        return text.length() > 600 ? text.substring(0, 600) + "…" : text;
    }

    /** Writes docs/security-corpus-results.md and the generated section of docs/security.md. */
    static final class CorpusReport {
        static final String BEGIN = "<!-- corpus-results:begin (generated by AdversarialCorpusTest) -->";
        static final String END = "<!-- corpus-results:end -->";

        static String summary(List<Observation> observations, long seconds) {
            StringBuilder s = new StringBuilder();
            s.append("| category | attacks | ");
            for (PathUnderTest p : PathUnderTest.values()) {
                s.append(p.name()).append(" (contained / exposed as documented / failed / skipped) | ");
            }
            s.append("\n|---|---|---|---|---|\n");
            int[][] totals = new int[PathUnderTest.values().length][4];
            int attacks = 0;
            for (Category c : Category.values()) {
                Set<String> ids = new HashSet<>();
                StringBuilder row = new StringBuilder();
                for (PathUnderTest p : PathUnderTest.values()) {
                    int[] n = new int[4];
                    observations.stream().filter(o -> o.path == p && o.attack.category() == c).forEach(o -> {
                        n[o.verdict().ordinal()]++;
                        ids.add(o.attack.id());
                    });
                    for (int i = 0; i < 4; i++) {
                        totals[p.ordinal()][i] += n[i];
                    }
                    row.append(n[0]).append(" / ").append(n[1]).append(" / ").append(n[2]).append(" / ").append(n[3])
                            .append(" | ");
                }
                if (!ids.isEmpty()) {
                    attacks += ids.size();
                    s.append("| ").append(c.title).append(" | ").append(ids.size()).append(" | ").append(row)
                            .append("\n");
                }
            }
            s.append("| **total** | **").append(attacks).append("** | ");
            for (int[] t : totals) {
                s.append("**").append(t[0]).append(" / ").append(t[1]).append(" / ").append(t[2]).append(" / ")
                        .append(t[3]).append("** | ");
            }
            s.append("\n\n").append(observations.size()).append(" attack runs (plus a probe execution after each, ")
                    .append("follow-ups and concurrent peers) in ").append(seconds).append(" s.\n");
            return s.toString();
        }

        static void write(List<Observation> observations, List<Attack> attacks, long seconds) throws IOException {
            Path docs = LocalStack.REPO.resolve("docs");
            Files.createDirectories(docs);
            String summary = summary(observations, seconds);
            StringBuilder md = new StringBuilder();
            md.append("# Adversarial corpus: results\n\n")
                    .append("Generated by `AdversarialCorpusTest` (functions/local, package `adversarial`) on ")
                    .append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(". Do not edit by hand; ")
                    .append("see [security.md](security.md) for the threat model and what the columns mean.\n\n")
                    .append("Paths: `FULL` = subprocess path with every layer this host allows; `LAMBDA_LIKE` = ")
                    .append("subprocess path with `SANDBOX_SUBPROCESS_DISABLE=namespaces,seccomp,uid` (as a Lambda ")
                    .append("host allows it; here the handler's uid is root, which is more than Lambda grants); ")
                    .append("`CONTAINER` = container path on the local Docker engine (warm pool).\n\n")
                    .append(summary).append("\n## Every attack\n\n")
                    .append("| id | category | policy | FULL | LAMBDA_LIKE | CONTAINER | what it tries |\n")
                    .append("|---|---|---|---|---|---|---|\n");
            for (Attack a : attacks) {
                md.append("| `").append(a.id()).append("` | ").append(a.category().title).append(" | ")
                        .append(a.policy()).append(" | ");
                for (PathUnderTest p : PathUnderTest.values()) {
                    Observation o = observations.stream().filter(x -> x.attack == a && x.path == p).findFirst()
                            .orElse(null);
                    if (o == null) {
                        md.append("– | ");
                        continue;
                    }
                    md.append(switch (o.verdict()) {
                        case CONTAINED -> "contained";
                        case EXPOSED_AS_DOCUMENTED -> "exposed as documented: " + exposureList(o.exposures);
                        case FAILED -> "**FAILED**: " + exposureList(o.exposures);
                        case SKIPPED -> "skipped: " + o.skipped;
                    }).append(" (`").append(o.outcome).append("`) | ");
                }
                md.append(a.description().replace("|", "\\|")).append(" |\n");
            }
            Files.writeString(docs.resolve("security-corpus-results.md"), md.toString());
            Path security = docs.resolve("security.md");
            if (Files.exists(security)) {
                String text = Files.readString(security);
                int b = text.indexOf(BEGIN);
                int e = text.indexOf(END);
                if (b >= 0 && e > b) {
                    Files.writeString(security, text.substring(0, b + BEGIN.length()) + "\n\n" + summary + "\n"
                            + text.substring(e));
                }
            }
        }

        private static String exposureList(Set<Exposure> exposures) {
            return String.join(", ", exposures.stream().map(e -> e.name().toLowerCase().replace('_', '-')).toList());
        }
    }
}
