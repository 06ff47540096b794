package dev.jprune.util;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Helper threads for loops of a few microseconds, where a {@link java.util.concurrent.ForkJoinPool} costs more than
 * the work: waking a parked pool worker and joining it measured 10-30 µs on the 2-core machine. A helper spins for
 * {@link #SPIN_NANOS} after its last piece of work before it parks (ONNX Runtime's threads spin the same way), and a
 * caller never waits for a helper that has not started: it takes a posted piece back and runs it itself. So a call
 * costs at most an unpark more than running everything on the calling thread, and with a spinning helper about
 * 1 µs. No allocation per call; thread-safe (a busy helper's piece runs on the caller).
 * <p>{@code -Djprune.spin.micros=0} makes helpers park right after each piece (no busy waiting at all).
 */
final class SpinTeam implements AutoCloseable {
    /** How long an idle helper spins before it parks; system property {@code jprune.spin.micros}, default 100. */
    static final long SPIN_NANOS = Math.max(0, Long.getLong("jprune.spin.micros", 100)) * 1000;

    private static final int IDLE = 0, CLAIMED = 1, POSTED = 2, RUNNING = 3, DONE = 4, TAKEN_BACK = 5;

    private final Helper[] helpers;
    private volatile boolean closed;

    /** A team of {@code size} helper threads (daemons), started now. */
    SpinTeam(int size, String name) {
        helpers = new Helper[size];
        for (int i = 0; i < size; i++) {
            helpers[i] = new Helper();
            Thread t = new Thread(helpers[i], name + "-" + i);
            t.setDaemon(true);
            helpers[i].thread = t;
            t.start();
        }
    }

    int size() { return helpers.length; }

    /**
     * Runs body over [bounds[i], bounds[i + 1]) for every i &lt; parts, each piece exactly once: pieces 0 .. parts-2
     * are offered to the helpers, the last one runs on the calling thread, then every offered piece that no helper has
     * started runs on the calling thread too. Returns when all are done; rethrows the first piece's exception.
     */
    void run(int[] bounds, int parts, Parallel.RangeBody body) {
        long offered = 0; // bit h: piece h went to helper h
        int toOffer = Math.min(parts - 1, Math.min(helpers.length, 63));
        for (int h = 0; h < toOffer; h++) {
            Helper hp = helpers[h];
            if (!closed && hp.state.compareAndSet(IDLE, CLAIMED)) {
                hp.body = body;
                hp.from = bounds[h];
                hp.to = bounds[h + 1];
                hp.error = null;
                hp.state.set(POSTED);
                if (hp.parked) LockSupport.unpark(hp.thread);
                offered |= 1L << h;
            }
        }
        Throwable error = null;
        for (int p = toOffer; p < parts; p++) error = runHere(body, bounds[p], bounds[p + 1], error);
        for (int h = 0; h < toOffer; h++) {
            if ((offered & (1L << h)) == 0) {
                error = runHere(body, bounds[h], bounds[h + 1], error);
                continue;
            }
            Helper hp = helpers[h];
            if (hp.state.compareAndSet(POSTED, TAKEN_BACK)) {
                hp.body = null;
                hp.state.set(IDLE);
                error = runHere(body, bounds[h], bounds[h + 1], error);
                continue;
            }
            for (int spins = 0; hp.state.get() != DONE; spins++) {
                if (spins < 1 << 16) Thread.onSpinWait(); else Thread.yield();
            }
            if (error == null) error = hp.error;
            hp.error = null;
            hp.body = null;
            hp.state.set(IDLE);
        }
        if (error instanceof RuntimeException e) throw e;
        if (error instanceof Error e) throw e;
    }

    private static Throwable runHere(Parallel.RangeBody body, int from, int to, Throwable error) {
        try {
            body.run(from, to);
        } catch (RuntimeException | Error e) {
            if (error == null) return e;
        }
        return error;
    }

    /** Stops the helpers (each finishes its current piece); later calls run every piece on the caller. */
    @Override
    public void close() {
        closed = true;
        for (Helper h : helpers) LockSupport.unpark(h.thread);
    }

    private final class Helper implements Runnable {
        final AtomicInteger state = new AtomicInteger(IDLE);
        Thread thread;
        volatile boolean parked;
        // Written by the caller before state becomes POSTED, read by the helper after it sees POSTED.
        Parallel.RangeBody body;
        int from, to;
        Throwable error;

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (!closed) {
                if (state.get() == POSTED && state.compareAndSet(POSTED, RUNNING)) {
                    try {
                        body.run(from, to);
                    } catch (RuntimeException | Error e) {
                        error = e;
                    }
                    state.set(DONE);
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (state.get() != POSTED && !closed) LockSupport.park(this);
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}
