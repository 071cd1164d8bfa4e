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
 * (the default limits), each with its streams already attached ({@link RunnerSession}): taking one is all the
 * start-up an execution sees. A container serves one execution and is destroyed by the taker: nothing is ever
 * handed out twice.
 *
 * <p>A background virtual thread tops the pool up when no execution taken from it still runs (each taker
 * {@link #release releases} its container once its execution has answered), so that starting containers does not
 * compete for the CPU with executions; when the pool runs low (fewer than a quarter of its size ready, or none) it
 * refills at once.
 * It also drops containers whose stream ended while they waited (an engine restart kills them).
 */
final class WarmContainerPool implements AutoCloseable {
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final DockerEngine engine;
    private final ContainerSpec spec;
    private final int size;
    /** Below this many ready containers the pool refills even while executions run. */
    private final int lowWater;
    private final Map<String, String> labels;
    private final OperationalLog log;
    private final LinkedBlockingDeque<RunnerSession> ready = new LinkedBlockingDeque<>();
    private final AtomicInteger starting = new AtomicInteger();
    /** Taken, not yet released: executions that the engine's work would slow down. */
    private final AtomicInteger running = new AtomicInteger();
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
        this.lowWater = Math.max(1, size / 4);
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

    /** Whether a ready container's stream is open, which means the engine answers and the image was usable. */
    boolean hasLiveContainer() {
        return ready.stream().anyMatch(RunnerSession::alive);
    }

    /**
     * A warm container for this spec, waiting at most {@code wait} when none is ready; empty otherwise. The taker
     * must {@link #release} a container it got once its execution has answered.
     */
    Optional<RunnerSession> take(ContainerSpec wanted, Duration wait) throws InterruptedException {
        if (size == 0 || closed.get() || !spec.equals(wanted)) {
            return Optional.empty();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            RunnerSession session = ready.pollFirst();
            if (session == null && !wait.isZero()) {
                signal();
                session = ready.pollFirst(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
            if (session == null) {
                signal();
                long count = exhaustions.incrementAndGet();
                log.warn(null, "warm pool exhausted", Map.of("poolSize", size, "starting", starting.get(),
                        "exhaustions", count));
                return Optional.empty();
            }
            if (session.alive()) {
                running.incrementAndGet();
                if (ready.size() < lowWater) {
                    signal();
                }
                return Optional.of(session);
            }
            discard(session);
        }
    }

    /** The execution of a taken container has answered; once none runs, the pool refills. */
    void release() {
        running.decrementAndGet();
        signal();
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
        List<RunnerSession> left = new ArrayList<>();
        ready.drainTo(left);
        for (RunnerSession session : left) {
            session.close();
            engine.removeQuietly(session.containerId());
        }
    }

    private void signal() {
        lock.lock();
        try {
            wanted.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether to start a container now: the pool is short, and either no execution taken from it still runs (the
     * engine's work then competes with none of them for the CPU) or it runs low.
     */
    private boolean wantsOne() {
        int stocked = ready.size() + starting.get();
        return stocked < size && (running.get() == 0 || stocked < lowWater);
    }

    /** Drops ready containers whose stream ended while they waited. */
    private void dropDead() {
        for (RunnerSession session : ready) {
            if (!session.alive() && ready.remove(session)) {
                discard(session);
            }
        }
    }

    private void discard(RunnerSession session) {
        session.close();
        Thread.ofVirtual().start(() -> engine.removeQuietly(session.containerId()));
        log.warn(null, "warm container gone while it waited; replaced", Map.of("container", session.containerId()));
    }

    private void refillLoop() {
        Duration backoff = Duration.ofMillis(250);
        while (!closed.get()) {
            try {
                dropDead();
                if (!wantsOne()) {
                    lock.lock();
                    try {
                        // woken by take() and release(); the timeout re-checks in case a signal raced the check
                        wanted.await(1, TimeUnit.SECONDS);
                    } finally {
                        lock.unlock();
                    }
                    continue;
                }
                starting.incrementAndGet();
                long started = System.nanoTime();
                RunnerSession session;
                try {
                    session = engine.startAttached(spec, labels);
                } finally {
                    starting.decrementAndGet();
                }
                if (closed.get()) {
                    session.close();
                    engine.removeQuietly(session.containerId());
                    return;
                }
                ready.addLast(session);
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
