package dev.interactionsandbox.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Owns the warm fork server of the subprocess path ({@code sandbox_runner.serve()}): one Python process started
 * before any user code, with an empty environment, that forks a fresh supervisor per job; every restriction is
 * applied in the supervisor's child before user code runs, exactly as in a runner process of its own. The server
 * never runs user code and keeps no state of an execution.
 *
 * <p>Replaced whenever it is in doubt: when it dies, answers something that is not a well-formed answer to a job
 * it was given, or a job overruns its deadline plus grace. Replacing kills its whole process tree (every
 * supervisor and whatever they started); the jobs it held end as {@code system_error} — they may have started, so
 * they are not run a second time. A job that provably never reached a server (the write of its line failed) is
 * retried once on a fresh one. A server is also retired after {@link #MAX_JOBS_PER_WORKER} jobs, so that the
 * address-space layout and hash seed that forked children share with it do not live forever.
 *
 * <p>Used only where the code cannot reach the server: the code runs under a dedicated uid (root host with the
 * uid layer), or the server could make itself non-dumpable (same uid, but its {@code /proc} entries and ptrace
 * are closed to the code). Otherwise {@link #usable()} turns false and the caller spawns a runner per execution.
 */
public final class WarmRunner implements AutoCloseable {
    static final int MAX_JOBS_PER_WORKER = 1000;
    private static final long READY_TIMEOUT_MS = 10_000;
    private static final int LINE_CAP = 64 * 1024 * 1024;
    private static final int DIAGNOSTICS_CAP = 8 * 1024;

    private final SubprocessSettings settings;
    private final RunnerDirectory programs;
    private final ObjectMapper json;
    private Worker current;
    private CompletableFuture<Worker> starting;
    private volatile String unusableReason;
    private boolean closed;

    public WarmRunner(SubprocessSettings settings, RunnerDirectory programs, ObjectMapper json) {
        this.settings = settings;
        this.programs = programs;
        this.json = json;
    }

    /** Starts a server in the background, so that the first execution finds it ready. */
    public void prestart() {
        Thread.startVirtualThread(() -> {
            try {
                worker();
            } catch (WorkerException e) {
                // The first execution will try again or spawn.
            }
        });
    }

    /** False once this host turned out not to keep the server out of the code's reach; then spawn instead. */
    public boolean usable() {
        return unusableReason == null;
    }

    public String unusableReason() {
        return unusableReason;
    }

    /**
     * Runs one runner job document and returns the runner's result document.
     *
     * @throws WorkerException when the job never reached a server (the caller may spawn a runner instead)
     * @throws WorkerFailedException when the server failed while holding the job (the job may have started)
     */
    public JsonNode run(ObjectNode runnerJob, long deadlineMs) throws InterruptedException {
        String id = UUID.randomUUID().toString();
        byte[] line;
        try {
            ObjectNode doc = json.createObjectNode();
            doc.put("id", id);
            doc.set("job", runnerJob);
            line = json.writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new WorkerException("cannot encode the job: " + e.getMessage());
        }
        CompletableFuture<JsonNode> answer = null;
        Worker worker = null;
        for (int attempt = 0; attempt < 2 && answer == null; attempt++) {
            worker = worker();
            try {
                answer = worker.submit(id, line);
            } catch (IOException e) {
                replace(worker, "the job could not be handed over: " + e.getMessage());
                if (attempt == 1) {
                    throw new WorkerException("the warm runner did not take the job: " + e.getMessage());
                }
            }
        }
        try {
            return answer.get(deadlineMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            replace(worker, "a job overran its deadline of " + deadlineMs + " ms");
            throw new WorkerFailedException("the warm runner did not answer within " + deadlineMs + " ms");
        } catch (ExecutionException e) {
            throw new WorkerFailedException(e.getCause().getMessage());
        } finally {
            worker.pending.remove(id);
        }
    }

    private Worker worker() {
        CompletableFuture<Worker> wait;
        synchronized (this) {
            if (closed) {
                throw new WorkerException("the warm runner is closed");
            }
            if (unusableReason != null) {
                throw new WorkerException(unusableReason);
            }
            if (current != null && current.alive()) {
                if (current.jobs.get() < MAX_JOBS_PER_WORKER) {
                    return current;
                }
                current.retire();
                current = null;
            }
            if (starting == null) {
                CompletableFuture<Worker> started = new CompletableFuture<>();
                starting = started;
                Thread.startVirtualThread(() -> {
                    try {
                        started.complete(startWorker());
                    } catch (RuntimeException e) {
                        started.completeExceptionally(e);
                    }
                });
            }
            wait = starting;
        }
        try {
            Worker started = wait.get(READY_TIMEOUT_MS + 1000, TimeUnit.MILLISECONDS);
            synchronized (this) {
                if (starting == wait) {
                    starting = null;
                    current = started;
                }
                if (closed) {
                    started.kill("closed");
                    throw new WorkerException("the warm runner is closed");
                }
            }
            return started;
        } catch (ExecutionException e) {
            synchronized (this) {
                if (starting == wait) {
                    starting = null;
                }
            }
            throw e.getCause() instanceof WorkerException w ? w : new WorkerException(e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new WorkerException("the warm runner did not start in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkerException("interrupted while starting the warm runner");
        }
    }

    private Worker startWorker() {
        ProcessBuilder builder = new ProcessBuilder(programs.serverCommand(settings.python()));
        builder.environment().clear();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new WorkerException("cannot start the warm runner: " + e.getMessage());
        }
        Worker worker = new Worker(process);
        JsonNode ready;
        try {
            CompletableFuture<byte[]> first = CompletableFuture.supplyAsync(() -> worker.readLine(),
                    Thread::startVirtualThread);
            byte[] line = first.get(READY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            ready = line == null ? null : json.readTree(line);
        } catch (IOException | ExecutionException | TimeoutException e) {
            ready = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ready = null;
        }
        if (ready == null || !"ready".equals(ready.path("t").asText())) {
            worker.kill("no ready line");
            throw new WorkerException("the warm runner did not start: " + worker.diagnostics());
        }
        boolean root = ready.path("root").asBoolean(false);
        boolean separateUid = root && !settings.disabledLayers().contains("uid");
        if (!separateUid && (root || !ready.path("nonDumpable").asBoolean(false))) {
            worker.kill("out of the code's reach not guaranteed");
            unusableReason = root ? "the code would run as root next to the warm runner (uid layer off)"
                    : "the warm runner cannot make itself non-dumpable on this host";
            throw new WorkerException(unusableReason);
        }
        worker.startReading();
        return worker;
    }

    /** Kills {@code worker}'s whole tree (if it is still the current one, the next job starts a fresh one). */
    private void replace(Worker worker, String reason) {
        synchronized (this) {
            if (current == worker) {
                current = null;
            }
        }
        worker.kill(reason);
    }

    /** The process id of the current server, if one runs (benchmarks and tests). */
    public synchronized java.util.OptionalLong pid() {
        return current != null && current.alive() ? java.util.OptionalLong.of(current.process.pid())
                : java.util.OptionalLong.empty();
    }

    @Override
    public void close() {
        Worker last;
        synchronized (this) {
            closed = true;
            last = current;
            current = null;
        }
        if (last != null) {
            last.kill("closed");
        }
    }

    /** One server process and the jobs it holds. */
    private final class Worker {
        final Process process;
        final InputStream answers;
        final OutputStream jobsIn;
        final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        final java.util.concurrent.atomic.AtomicInteger jobs = new java.util.concurrent.atomic.AtomicInteger();
        final ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        volatile String failure;

        Worker(Process process) {
            this.process = process;
            this.answers = new java.io.BufferedInputStream(process.getInputStream(), 64 * 1024);
            this.jobsIn = process.getOutputStream();
            Thread.startVirtualThread(this::drainDiagnostics);
        }

        boolean alive() {
            return failure == null && process.isAlive();
        }

        CompletableFuture<JsonNode> submit(String id, byte[] line) throws IOException {
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            pending.put(id, answer);
            jobs.incrementAndGet();
            try {
                synchronized (jobsIn) {
                    jobsIn.write(line);
                    jobsIn.write('\n');
                    jobsIn.flush();
                }
            } catch (IOException e) {
                pending.remove(id);
                throw e;
            }
            if (failure != null) {
                // Died between the write and now: whether the job started is unknown.
                answer.completeExceptionally(new WorkerFailedException(failure));
            }
            return answer;
        }

        void startReading() {
            Thread.startVirtualThread(this::readAnswers);
        }

        private void readAnswers() {
            String reason = "the warm runner ended";
            for (byte[] line = readLine(); line != null; line = readLine()) {
                JsonNode doc;
                try {
                    doc = json.readTree(line);
                } catch (IOException e) {
                    reason = "the warm runner answered something that is not JSON";
                    break;
                }
                String id = doc.path("id").isTextual() ? doc.path("id").textValue() : null;
                CompletableFuture<JsonNode> answer = id == null ? null : pending.remove(id);
                String type = doc.path("t").asText("");
                if (answer == null || !(type.equals("result") || type.equals("error"))) {
                    reason = "the warm runner answered a job it was not given";
                    break;
                }
                if (type.equals("result") && doc.path("result").isObject()) {
                    answer.complete(doc.path("result"));
                } else {
                    answer.completeExceptionally(new WorkerFailedException("the warm runner could not run the"
                            + " job: " + doc.path("detail").asText("no detail")));
                }
            }
            if (failure != null && reason.equals("the warm runner ended")) {
                reason = "reading the warm runner failed: " + failure;
            }
            replace(this, reason);
        }

        /** One answer line without its newline, or null at the end; a line over the cap is garbage. */
        byte[] readLine() {
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            try {
                int b;
                while ((b = answers.read()) >= 0) {
                    if (b == '\n') {
                        return line.toByteArray();
                    }
                    if (line.size() >= LINE_CAP) {
                        throw new IOException("answer line over " + LINE_CAP + " bytes");
                    }
                    line.write(b);
                }
            } catch (IOException e) {
                failure = failure == null ? e.getMessage() : failure;
            }
            return null;
        }

        void retire() {
            try {
                synchronized (jobsIn) {
                    jobsIn.close();
                }
            } catch (IOException e) {
                kill("retiring failed");
            }
        }

        void kill(String reason) {
            if (failure == null) {
                failure = "the warm runner was replaced: " + reason;
            }
            List<ProcessHandle> tree = process.descendants().toList();
            process.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
            // Whatever the tree started after the snapshot is gone with it: supervisors die with the server
            // (parent-death signal), their children with them, and a uid slot is swept before its next use.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            for (CompletableFuture<JsonNode> answer : pending.values()) {
                answer.completeExceptionally(new WorkerFailedException(failure));
            }
            pending.clear();
            try {
                jobsIn.close();
            } catch (IOException e) {
                // already gone
            }
        }

        String diagnostics() {
            synchronized (diagnostics) {
                String text = diagnostics.toString(StandardCharsets.UTF_8).strip();
                int cut = text.lastIndexOf('\n');
                return text.isEmpty() ? "no diagnostics" : cut < 0 ? text : text.substring(cut + 1);
            }
        }

        private void drainDiagnostics() {
            byte[] buffer = new byte[4096];
            try (InputStream err = process.getErrorStream()) {
                int n;
                while ((n = err.read(buffer)) >= 0) {
                    synchronized (diagnostics) {
                        if (diagnostics.size() > DIAGNOSTICS_CAP) {
                            diagnostics.reset();
                        }
                        diagnostics.write(buffer, 0, n);
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        }
    }

    /** The job never reached a server: nothing ran. */
    public static class WorkerException extends RuntimeException {
        WorkerException(String message) {
            super(message, null, false, false);
        }
    }

    /** The server failed while it held the job: the job may have started. */
    public static final class WorkerFailedException extends WorkerException {
        WorkerFailedException(String message) {
            super(message);
        }
    }
}
