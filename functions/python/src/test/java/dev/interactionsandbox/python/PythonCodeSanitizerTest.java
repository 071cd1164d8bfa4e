package dev.interactionsandbox.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interactionsandbox.core.error.SanitizerUnavailableException;
import dev.interactionsandbox.core.model.Finding;
import dev.interactionsandbox.core.model.Policy;
import dev.interactionsandbox.core.model.SanitizerReport;
import dev.interactionsandbox.core.model.SanitizerReport.Verdict;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Drives the real analyser (the copy packaged in this module) with the system Python. */
class PythonCodeSanitizerTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String PI = """
            import math
            from fractions import Fraction

            def leibniz(n):
                return 4 * sum((-1) ** k / (2 * k + 1) for k in range(n))

            estimate = leibniz(100_000)
            print(f"pi ~ {estimate:.6f} (error {abs(estimate - math.pi):.2e})")
            print(Fraction(355, 113))
            """;

    private static Path analyzer;
    private static PythonCodeSanitizer sanitizer;

    @BeforeAll
    static void startAnalyzer() {
        analyzer = RunnerDirectory.resolve(Optional.empty()).analyzer();
        sanitizer = new PythonCodeSanitizer(PYTHON, analyzer, PythonCodeSanitizer.DEFAULT_TIMEOUT);
        sanitizer.start();
    }

    @AfterAll
    static void stopAnalyzer() {
        sanitizer.close();
    }

    @Test
    void allowsOrdinaryCode() {
        SanitizerReport report = sanitizer.analyze(PI, Policy.STANDARD);
        assertEquals(Verdict.ALLOW, report.verdict(), report.toString());
        assertTrue(report.findings().isEmpty(), report.toString());

        String fileIo = """
                import json, os.path
                with open("data.json", "w", encoding="utf-8") as f:
                    json.dump({"héllo": "wörld ✓"}, f)
                print(os.path.exists("data.json"), open("data.json").read())
                """;
        assertEquals(Verdict.ALLOW, sanitizer.analyze(fileIo, Policy.STANDARD).verdict());
    }

    @Test
    void rejectsProcessCreationWithPosition() {
        SanitizerReport report = sanitizer.analyze("import os\nos.system('id')\n", Policy.STANDARD);
        assertEquals(Verdict.REJECT, report.verdict());
        Finding finding = report.findings().stream().filter(Finding::blocking).findFirst().orElseThrow();
        assertEquals("dangerous-member", finding.ruleId());
        assertEquals(2, finding.line());
        assertEquals(1, finding.column());

        SanitizerReport permissive = sanitizer.analyze("import os\nos.system('id')\n", Policy.PERMISSIVE);
        assertEquals(Verdict.ALLOW, permissive.verdict());
        assertFalse(permissive.findings().isEmpty());
    }

    @Test
    void reportsSyntaxErrorsWithLine() {
        SanitizerReport report = sanitizer.analyze("x = 1\nprint(x\n", Policy.STANDARD);
        assertEquals(Verdict.SYNTAX_ERROR, report.verdict());
        assertEquals("SyntaxError", report.syntaxError().type());
        assertEquals(2, report.syntaxError().line());
    }

    @Test
    void nulBytesAndLoneSurrogatesAreSyntaxErrors() {
        SanitizerReport nul = sanitizer.analyze("x = 1\ny = '\0'\n", Policy.STANDARD);
        assertEquals(Verdict.SYNTAX_ERROR, nul.verdict());
        assertEquals(2, nul.syntaxError().line());
        assertEquals(Verdict.SYNTAX_ERROR, sanitizer.analyze("x = '\uD800'\n", Policy.STANDARD).verdict());
    }

    @Test
    void deepNestingIsAnsweredQuickly() {
        List<String> hostile = List.of("(".repeat(100_000) + ")".repeat(100_000), "-".repeat(100_000) + "1",
                "x = " + "[".repeat(5_000) + "]".repeat(5_000), "x = " + "1 + ".repeat(5_000) + "1",
                "a" + ".b".repeat(50_000));
        for (String code : hostile) {
            long start = System.nanoTime();
            SanitizerReport report = sanitizer.analyze(code, Policy.STANDARD);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 2_000, "took " + millis + " ms");
            assertNotEquals(null, report.verdict());
        }
        // and the analyser still answers normally afterwards
        assertEquals(Verdict.ALLOW, sanitizer.analyze(PI, Policy.STANDARD).verdict());
    }

    @Test
    void restartsAfterTheAnalyzerIsKilled() throws Exception {
        sanitizer.analyze("print(1)", Policy.STANDARD);
        ProcessHandle first = sanitizer.processHandle().orElseThrow();
        first.destroyForcibly();
        first.onExit().get(5, TimeUnit.SECONDS);
        SanitizerReport report = sanitizer.analyze("import subprocess\n", Policy.STANDARD);
        assertEquals(Verdict.REJECT, report.verdict());
        assertEquals("dangerous-import", report.findings().get(0).ruleId());
        assertNotEquals(first.pid(), sanitizer.processHandle().orElseThrow().pid());
    }

    @Test
    void answersConcurrentCallsCorrectly() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    boolean evil = n % 2 == 0;
                    String code = evil ? "import socket  # " + n + "\n" : "print(" + n + ")\n";
                    SanitizerReport report = sanitizer.analyze(code, Policy.STANDARD);
                    return report.verdict() == (evil ? Verdict.REJECT : Verdict.ALLOW);
                }));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void slowAnalysisIsRejectedAsTimeoutAndRecovers() {
        try (PythonCodeSanitizer impatient = new PythonCodeSanitizer(PYTHON, analyzer, Duration.ofMillis(20))) {
            impatient.start();
            String big = "x = [" + "1, ".repeat(150_000) + "]\n"; // under the analyser's 512 KiB bound
            SanitizerReport report = impatient.analyze(big, Policy.STANDARD);
            assertEquals(Verdict.REJECT, report.verdict());
            assertEquals(PythonCodeSanitizer.RULE_TIMEOUT, report.findings().get(0).ruleId());
            assertTrue(report.findings().get(0).blocking());
        }
    }

    @Test
    void unavailableAnalyzerFailsClosed() {
        try (PythonCodeSanitizer missing = new PythonCodeSanitizer("/nonexistent/python3", analyzer,
                Duration.ofSeconds(1))) {
            assertThrows(SanitizerUnavailableException.class, () -> missing.analyze("print(1)", Policy.STANDARD));
        }
        try (PythonCodeSanitizer broken = new PythonCodeSanitizer(PYTHON, analyzer.resolveSibling("absent.py"),
                Duration.ofSeconds(1))) {
            assertThrows(SanitizerUnavailableException.class, broken::start);
        }
    }

    @Test
    void prestartedAnalyzerAnswersAndAFailedPrestartIsLeftToTheAnalysis() {
        try (PythonCodeSanitizer prestarted = new PythonCodeSanitizer(PYTHON, analyzer)) {
            prestarted.prestart();
            assertEquals(Verdict.ALLOW, prestarted.analyze("print(1)", Policy.STANDARD).verdict());
        }
        try (PythonCodeSanitizer missing = new PythonCodeSanitizer("/nonexistent/python3", analyzer,
                Duration.ofSeconds(1))) {
            missing.prestart();
            assertThrows(SanitizerUnavailableException.class, () -> missing.analyze("print(1)", Policy.STANDARD));
        }
    }

    @Test
    void closedSanitizerRefusesWork() {
        PythonCodeSanitizer closed = new PythonCodeSanitizer(PYTHON, analyzer);
        closed.close();
        assertThrows(SanitizerUnavailableException.class, () -> closed.analyze("print(1)", Policy.STANDARD));
    }
}
