package dev.interactionsandbox.python;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

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
        if (configured.isPresent()) {
            Path dir = configured.get();
            for (String program : PROGRAMS) {
                if (!Files.isRegularFile(dir.resolve(program))) {
                    throw new IllegalStateException("runner directory " + dir + " lacks " + program);
                }
            }
            return new RunnerDirectory(dir);
        }
        return new RunnerDirectory(extract());
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
