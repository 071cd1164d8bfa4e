package dev.interactionsandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The streams of one container's runner: stdout (the result document, capped) and stderr (diagnostics, capped) on
 * one attach; the job on a second, stdin-only attach that is closed once the job is written (see
 * {@link DockerContainerExecutor} for why two).
 */
final class RunnerSession implements Closeable {
    private final DockerClient client;
    private final String containerId;
    private final int stdoutCap;
    private final int stderrCap;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final CountDownLatch lineComplete = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean overflow;
    private volatile Throwable streamError;
    private final Output output = new Output();

    private final class Output extends ResultCallback.Adapter<Frame> {
        @Override
        public void onNext(Frame frame) {
            byte[] payload = frame.getPayload();
            if (payload == null) {
                return;
            }
            synchronized (RunnerSession.this) {
                if (frame.getStreamType() == StreamType.STDERR) {
                    stderr.write(payload, 0, Math.max(0, Math.min(payload.length, stderrCap - stderr.size())));
                    return;
                }
                int room = stdoutCap - stdout.size();
                if (payload.length > room) {
                    overflow = true;
                }
                stdout.write(payload, 0, Math.max(0, Math.min(payload.length, room)));
            }
            for (byte b : payload) {
                if (b == '\n') {
                    lineComplete.countDown();
                    break;
                }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            streamError = throwable;
            ended.countDown();
            lineComplete.countDown();
        }

        @Override
        public void onComplete() {
            ended.countDown();
            lineComplete.countDown();
        }
    }

    private RunnerSession(DockerClient client, String containerId, int stdoutCap, int stderrCap) {
        this.client = client;
        this.containerId = containerId;
        this.stdoutCap = stdoutCap;
        this.stderrCap = stderrCap;
    }

    /** Attaches to the container's stdout and stderr; the runner writes nothing before its job has arrived. */
    static RunnerSession open(DockerClient client, String containerId, int stdoutCap, int stderrCap,
                              Duration timeout) throws InterruptedException {
        RunnerSession session = new RunnerSession(client, containerId, stdoutCap, stderrCap);
        client.attachContainerCmd(containerId).withStdOut(true).withStdErr(true).withFollowStream(true)
                .exec(session.output);
        if (!session.output.awaitStarted(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            session.close();
            throw new IllegalStateException("attaching to container " + containerId + " timed out");
        }
        if (session.streamError != null) {
            session.close();
            throw new IllegalStateException("attaching to container " + containerId + " failed",
                    session.streamError);
        }
        return session;
    }

    /** Writes the job on a stdin-only attach and closes it, which ends the runner's input. */
    void handOver(byte[] job, Duration timeout) throws InterruptedException {
        CountDownLatch consumed = new CountDownLatch(1);
        ByteArrayInputStream in = new ByteArrayInputStream(job) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                int n = super.read(b, off, len);
                if (n < 0) {
                    consumed.countDown();   // every earlier chunk has been written to the socket
                }
                return n;
            }
        };
        ResultCallback.Adapter<Frame> input = client.attachContainerCmd(containerId).withStdIn(in)
                .withFollowStream(true).exec(new ResultCallback.Adapter<>());
        try {
            if (!consumed.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("writing the job to container " + containerId + " timed out");
            }
        } finally {
            closeQuietly(input);
        }
    }

    /** Waits until the runner's answer line is complete or its stdout ended; false on timeout. */
    boolean awaitAnswer(long timeoutNanos) throws InterruptedException {
        return lineComplete.await(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** Waits until the container's streams ended (the runner exited); false on timeout. */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized byte[] stdout() {
        return stdout.toByteArray();
    }

    synchronized String stderr() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    boolean overflow() {
        return overflow;
    }

    Throwable streamError() {
        return streamError;
    }

    @Override
    public void close() {
        closeQuietly(output);
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException | RuntimeException e) {
            // closing a stream of a container that is being removed
        }
    }
}
