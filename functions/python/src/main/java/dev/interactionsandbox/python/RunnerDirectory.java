package dev.interactionsandbox.python;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Where the Python programs (runner and analyser) live. In the Lambda image they sit in a read-only, root-owned
 * directory named by configuration, so untrusted code (same uid there) cannot alter them for the next execution.
 * Elsewhere they are extracted once from the classpath into a private directory (0700).
 */
public final class RunnerDirectory {
    public static final String RUNNER = "sandbox_runner.py";
    public static final String ANALYZER = "code_analyzer.py";
    private static final List<String> PROGRAMS = List.of(RUNNER, ANALYZER);
    private static final String RESOURCE_PREFIX = "/interaction-sandbox/runner/";

    private final Path directory;

    private RunnerDirectory(Path directory) {
        this.directory = directory;
    }

    /** Uses the configured directory when given, otherwise extracts the packaged programs. */
    public static RunnerDirectory resolve(Optional<Path> configured) {
        return resolve(configured, Optional.empty());
    }

    /**
     * As {@link #resolve(Optional)}, and when extracting, byte-compiles the programs with {@code python} so that
     * each run imports them instead of compiling ~2,000 lines again (about 30 ms a run on the subprocess path).
     */
    public static RunnerDirectory resolve(Optional<Path> configured, Optional<Path> python) {
        if (configured.isPresent()) {
            Path dir = configured.get();
            for (String program : PROGRAMS) {
                if (!Files.isRegularFile(dir.resolve(program))) {
                    throw new IllegalStateException("runner directory " + dir + " lacks " + program);
                }
            }
            return new RunnerDirectory(dir);
        }
        RunnerDirectory extracted = new RunnerDirectory(extract());
        python.ifPresent(extracted::precompile);
        return extracted;
    }

    /** The command that runs the runner from its byte-compiled module: {@code python -I -S -B -c ...}. */
    public List<String> runnerCommand(Path python) {
        String dir = directory.toString().replace("\\", "\\\\").replace("'", "\\'");
        return List.of(python.toString(), "-I", "-S", "-B", "-c",
                "import sys; sys.path.insert(0, '" + dir + "'); import sandbox_runner; sys.exit(sandbox_runner.main())");
    }

    /** The command that starts the runner as a warm fork server ({@code sandbox_runner.serve()}). */
    public List<String> serverCommand(Path python) {
        String dir = directory.toString().replace("\\", "\\\\").replace("'", "\\'");
        return List.of(python.toString(), "-I", "-S", "-B", "-c",
                "import sys; sys.path.insert(0, '" + dir + "'); import sandbox_runner; sys.exit(sandbox_runner.serve())");
    }

    /**
     * Compiles in the background (nothing waits for it: a program started before it finished compiles itself once)
     * and removes the caches when the JVM exits, as the extracted programs are.
     */
    private void precompile(Path python) {
        Process compile;
        try {
            compile = new ProcessBuilder(python.toString(), "-I", "-S", "-m", "compileall", "-q",
                    directory.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            return; // Without byte code the programs still run, each run compiling them.
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> removeCaches(compile)));
    }

    private void removeCaches(Process compile) {
        try {
            if (!compile.waitFor(10, TimeUnit.SECONDS)) {
                compile.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var caches = Files.walk(directory.resolve("__pycache__"))) {
            caches.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // No caches (the compiler did not run), or they are gone already.
        }
    }

    public Path runner() {
        return directory.resolve(RUNNER);
    }

    public Path analyzer() {
        return directory.resolve(ANALYZER);
    }

    private static Path extract() {
        try {
            Path dir = Files.createTempDirectory("interaction-sandbox-runner-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            for (String program : PROGRAMS) {
                try (InputStream in = RunnerDirectory.class.getResourceAsStream(RESOURCE_PREFIX + program)) {
                    if (in == null) {
                        throw new IllegalStateException("packaged program missing: " + program);
                    }
                    Path target = dir.resolve(program);
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("r--------"));
                }
            }
            dir.toFile().deleteOnExit();
            for (String program : PROGRAMS) {
                dir.resolve(program).toFile().deleteOnExit();
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the Python programs", e);
        }
    }
}
