package dev.interactionsandbox.python;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interactionsandbox.core.error.SanitizerUnavailableException;
import dev.interactionsandbox.core.model.ExceptionInfo;
import dev.interactionsandbox.core.model.Finding;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.model.SanitizerReport;
import dev.interactionsandbox.core.port.CodeSanitizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link CodeSanitizer} backed by one long-lived {@code code_analyzer.py --serve} process (Python's own {@code ast}
 * module judges the code). Requests are serialised: an analysis takes milliseconds. The analyser runs isolated
 * ({@code -I -S -B}) with an empty environment; its stderr is drained and only a bounded tail kept for diagnostics.
 *
 * <p>Failure handling, always failing closed:
 * <ul>
 *   <li>no answer within the timeout: the process tree is killed (restarted on the next call) and the code is
 *       rejected with the blocking finding {@value #RULE_TIMEOUT};</li>
 *   <li>the process dies (killed from outside, crashed): one retry on a fresh process; if the same code kills it
 *       again it is rejected with {@value #RULE_UNANALYZABLE};</li>
 *   <li>the analyser cannot be started, or answers garbage twice: {@link SanitizerUnavailableException}.</li>
 * </ul>
 */
public final class PythonCodeSanitizer implements CodeSanitizer, AutoCloseable {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);
    public static final String RULE_TIMEOUT = "analysis-timeout";
    public static final String RULE_UNANALYZABLE = "unanalyzable-code";

    /** Start-up (interpreter launch plus one probe analysis) may take longer than an analysis on a cold host. */
    private static final Duration MIN_START_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_ANSWER_CHARS = 8 * 1024 * 1024;
    private static final int STDERR_TAIL_BYTES = 2048;

    private final List<String> command;
    private final Path workingDirectory;
    private final Duration timeout;
    private final Duration startTimeout;
    private final ObjectMapper mapper = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    private final ReentrantLock lock = new ReentrantLock(true);

    // Guarded by lock.
    private AnalyzerProcess process;
    private long nextId = 1;
    private boolean closed;

    public PythonCodeSanitizer(Path python, Path analyzerScript, Duration timeout) {
        this(python.toString(), analyzerScript, timeout);
    }

    public PythonCodeSanitizer(String python, Path analyzerScript, Duration timeout) {
        Objects.requireNonNull(python, "python");
        Objects.requireNonNull(analyzerScript, "analyzerScript");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        Path script = analyzerScript.toAbsolutePath();
        this.command = List.of(python, "-I", "-S", "-B", script.toString(), "--serve");
        this.workingDirectory = script.getParent();
        this.timeout = timeout;
        this.startTimeout = timeout.compareTo(MIN_START_TIMEOUT) > 0 ? timeout : MIN_START_TIMEOUT;
    }

    public PythonCodeSanitizer(String python, Path analyzerScript) {
        this(python, analyzerScript, DEFAULT_TIMEOUT);
    }

    /** Starts the analyser now rather than on the first call (e.g. during a Lambda's init phase). */
    public void start() {
        lock.lock();
        try {
            ensureOpen();
            ensureStarted();
        } finally {
            lock.unlock();
        }
    }

    /**
     * As {@link #start()}, in the background: the interpreter boots while the caller goes on, and an analysis that
     * comes first waits for it. A failure is left to the first analysis, which starts the analyser again.
     */
    public void prestart() {
        Thread.startVirtualThread(() -> {
            try {
                start();
            } catch (SanitizerUnavailableException e) {
                // The first analysis tries again and reports it.
            }
        });
    }

    @Override
    public SanitizerReport analyze(String code, Policy policy) {
        Objects.requireNonNull(code, "code");
        Policy effective = policy == null ? Policy.STANDARD : policy;
        lock.lock();
        try {
            ensureOpen();
            String garbage = null;
            for (int attempt = 1; attempt <= 2; attempt++) {
                AnalyzerProcess analyzer = ensureStarted();
                long id = nextId++;
                Exchange exchange = analyzer.exchange(request(id, code, effective), timeout);
                switch (exchange.kind()) {
                    case ANSWER -> {
                        Optional<SanitizerReport> report = parse(exchange.line(), id);
                        if (report.isPresent()) {
                            return report.get();
                        }
                        garbage = abbreviate(exchange.line());
                        stop();
                    }
                    case TIMEOUT -> {
                        stop();
                        return reject(RULE_TIMEOUT, "the analysis did not finish within " + timeout.toMillis() + " ms");
                    }
                    case EOF -> {
                        stop();
                        if (attempt == 2) {
                            return reject(RULE_UNANALYZABLE, "the analyser stopped while analysing this code");
                        }
                    }
                }
            }
            throw new SanitizerUnavailableException("the code analyser answered garbage twice: " + garbage, null);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            stop();
        } finally {
            lock.unlock();
        }
    }

    /** The running analyser process, for tests that kill it from outside. */
    Optional<ProcessHandle> processHandle() {
        lock.lock();
        try {
            return process == null ? Optional.empty() : Optional.of(process.process.toHandle());
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new SanitizerUnavailableException("the code sanitiser is closed", null);
        }
    }

    private AnalyzerProcess ensureStarted() {
        if (process != null && process.process.isAlive()) {
            return process;
        }
        stop();
        AnalyzerProcess started;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE);
            builder.environment().clear();
            if (workingDirectory != null) {
                builder.directory(workingDirectory.toFile());
            }
            started = new AnalyzerProcess(builder.start());
        } catch (IOException | RuntimeException e) {
            throw new SanitizerUnavailableException("cannot start the code analyser: " + e.getMessage(), e);
        }
        // Probe: proves the interpreter and the script work before real code depends on them.
        Exchange probe = started.exchange(request(0, "", Policy.STANDARD), startTimeout);
        Optional<SanitizerReport> report = probe.kind() == Exchange.Kind.ANSWER ? parse(probe.line(), 0) : Optional.empty();
        if (report.isEmpty() || report.get().verdict() != SanitizerReport.Verdict.ALLOW) {
            String diagnostics = started.stderrTail();
            started.destroy();
            throw new SanitizerUnavailableException("the code analyser did not start (" + probe.kind() + ")"
                    + (diagnostics.isBlank() ? "" : ": " + diagnostics), null);
        }
        process = started;
        return started;
    }

    private void stop() {
        if (process != null) {
            process.destroy();
            process = null;
        }
    }

    private String request(long id, String code, Policy policy) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", id);
        node.put("code", code);
        node.put("policy", policy.wireName());
        try {
            return mapper.writeValueAsString(node);
        } catch (IOException e) {
            throw new SanitizerUnavailableException("cannot encode the analysis request", e);
        }
    }

    private Optional<SanitizerReport> parse(String line, long id) {
        try {
            JsonNode root = mapper.readTree(line);
            if (root == null || !root.isObject() || !root.path("id").canConvertToLong() || root.path("id").asLong() != id) {
                return Optional.empty();
            }
            SanitizerReport.Verdict verdict = switch (root.path("verdict").asText("")) {
                case "allow" -> SanitizerReport.Verdict.ALLOW;
                case "reject" -> SanitizerReport.Verdict.REJECT;
                case "syntax_error" -> SanitizerReport.Verdict.SYNTAX_ERROR;
                default -> null;
            };
            if (verdict == null) {
                return Optional.empty();
            }
            List<Finding> findings = new ArrayList<>();
            for (JsonNode f : root.path("findings")) {
                findings.add(new Finding(f.path("ruleId").asText("unknown"), f.path("message").asText(""),
                        f.path("line").asInt(1), f.path("column").asInt(1), f.path("blocking").asBoolean(true)));
            }
            // Fail closed: a reject without a blocking finding still rejects; an allow with one does not pass.
            if (verdict == SanitizerReport.Verdict.ALLOW && findings.stream().anyMatch(Finding::blocking)) {
                verdict = SanitizerReport.Verdict.REJECT;
            }
            ExceptionInfo syntaxError = null;
            JsonNode se = root.path("syntaxError");
            if (se.isObject()) {
                JsonNode seLine = se.path("line");
                syntaxError = new ExceptionInfo(se.path("type").asText("SyntaxError"), se.path("message").asText(""),
                        seLine.canConvertToInt() && !seLine.isNull() ? seLine.asInt() : null);
            } else if (verdict == SanitizerReport.Verdict.SYNTAX_ERROR) {
                syntaxError = new ExceptionInfo("SyntaxError", "", null);
            }
            return Optional.of(new SanitizerReport(verdict, findings, syntaxError));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static SanitizerReport reject(String ruleId, String message) {
        return new SanitizerReport(SanitizerReport.Verdict.REJECT, List.of(new Finding(ruleId, message, 1, 1, true)),
                null);
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }

    private record Exchange(Kind kind, String line) {
        enum Kind { ANSWER, TIMEOUT, EOF }
    }

    /** One analyser process with its reader threads. */
    private static final class AnalyzerProcess {
        private static final Object EOF = new Object();

        final Process process;
        private final BlockingQueue<Object> lines = new LinkedBlockingQueue<>();
        private final byte[] stderrTail = new byte[STDERR_TAIL_BYTES];
        private int stderrLength;

        AnalyzerProcess(Process process) {
            this.process = process;
            Thread.ofVirtual().name("code-analyzer-stdout").start(this::readAnswers);
            Thread.ofVirtual().name("code-analyzer-stderr").start(this::drainStderr);
        }

        /** Writes one request line (from a separate thread, so a stuck analyser cannot block us) and awaits one line. */
        Exchange exchange(String requestJson, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] payload = (requestJson + "\n").getBytes(StandardCharsets.US_ASCII);
            Thread.ofVirtual().name("code-analyzer-stdin").start(() -> {
                try {
                    OutputStream out = process.getOutputStream();
                    out.write(payload);
                    out.flush();
                } catch (IOException e) {
                    // the process died; the reader reports EOF
                }
            });
            try {
                Object line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    return new Exchange(Exchange.Kind.TIMEOUT, null);
                }
                if (line == EOF) {
                    return new Exchange(Exchange.Kind.EOF, null);
                }
                return new Exchange(Exchange.Kind.ANSWER, (String) line);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                destroy();
                throw new SanitizerUnavailableException("interrupted while waiting for the code analyser", e);
            }
        }

        private void readAnswers() {
            try (Reader reader = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
                StringBuilder line = new StringBuilder();
                int c;
                while ((c = reader.read()) >= 0) {
                    if (c == '\n') {
                        lines.add(line.toString());
                        line.setLength(0);
                    } else if (line.length() < MAX_ANSWER_CHARS) {
                        line.append((char) c);
                    } else {
                        lines.add("<answer too long>");
                        line.setLength(0);
                        process.destroyForcibly();
                    }
                }
            } catch (IOException e) {
                // closed: treated as EOF
            } finally {
                lines.add(EOF);
            }
        }

        private void drainStderr() {
            byte[] buffer = new byte[4096];
            try (InputStream err = process.getErrorStream()) {
                int n;
                while ((n = err.read(buffer)) >= 0) {
                    synchronized (stderrTail) {
                        for (int i = 0; i < n; i++) {
                            stderrTail[stderrLength % STDERR_TAIL_BYTES] = buffer[i];
                            stderrLength++;
                        }
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }

        String stderrTail() {
            try {
                process.waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (stderrTail) {
                int length = Math.min(stderrLength, STDERR_TAIL_BYTES);
                byte[] out = new byte[length];
                int start = stderrLength - length;
                for (int i = 0; i < length; i++) {
                    out[i] = stderrTail[(start + i) % STDERR_TAIL_BYTES];
                }
                return new String(out, StandardCharsets.UTF_8).strip();
            }
        }

        void destroy() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
