package dev.interactionsandbox.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who started a container: the host's boot id, the JVM's pid and its start time, and the executor instance within
 * that JVM ({@code bootId/pid/startMillis/instance}).
 * A container whose owner is gone (another boot, a pid no longer alive, or a pid reused by a later process) is a
 * leftover of a dead JVM and may be removed by any other. Assumes the JVMs sharing an engine see each other's pids
 * (same host and pid namespace); an owner from an unknown host is never judged dead.
 */
record OwnerId(String bootId, long pid, long startMillis, int instance) {
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** A new id for one executor of this JVM. */
    static OwnerId next() {
        ProcessHandle self = ProcessHandle.current();
        return new OwnerId(readBootId(), self.pid(), startMillis(self), INSTANCES.incrementAndGet());
    }

    /** Whether both ids name the same process (whatever the executor instance). */
    boolean sameProcess(OwnerId other) {
        return bootId.equals(other.bootId) && pid == other.pid && startMillis == other.startMillis;
    }

    static Optional<OwnerId> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String[] parts = text.split("/");
        if (parts.length != 4) {
            return Optional.empty();
        }
        try {
            return Optional.of(new OwnerId(parts[0], Long.parseLong(parts[1]), Long.parseLong(parts[2]),
                    Integer.parseInt(parts[3])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether the process that wrote this id is certainly gone (false when that cannot be known). */
    boolean isGone() {
        String boot = readBootId();
        if (boot.isEmpty() || bootId.isEmpty()) {
            return false;
        }
        if (!boot.equals(bootId)) {
            return true;   // the host rebooted since: no process of that boot survives
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        return process.isEmpty() || !process.get().isAlive()
                || (startMillis != 0 && startMillis(process.get()) != 0 && startMillis(process.get()) != startMillis);
    }

    @Override
    public String toString() {
        return bootId + "/" + pid + "/" + startMillis + "/" + instance;
    }

    private static String readBootId() {
        try {
            return Files.readString(BOOT_ID, StandardCharsets.US_ASCII).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static long startMillis(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }
}
