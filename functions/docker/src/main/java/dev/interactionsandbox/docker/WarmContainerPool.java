package dev.interactionsandbox.docker;

import dev.interactionsandbox.core.port.OperationalLog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Started, hardened containers whose runner already waits for its job on stdin, all of one {@link ContainerSpec}
 * (the default limits). {@link #take} hands one out and a background virtual thread tops the pool up again. A
 * container serves one execution and is destroyed by the taker: nothing is ever handed out twice.
 */
final class WarmContainerPool implements AutoCloseable {
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final DockerEngine engine;
    private final ContainerSpec spec;
    private final int size;
    private final Map<String, String> labels;
    private final OperationalLog log;
    private final LinkedBlockingDeque<String> ready = new LinkedBlockingDeque<>();
    private final AtomicInteger starting = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong refills = new AtomicLong();
    private final AtomicLong exhaustions = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wanted = lock.newCondition();
    private final Thread refiller;

    WarmContainerPool(DockerEngine engine, ContainerSpec spec, int size, Map<String, String> labels,
                      OperationalLog log) {
        this.engine = engine;
        this.spec = spec;
        this.size = size;
        this.labels = Map.copyOf(labels);
        this.log = log;
        this.refiller = size > 0 ? Thread.ofVirtual().name("interaction-sandbox-pool-refill").start(this::refillLoop)
                : null;
    }

    ContainerSpec spec() {
        return spec;
    }

    int size() {
        return size;
    }

    /** Containers ready right now. */
    int available() {
        return ready.size();
    }

    /** A warm container for this spec, waiting at most {@code wait} when none is ready; empty otherwise. */
    Optional<String> take(ContainerSpec wanted, Duration wait) throws InterruptedException {
        if (size == 0 || closed.get() || !spec.equals(wanted)) {
            return Optional.empty();
        }
        String id = ready.pollFirst();
        if (id == null && !wait.isZero()) {
            signal();
            id = ready.pollFirst(wait.toNanos(), TimeUnit.NANOSECONDS);
        }
        signal();
        if (id == null) {
            long count = exhaustions.incrementAndGet();
            log.warn(null, "warm pool exhausted", Map.of("poolSize", size, "starting", starting.get(),
                    "exhaustions", count));
        }
        return Optional.ofNullable(id);
    }

    /** Blocks until the pool is full (or the deadline passes); for start-up and tests. */
    boolean awaitFull(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        signal();
        while (ready.size() < size) {
            if (System.nanoTime() > deadline || closed.get()) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (refiller != null) {
            signal();   // not interrupted: an engine call cut short would leave a half-made container behind
            try {
                refiller.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<String> left = new ArrayList<>();
        ready.drainTo(left);
        left.forEach(engine::removeQuietly);
    }

    private void signal() {
        lock.lock();
        try {
            wanted.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void refillLoop() {
        Duration backoff = Duration.ofMillis(250);
        while (!closed.get()) {
            try {
                if (ready.size() >= size) {
                    lock.lock();
                    try {
                        // woken by take(); the timeout re-checks in case a signal raced the size check
                        wanted.await(1, TimeUnit.SECONDS);
                    } finally {
                        lock.unlock();
                    }
                    continue;
                }
                starting.incrementAndGet();
                long started = System.nanoTime();
                String id;
                try {
                    id = engine.createAndStart(spec, labels);
                } finally {
                    starting.decrementAndGet();
                }
                if (closed.get()) {
                    engine.removeQuietly(id);
                    return;
                }
                ready.addLast(id);
                backoff = Duration.ofMillis(250);
                log.log(OperationalLog.Level.DEBUG, null, "warm container ready", Map.of("ready", ready.size(),
                        "poolSize", size, "refills", refills.incrementAndGet(),
                        "startMs", (System.nanoTime() - started) / 1_000_000));
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed.get()) {
                    return;
                }
                log.warn(null, "warm pool refill failed", Map.of("error", String.valueOf(e.getMessage()),
                        "retryInMs", backoff.toMillis()));
                long until = System.nanoTime() + backoff.toNanos();
                while (!closed.get() && System.nanoTime() < until) {
                    try {
                        Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }
}
