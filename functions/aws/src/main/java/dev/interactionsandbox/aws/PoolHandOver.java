package dev.interactionsandbox.aws;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * One hand-over to a pooled runner in listen mode: connect, wait for its {@code {"t":"accepted"}} line, write the
 * job line, read the result line. Until the runner has accepted, nothing of the job has left this process, so a
 * task that refuses (another caller took it) is simply {@link Exchange.Taken}; once the job is written the task
 * has it, and every failure after that is the execution's.
 */
final class PoolHandOver {
    static final String ACCEPTED = "{\"t\":\"accepted\"}";
    private static final int ACCEPTED_MAX = 256;

    private final Duration connectTimeout;
    private final Duration acceptTimeout;
    private final Clock clock;

    PoolHandOver(Duration connectTimeout, Duration acceptTimeout, Clock clock) {
        this.connectTimeout = connectTimeout;
        this.acceptTimeout = acceptTimeout;
        this.clock = clock;
    }

    /** What became of one hand-over. */
    sealed interface Exchange {
        /** The task did not accept: refused, reset, or silent. The job was not sent. */
        record Taken(String reason) implements Exchange {
        }

        /** The runner's result line. */
        record Answered(String line) implements Exchange {
        }

        /** The task had the job and ended (or cut the connection) without a result line. */
        record Lost(String reason) implements Exchange {
        }

        /** The task had the job and sent no result within the wait. */
        record TimedOut() implements Exchange {
        }
    }

    Exchange exchange(InetSocketAddress endpoint, byte[] jobLine, Duration resultWait, long resultMaxBytes) {
        try (Socket socket = new Socket()) {
            InputStream in;
            try {
                socket.connect(endpoint, millis(connectTimeout));
                in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
                String accepted = readLine(socket, in, clock.instant().plus(acceptTimeout), ACCEPTED_MAX);
                if (!ACCEPTED.equals(accepted)) {
                    return new Exchange.Taken(accepted == null ? "closed before accepting" : "unexpected greeting");
                }
            } catch (IOException e) {
                return new Exchange.Taken(e.toString());
            }
            try {
                socket.getOutputStream().write(jobLine);
                socket.getOutputStream().flush();
                String line = readLine(socket, in, clock.instant().plus(resultWait), resultMaxBytes);
                return line == null ? new Exchange.Lost("the connection closed without a result line")
                        : new Exchange.Answered(line);
            } catch (SocketTimeoutException e) {
                return new Exchange.TimedOut();
            } catch (IOException e) {
                return new Exchange.Lost(e.toString());
            }
        } catch (IOException e) {
            return new Exchange.Taken(e.toString());   // only close() throws here
        }
    }

    /** One line (without its end), or null at end of stream before a line ended. */
    private String readLine(Socket socket, InputStream in, Instant deadline, long maxBytes) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            if (in.available() == 0) {   // the next read may block: bound it by what is left of the wait
                long left = Duration.between(clock.instant(), deadline).toMillis();
                if (left <= 0) {
                    throw new SocketTimeoutException("no complete line in time");
                }
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            }
            int b = in.read();
            if (b < 0) {
                return null;
            }
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
            if (line.size() > maxBytes) {
                throw new IOException("line longer than " + maxBytes + " bytes");
            }
        }
    }

    private static int millis(Duration duration) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, duration.toMillis()));
    }
}
