package dev.jprune.bench;

import dev.jprune.prune.Criterion;
import dev.jprune.prune.CriterionScoreSource;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.Selection;
import dev.jprune.util.Parallel;
import dev.jprune.util.Rng;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * The global prune step on the CPU: scores |w·g| computed on the fly, exact top-k at sparsity 0.9 over 100 tensors,
 * masks written and weights zeroed in the same pass.
 *
 * <p>Usage: {@code java -Xmx<heap> -cp ... dev.jprune.bench.PruneSelectBench <totalParams> <runs>}. Each run gets
 * freshly generated weights (generation not timed) because the step zeroes 90% of them. Reported: median and min
 * wall time of the step, and the bytes the step allocated (all threads, com.sun.management.ThreadMXBean), i.e. its
 * memory beyond the inputs and the preallocated masks. Run it with -Xmx = 1.25 × (w + g) to show the step fits.
 */
public final class PruneSelectBench {
    public static void main(String[] args) {
        long total = (long) Double.parseDouble(args.length > 0 ? args[0] : "1e7");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int tensors = 100;
        int per = (int) (total / tensors);
        float[][] w = new float[tensors][], g = new float[tensors][];
        byte[][] masks = new byte[tensors][];
        for (int t = 0; t < tensors; t++) { w[t] = new float[per]; g[t] = new float[per]; masks[t] = new byte[per]; }
        Parallel.forRange(tensors, 1, (a, b) -> {
            for (int t = a; t < b; t++) new Rng(1000 + t).fillUniform(g[t], -1e-3f, 1e-3f);
        });
        com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        double[] secs = new double[runs];
        long maxAlloc = 0;
        Selection last = null;
        for (int run = 0; run < runs; run++) {
            int seed = run;
            Parallel.forRange(tensors, 1, (a, b) -> {
                for (int t = a; t < b; t++) new Rng(seed * 1_000_003L + t).fillUniform(w[t], -1f, 1f);
            });
            System.gc();
            long alloc0 = allocated(tmx);
            long t0 = System.nanoTime();
            CriterionScoreSource src = new CriterionScoreSource(Criterion.TAYLOR, w, g, null);
            Selection sel = GlobalSelector.select(src, GlobalSelector.keepForSparsity(src.totalSize(), 0.9));
            long[] kept = sel.apply(src, masks, w);
            long t1 = System.nanoTime();
            maxAlloc = Math.max(maxAlloc, allocated(tmx) - alloc0);
            secs[run] = (t1 - t0) / 1e9;
            long k = 0;
            for (long x : kept) k += x;
            if (k != sel.keep) throw new AssertionError("kept " + k + " != " + sel.keep);
            last = sel;
        }
        double[] sorted = secs.clone();
        Arrays.sort(sorted);
        Runtime rt = Runtime.getRuntime();
        System.out.printf("params=%d tensors=%d threads=%d runs=%d median_s=%.3f min_s=%.3f all_s=%s"
                + " step_alloc_MB=%.2f inputs_MB=%.1f masks_MB=%.1f maxHeap_MB=%.0f%n",
                (long) per * tensors, tensors, Parallel.threads(), runs, sorted[runs / 2], sorted[0],
                Arrays.toString(round(secs)),
                maxAlloc / 1e6, 8.0 * per * tensors / 1e6, 1.0 * per * tensors / 1e6, rt.maxMemory() / 1e6);
        System.out.println("last selection: " + last);
    }

    /** Bytes allocated so far by all live threads (the ForkJoin workers persist, so differences are exact). */
    private static long allocated(com.sun.management.ThreadMXBean tmx) {
        long[] ids = tmx.getAllThreadIds();
        long s = 0;
        for (long b : tmx.getThreadAllocatedBytes(ids)) if (b > 0) s += b;
        return s;
    }

    private static double[] round(double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = Math.round(a[i] * 1000) / 1000.0;
        return r;
    }
}
