package dev.jprune.sparse;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Helper threads owned by one {@link Workspace} for pieces of a few microseconds, where waking a pool worker costs
 * more than the piece (10-30 µs on the 2-core machine, D58). A helper spins for {@code spinNanos} after its last piece
 * before it parks, as ONNX Runtime's intra-op threads do, and the caller never waits for a helper that has not started:
 * it takes the piece back and runs it itself. So a call costs at most an unpark more than running every part on the
 * calling thread, and with a spinning helper a few hundred nanoseconds. No allocation per call.
 * <p>Not thread-safe: one caller at a time (the workspace's rule), and a part must not call {@link #run} on its own
 * team. The helpers hold no reference to the workspace between calls, so an unreachable workspace can still be
 * cleaned up (see {@link Workspace}).
 */
final class SpinTeam implements AutoCloseable {
    /** A piece of work split into parts: part p of parts, run once each, on any thread of the team. */
    interface Split {
        void runPart(int part, int parts, Workspace ws);
    }

    /** How long an idle helper spins before it parks: system property {@code jprune.spin.micros}, default 200. */
    static final long SPIN_NANOS = Math.max(0, Long.getLong("jprune.spin.micros", 200)) * 1000;

    private static final int IDLE = 0, POSTED = 1, RUNNING = 2, DONE = 3;

    private final Helper[] helpers;
    private final long spinNanos;
    private volatile boolean closed;

    /** A team of {@code threads} threads: the caller and {@code threads - 1} daemon helpers, started now. */
    SpinTeam(int threads, long spinNanos, String name) {
        if (threads < 1) throw new IllegalArgumentException("SpinTeam: threads must be >= 1, got " + threads);
        this.spinNanos = spinNanos;
        helpers = new Helper[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper(this, i + 1);
            Thread t = new Thread(helpers[i], name + "-" + (i + 1));
            t.setDaemon(true);
            helpers[i].thread = t;
            t.start();
        }
    }

    /** Threads in the team, the caller included. */
    int size() { return helpers.length + 1; }

    /**
     * Runs {@code split.runPart(p, size(), ws)} for every part p: parts 1.. are offered to the helpers, part 0 runs on
     * the calling thread, then every offered part no helper has started runs on the calling thread too. Returns when
     * all are done; rethrows the first failure (the caller's own first).
     */
    void run(Split split, Workspace ws) {
        int parts = size();
        for (int h = 0; h < helpers.length; h++) {
            Helper hp = helpers[h];
            hp.split = split;
            hp.ws = ws;
            hp.error = null;
            hp.state.set(POSTED);
            if (hp.parked) LockSupport.unpark(hp.thread);
        }
        Throwable error = runHere(split, 0, parts, ws, null);
        for (int h = 0; h < helpers.length; h++) {
            Helper hp = helpers[h];
            if (hp.state.compareAndSet(POSTED, IDLE)) { // not started: take it back
                error = runHere(split, h + 1, parts, ws, error);
            } else {
                for (int spins = 0; hp.state.get() != DONE; spins++) {
                    if (spins < 1 << 16) Thread.onSpinWait(); else Thread.yield();
                }
                if (error == null) error = hp.error;
                hp.state.set(IDLE);
            }
            hp.split = null;
            hp.ws = null;
            hp.error = null;
        }
        if (error instanceof RuntimeException e) throw e;
        if (error instanceof Error e) throw e;
    }

    private static Throwable runHere(Split split, int part, int parts, Workspace ws, Throwable error) {
        try {
            split.runPart(part, parts, ws);
        } catch (RuntimeException | Error e) {
            if (error == null) return e;
        }
        return error;
    }

    /** Stops the helpers (each finishes its current part first). Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Helper h : helpers) LockSupport.unpark(h.thread);
    }

    /** Parts the helper threads have run so far (tests: read between calls). */
    long helperParts() {
        long n = 0;
        for (Helper h : helpers) n += h.partsRun;
        return n;
    }

    /** Whether every helper thread has ended (tests). */
    boolean stopped() {
        for (Helper h : helpers) if (h.thread.isAlive()) return false;
        return true;
    }

    private static final class Helper implements Runnable {
        final AtomicInteger state = new AtomicInteger(IDLE);
        final SpinTeam team;
        final int part;
        Thread thread;
        volatile boolean parked;
        // Written by the caller before state becomes POSTED, read by the helper after it sees POSTED.
        Split split;
        Workspace ws;
        Throwable error;
        long partsRun; // written by the helper only; read by the caller after DONE (tests)

        Helper(SpinTeam team, int part) {
            this.team = team;
            this.part = part;
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (!team.closed) {
                if (state.get() == POSTED && state.compareAndSet(POSTED, RUNNING)) {
                    try {
                        split.runPart(part, team.size(), ws);
                    } catch (RuntimeException | Error e) {
                        error = e;
                    }
                    partsRun++;
                    state.set(DONE);
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < team.spinNanos) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (state.get() != POSTED && !team.closed) LockSupport.park(this);
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}
