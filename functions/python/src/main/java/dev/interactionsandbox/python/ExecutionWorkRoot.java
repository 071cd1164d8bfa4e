package dev.interactionsandbox.python;

import dev.interactionsandbox.core.error.ExecutorUnavailableException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A directory of one execution's own, under the configured work root, inside which the runner makes the private
 * work directory. The JVM removes it after the run whatever happened to the runner: a supervisor killed from outside
 * cannot wipe its work directory, so the user's files would otherwise stay behind. Its name carries the JVM's pid,
 * so that {@link #sweep} can remove what a JVM that died mid-execution left, and nothing of a live one.
 */
final class ExecutionWorkRoot implements AutoCloseable {
    private static final String PREFIX = "isb-run-";
    private static final Pattern OWNED = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-.*");

    private final Path path;

    private ExecutionWorkRoot(Path path) {
        this.path = path;
    }

    /** Mode 0711: the execution's uid may pass through to its own work directory, never list or write here. */
    static ExecutionWorkRoot create(Path workRoot, String executionId) {
        try {
            Path dir = Files.createTempDirectory(workRoot, PREFIX + ProcessHandle.current().pid() + "-" + executionId + "-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            return new ExecutionWorkRoot(dir);
        } catch (IOException e) {
            throw new ExecutorUnavailableException("cannot make a work directory under " + workRoot + ": "
                    + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    /** Removes the execution directories of JVMs that are gone (killed mid-execution); returns how many. */
    static int sweep(Path workRoot) {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(workRoot, PREFIX + "*")) {
            for (Path entry : entries) {
                Matcher owner = OWNED.matcher(entry.getFileName().toString());
                if (owner.matches() && ProcessHandle.of(Long.parseLong(owner.group(1))).isEmpty()) {
                    new ExecutionWorkRoot(entry).close();
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Best effort: a sweep that cannot read the work root leaves it to the next start.
        }
        return removed;
    }

    /** Removes everything below, making directories writable first (code may have taken its own rights away). */
    @Override
    public void close() {
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    dir.toFile().setWritable(true, true);
                    dir.toFile().setExecutable(true, true);
                    dir.toFile().setReadable(true, true);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Best effort: the leftover check of the test suite and the runner's own cleanup catch the rest.
        }
    }
}
