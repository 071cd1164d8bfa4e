package dev.interactionsandbox.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP front for the local Docker engine's socket that a test can cut and restore: to the launcher it looks like
 * the daemon dying and coming back, without disturbing the engine other tests use.
 */
final class DockerProxy implements AutoCloseable {
    private final Path engineSocket;
    private final int port;
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;

    DockerProxy(Path engineSocket) throws IOException {
        this.engineSocket = engineSocket;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        }
        start();
    }

    String dockerHost() {
        return "tcp://127.0.0.1:" + port;
    }

    /** Accepts connections again, on the same port. */
    void start() throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server = socket;
        Thread.startVirtualThread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    SocketChannel engine = SocketChannel.open(StandardProtocolFamily.UNIX);
                    engine.connect(UnixDomainSocketAddress.of(engineSocket));
                    open.add(client);
                    open.add(engine);
                    pump(client.getInputStream(), Channels.newOutputStream(engine), () -> engine.shutdownOutput());
                    pump(Channels.newInputStream(engine), client.getOutputStream(), client::shutdownOutput);
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** The daemon "dies": the listener and every open connection are closed. */
    void cut() {
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
        for (AutoCloseable connection : open) {
            try {
                connection.close();
            } catch (Exception ignored) {
                // already closed
            }
        }
        open.clear();
    }

    /** Copies one direction; at its end, half-closes the other side (the engine's attach relies on it). */
    private static void pump(InputStream from, OutputStream to, HalfClose halfClose) {
        Thread.startVirtualThread(() -> {
            try {
                from.transferTo(to);
                to.flush();
                halfClose.run();
            } catch (IOException ignored) {
                // the other side went away
            }
        });
    }

    private interface HalfClose {
        void run() throws IOException;
    }

    @Override
    public void close() {
        cut();
    }
}
