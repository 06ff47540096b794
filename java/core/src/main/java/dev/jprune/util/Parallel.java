package dev.jprune.util;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.ArrayList;
import java.util.List;

/**
 * Data-parallel loops over index ranges with a deterministic split: every output element is computed by
 * exactly one task in a fixed order, so results are bit-identical whatever the thread count.
 * Thread count: system property {@code jprune.threads}, default all available processors.
 */
public final class Parallel {
    private Parallel() {}

    /** Body over the half-open range [from, to). */
    @FunctionalInterface
    public interface RangeBody { void run(int from, int to); }

    private static final int THREADS = Math.max(1, Integer.getInteger("jprune.threads", Runtime.getRuntime().availableProcessors()));
    private static final ForkJoinPool POOL = THREADS == 1 ? null : new ForkJoinPool(THREADS);

    public static int threads() { return THREADS; }

    /**
     * Runs {@code body} over [0, n) split into contiguous chunks of at least {@code grain} indices.
     * Chunks must write disjoint outputs; the split itself never changes any result.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = (int) Math.min(THREADS * 4L, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || POOL == null) { body.run(0, n); return; }
        List<ForkJoinTask<?>> tasks = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
            if (from < to) tasks.add(POOL.submit(() -> body.run(from, to)));
        }
        for (ForkJoinTask<?> t : tasks) t.join();
    }
}
