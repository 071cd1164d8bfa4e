package dev.interactionsandbox.local.adversarial;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * What the corpus plants on the host side and watches: the root-only secret file, a world-writable directory, a
 * listener standing in for the Lambda Runtime API (loopback, the port the handler's environment names), a listener
 * on every interface (reachable through the Docker gateway), a UDP listener, a world-writable unix socket, an
 * abstract unix socket, and victim processes (one per path) that must stay alive and running. Every listener records
 * the first line of each connection: attacks send their mark, so a connection is attributed to one attack.
 */
public final class HostCanaries implements AutoCloseable {
    public static final String CREDENTIAL_CANARY = "canary-secret-of-the-handler-process";
    public static final String KEY_CANARY = "AKIACANARYHANDLERKEY";
    static final String RUNTIME_API_PORT = "19001";
    static final String GATEWAY = "172.17.0.1";

    /** One connection a listener saw: which listener, and the first line it received ("" when none). */
    record Hit(String listener, String line) {
    }

    public final String fileCanary = "canary-file-" + UUID.randomUUID();
    final String abstractName = "isb-canary-" + UUID.randomUUID();
    final Path canaryDir;
    public final Path secretFile;
    public final Path writableDir;
    final Path unixSocket;
    final ConcurrentLinkedQueue<Hit> hits = new ConcurrentLinkedQueue<>();
    private final AtomicInteger runtimeApiAccepted = new AtomicInteger();
    private final ServerSocket runtimeApi;
    private final ServerSocket anyInterface;
    private final DatagramSocket udp;
    private final ServerSocketChannel unix;
    private final Process abstractListener;
    private final Path abstractLog;

    public HostCanaries() throws IOException {
        canaryDir = Files.createTempDirectory("isc-canary-");
        secretFile = canaryDir.resolve("secret.txt");
        Files.writeString(secretFile, fileCanary);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(canaryDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        writableDir = Files.createTempDirectory("isc-writable-");
        Files.setPosixFilePermissions(writableDir, PosixFilePermissions.fromString("rwxrwxrwx"));

        runtimeApi = new ServerSocket(Integer.parseInt(RUNTIME_API_PORT), 50, InetAddress.getLoopbackAddress());
        accept("runtime-api", runtimeApi);
        anyInterface = new ServerSocket();
        anyInterface.bind(new InetSocketAddress(0));
        accept("any-interface", anyInterface);
        udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        Thread.startVirtualThread(() -> {
            byte[] buffer = new byte[512];
            while (!udp.isClosed()) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try {
                    udp.receive(packet);
                    hits.add(new Hit("udp", new String(buffer, 0, packet.getLength(), StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    return;
                }
            }
        });
        unixSocket = writableDir.resolve("canary.sock");
        unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        unix.bind(UnixDomainSocketAddress.of(unixSocket));
        Files.setPosixFilePermissions(unixSocket, PosixFilePermissions.fromString("rwxrwxrwx"));
        Thread.startVirtualThread(() -> {
            while (unix.isOpen()) {
                try (SocketChannel client = unix.accept()) {
                    ByteBuffer line = ByteBuffer.allocate(256);
                    long deadline = System.currentTimeMillis() + 1000;
                    client.configureBlocking(false);
                    while (System.currentTimeMillis() < deadline && line.position() < 64 && client.read(line) >= 0) {
                        Thread.sleep(10);
                    }
                    hits.add(new Hit("unix", new String(line.array(), 0, line.position(), StandardCharsets.UTF_8)));
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        });
        // Java cannot bind abstract unix sockets: a small host-side Python listener logs each connection's first line.
        abstractLog = canaryDir.resolve("abstract.log");
        abstractListener = new ProcessBuilder("/usr/bin/python3", "-c", """
                import socket, sys
                s = socket.socket(socket.AF_UNIX); s.bind(chr(0) + sys.argv[1]); s.listen(50)
                log = open(sys.argv[2], 'a', buffering=1)
                print('ready', flush=True)
                while True:
                    c, _ = s.accept(); c.settimeout(1)
                    try:
                        data = c.recv(256)
                    except Exception:
                        data = b''
                    log.write('hit ' + data.decode('utf-8', 'replace').strip() + chr(10)); c.close()
                """, abstractName, abstractLog.toString()).redirectErrorStream(true).start();
        String ready = new BufferedReader(new InputStreamReader(abstractListener.getInputStream())).readLine();
        if (!"ready".equals(ready)) {
            throw new IOException("abstract-socket listener did not start: " + ready);
        }
    }

    private void accept(String name, ServerSocket server) {
        Thread.startVirtualThread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    if (server == runtimeApi) {
                        runtimeApiAccepted.incrementAndGet();
                    }
                    Thread.startVirtualThread(() -> {
                        try (client) {
                            client.setSoTimeout(1000);
                            String line = new BufferedReader(new InputStreamReader(client.getInputStream(),
                                    StandardCharsets.UTF_8)).readLine();
                            hits.add(new Hit(name, line == null ? "" : line));
                        } catch (IOException e) {
                            hits.add(new Hit(name, ""));
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** Every connection seen so far, abstract-socket ones included. */
    List<Hit> allHits() throws IOException {
        List<Hit> all = new ArrayList<>(hits);
        if (Files.exists(abstractLog)) {
            for (String line : Files.readAllLines(abstractLog)) {
                all.add(new Hit("abstract", line.substring(Math.min(4, line.length()))));
            }
        }
        return all;
    }

    /** Connections the Runtime API stand-in has accepted so far (counted at accept, before any line is read). */
    public int runtimeApiConnections() {
        return runtimeApiAccepted.get();
    }

    int anyInterfacePort() {
        return anyInterface.getLocalPort();
    }

    int udpPort() {
        return udp.getLocalPort();
    }

    /** A host process that must survive every attack; its environment carries the handler's canaries. */
    static Process victim(String name) throws IOException {
        return new ProcessBuilder("/usr/bin/python3", "-c", "import time; time.sleep(3600)", "isb-victim-" + name)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Alive and not stopped. */
    static boolean healthy(Process victim) {
        if (!victim.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(victim.pid()), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'T' && state != 't' && state != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** Restores the secret file's mode in case an attack changed it; true when it had been changed. */
    boolean restoreSecretMode() throws IOException {
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(secretFile));
        if (!mode.equals("rw-------")) {
            Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
            return true;
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        runtimeApi.close();
        anyInterface.close();
        udp.close();
        unix.close();
        abstractListener.destroyForcibly();
        try {
            abstractListener.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Stream.concat(Files.walk(canaryDir), Files.walk(writableDir))) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
