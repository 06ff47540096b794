package dev.jprune.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * Data-parallel loops over index ranges with a deterministic split: every output element is computed by
 * exactly one task in a fixed order, so results are bit-identical whatever the thread count.
 *
 * <p><b>Thread count.</b> Loops run on the current {@link Context}: the one a caller made current with
 * {@link Context#run} / {@link Context#call} on this thread (its pool's own threads inherit it), else the default
 * context, sized by the system property {@code jprune.threads} (default: all available processors) when this class
 * is first used. A context with 1 thread runs every loop on the calling thread.
 */
public final class Parallel {
    private Parallel() {}

    /** Body over the half-open range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        /** Runs the body for indices {@code from} (inclusive) to {@code to} (exclusive). */
        void run(int from, int to);
    }

    private static final Context DEFAULT = new Context(
            Math.max(1, Integer.getInteger("jprune.threads", Runtime.getRuntime().availableProcessors())), false);
    private static final ThreadLocal<Context> CURRENT = new ThreadLocal<>();

    /** Threads of the current context. */
    public static int threads() { return current().threads; }

    /** The context loops of this thread run on (see the class comment). */
    public static Context current() {
        Context c = CURRENT.get();
        if (c != null) return c;
        if (Thread.currentThread() instanceof Worker w) return w.context;
        return DEFAULT;
    }

    /**
     * Runs {@code body} over [0, n) split into contiguous chunks of at least {@code grain} indices, on the current
     * context's threads (at most 4 chunks per thread); returns when every chunk is done, rethrowing a chunk's
     * exception. Chunks must write disjoint outputs; the split itself never changes any result.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        Context ctx = current();
        int chunks = (int) Math.min(ctx.threads * 4L, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || ctx.pool == null) { body.run(0, n); return; }
        List<ForkJoinTask<?>> tasks = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
            if (from < to) tasks.add(ctx.pool.submit(() -> body.run(from, to)));
        }
        for (ForkJoinTask<?> t : tasks) t.join();
    }

    /**
     * A thread count for the loops of {@link Parallel}, with its own pool of worker threads: make it current for a
     * piece of work with {@link #run} or {@link #call} (several contexts may be current on different threads at once;
     * results never depend on which). Close it to stop its threads. The default context (system property
     * {@code jprune.threads}) is never closed.
     */
    public static final class Context implements AutoCloseable {
        private final int threads;
        private final ForkJoinPool pool;
        private final boolean closeable;
        private volatile boolean closed;

        private Context(int threads, boolean closeable) {
            this.threads = threads;
            this.closeable = closeable;
            this.pool = threads == 1 ? null
                    : new ForkJoinPool(threads, p -> new Worker(p, this), null, false);
        }

        /**
         * A context of {@code threads} threads (1: every loop on the calling thread).
         *
         * @throws IllegalArgumentException when threads &lt; 1
         */
        public static Context ofThreads(int threads) {
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            return new Context(threads, true);
        }

        /** The default context (jprune.threads or all processors); closing it does nothing. */
        public static Context defaultContext() { return DEFAULT; }

        /** Number of threads loops run on in this context. */
        public int threads() { return threads; }

        /**
         * Runs {@code body} on the calling thread with this context current, then restores the previous one.
         *
         * @throws IllegalStateException when this context is closed
         */
        public void run(Runnable body) {
            requireOpen();
            Context prev = CURRENT.get();
            CURRENT.set(this);
            try {
                body.run();
            } finally {
                if (prev == null) CURRENT.remove(); else CURRENT.set(prev);
            }
        }

        /**
         * Calls {@code body} on the calling thread with this context current, then restores the previous one.
         *
         * @throws IllegalStateException when this context is closed
         * @throws Exception whatever the body throws
         */
        public <T> T call(Callable<T> body) throws Exception {
            requireOpen();
            Context prev = CURRENT.get();
            CURRENT.set(this);
            try {
                return body.call();
            } finally {
                if (prev == null) CURRENT.remove(); else CURRENT.set(prev);
            }
        }

        /**
         * Stops this context's threads (work in progress finishes); later {@link #run} / {@link #call} throw. Closing
         * twice is harmless; the default context ignores it.
         */
        @Override
        public void close() {
            if (!closeable) return;
            closed = true;
            if (pool != null) pool.shutdown();
        }

        private void requireOpen() {
            if (closed) throw new IllegalStateException(this + " is closed");
        }

        @Override
        public String toString() { return "Parallel.Context[" + threads + " thread" + (threads == 1 ? "" : "s") + "]"; }
    }

    /** A pool thread that knows its context, so that loops nested in a task run on the same context. */
    private static final class Worker extends ForkJoinWorkerThread {
        final Context context;

        Worker(ForkJoinPool pool, Context context) {
            super(pool);
            this.context = context;
            setDaemon(true);
        }
    }
}
