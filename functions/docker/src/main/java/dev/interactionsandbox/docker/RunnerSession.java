package dev.interactionsandbox.docker;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The streams of one container's runner on ONE attach, opened when the container has started, before there is a
 * job: the runner writes nothing until its job arrives, so nothing is missed, and a pooled container's hand-over is
 * a write on this open connection and a read. The job goes in on stdin, followed by a half-close (the engine then
 * closes the container's stdin, {@code StdinOnce}), and stdout (the result document, capped) and stderr
 * (diagnostics, capped) come back multiplexed on the same connection. The stream ending before a job was handed
 * over means the container is gone (engine restart, killed): {@link #alive()} turns false.
 *
 * <p>Why not docker-java's attach: its hijacked connection cannot be half-closed (3.5.3 copies the stdin stream and
 * never shuts the output down), so the runner would never see the end of its input; closing a second, stdin-only
 * attach instead loses the job about once in 40 runs (measured) when the close overtakes the engine's attach
 * set-up. The engine's own client does exactly this: upgrade, write, half-close, read to EOF.
 * Supports {@code unix://} and plain {@code tcp://} endpoints (not TLS).
 */
final class RunnerSession implements Closeable {
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    /** What is kept of the runner's stderr: diagnostics for a runner that died without a result. */
    private static final int STDERR_CAP = 8 * 1024;
    private static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(10);

    private final SocketChannel channel;
    private final String containerId;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final CountDownLatch lineComplete = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private final ByteBuffer early;   // frame bytes that arrived with the response header
    private volatile int stdoutCap;   // set with the job; the runner writes nothing before it
    private volatile boolean overflow;
    private volatile IOException streamError;

    private RunnerSession(SocketChannel channel, String containerId, ByteBuffer early) {
        this.channel = channel;
        this.containerId = containerId;
        this.early = early;
    }

    /** Attaches to the container's stdin, stdout and stderr; the runner writes nothing before its job arrives. */
    static RunnerSession open(URI dockerHost, String containerId) throws IOException {
        SocketChannel channel = connect(dockerHost);
        try {
            String request = "POST /containers/" + containerId + "/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\n"
                    + "Host: docker\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                    + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n";
            writeFully(channel, ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer early = readHeader(channel, containerId, System.nanoTime() + ATTACH_TIMEOUT.toNanos());
            RunnerSession session = new RunnerSession(channel, containerId, early);
            Thread.ofVirtual().name("interaction-sandbox-attach-" + containerId.substring(0, 12))
                    .start(session::pump);
            return session;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    String containerId() {
        return containerId;
    }

    /** The stream is open: the container runs and no job has ended it. */
    boolean alive() {
        return ended.getCount() > 0 && channel.isOpen();
    }

    /**
     * Writes the job (one line: the runner starts on it at once) and half-closes the connection, which ends the
     * runner's input.
     *
     * @param answerCap the most the runner's answer may take on stdout; more is an {@link #overflow()}
     */
    void handOver(byte[] job, int answerCap) throws IOException {
        stdoutCap = answerCap;
        writeFully(channel, ByteBuffer.wrap(job));
        channel.shutdownOutput();
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

    /** The connection broke (rather than ending with the container's output). */
    IOException streamError() {
        return streamError;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing the attach of a container that is being removed
        }
    }

    // ------------------------------------------------------------------ internals

    private static SocketChannel connect(URI dockerHost) throws IOException {
        switch (String.valueOf(dockerHost.getScheme())) {
            case "unix" -> {
                SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    channel.connect(UnixDomainSocketAddress.of(dockerHost.getPath()));
                } catch (IOException | RuntimeException e) {
                    channel.close();
                    throw e;
                }
                return channel;
            }
            case "tcp" -> {
                SocketChannel channel = SocketChannel.open();
                try {
                    channel.socket().connect(new InetSocketAddress(dockerHost.getHost(), dockerHost.getPort()), 5000);
                } catch (IOException | RuntimeException e) {
                    channel.close();
                    throw e;
                }
                return channel;
            }
            default -> throw new IOException("attach supports unix:// and tcp:// engines, not " + dockerHost);
        }
    }

    /** Reads the HTTP response header (101 Upgrade, or 200 from old engines); returns the bytes after it. */
    private static ByteBuffer readHeader(SocketChannel channel, String containerId, long deadlineNanos)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_HEADER_BYTES);
        // The header arrives within milliseconds; a blocking read bounded by closing the channel on the deadline.
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000));
                channel.close();
            } catch (InterruptedException | IOException e) {
                // header read in time
            }
        });
        try {
            while (true) {
                if (channel.read(buffer) < 0) {
                    throw new IOException("the engine closed the attach to " + containerId + " before answering");
                }
                int end = headerEnd(buffer);
                if (end >= 0) {
                    String header = new String(buffer.array(), 0, end, StandardCharsets.ISO_8859_1);
                    String status = header.substring(0, Math.max(0, header.indexOf("\r\n")));
                    if (!status.contains(" 101") && !status.contains(" 200")) {
                        throw new IOException("attach to " + containerId + " refused: " + status);
                    }
                    ByteBuffer rest = ByteBuffer.wrap(buffer.array(), end + 4, buffer.position() - end - 4);
                    return ByteBuffer.allocate(rest.remaining()).put(rest).flip();
                }
                if (!buffer.hasRemaining()) {
                    throw new IOException("oversized attach response header");
                }
            }
        } finally {
            watchdog.interrupt();
        }
    }

    private static int headerEnd(ByteBuffer buffer) {
        byte[] a = buffer.array();
        for (int i = 0; i + 3 < buffer.position(); i++) {
            if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Reads multiplexed frames (8-byte header: stream, 0, 0, 0, big-endian size) until the engine ends them. */
    private void pump() {
        ByteBuffer header = ByteBuffer.allocate(8);
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        try {
            while (true) {
                header.clear();
                if (!fill(header)) {
                    return;
                }
                int stream = header.get(0);
                long size = Integer.toUnsignedLong(header.getInt(4));
                while (size > 0) {
                    chunk.clear().limit((int) Math.min(chunk.capacity(), size));
                    if (!fill(chunk)) {
                        return;
                    }
                    size -= chunk.limit();
                    accept(stream, chunk.array(), chunk.limit());
                }
            }
        } catch (IOException e) {
            if (channel.isOpen()) {
                streamError = e;
            }
        } finally {
            ended.countDown();
            lineComplete.countDown();
        }
    }

    /** Fills the buffer from the early bytes, then the channel; false at a clean end of stream. */
    private boolean fill(ByteBuffer target) throws IOException {
        while (target.hasRemaining()) {
            if (early.hasRemaining()) {
                int n = Math.min(early.remaining(), target.remaining());
                target.put(early.array(), early.position(), n);
                early.position(early.position() + n);
                continue;
            }
            if (channel.read(target) < 0) {
                if (target.position() == 0) {
                    return false;
                }
                throw new IOException("attach stream of " + containerId + " ended inside a frame");
            }
        }
        target.flip();
        return true;
    }

    private void accept(int stream, byte[] data, int length) {
        synchronized (this) {
            if (stream == 2) {
                stderr.write(data, 0, Math.max(0, Math.min(length, STDERR_CAP - stderr.size())));
                return;
            }
            int room = stdoutCap - stdout.size();
            if (length > room) {
                overflow = true;
            }
            stdout.write(data, 0, Math.max(0, Math.min(length, room)));
        }
        for (int i = 0; i < length; i++) {
            if (data[i] == '\n') {
                lineComplete.countDown();
                break;
            }
        }
    }

    private static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
