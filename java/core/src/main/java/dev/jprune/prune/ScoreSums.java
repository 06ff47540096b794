package dev.jprune.prune;

import dev.jprune.util.Parallel;

/** Deterministic double sums of scores (see {@link Criterion#snipNormaliser}). */
final class ScoreSums {
    private ScoreSums() {}

    static double sum(ScoreSource src) {
        int nt = src.tensorCount();
        int[] firstBlock = new int[nt + 1];
        for (int t = 0; t < nt; t++) {
            long blocks = (src.size(t) + (long) Criterion.SUM_BLOCK - 1) / Criterion.SUM_BLOCK;
            firstBlock[t + 1] = Math.addExact(firstBlock[t], (int) blocks);
        }
        int nb = firstBlock[nt];
        double[] partial = new double[nb];
        RuntimeException[] err = new RuntimeException[nb];
        Parallel.forRange(nb, 1, (a, b) -> {
            float[] buf = new float[Criterion.SUM_BLOCK];
            for (int blk = a; blk < b; blk++) {
                int t = upperBound(firstBlock, blk) - 1;
                int from = (blk - firstBlock[t]) * Criterion.SUM_BLOCK;
                int to = Math.min(src.size(t), from + Criterion.SUM_BLOCK);
                try {
                    src.scores(t, from, to, buf);
                    double s = 0;
                    for (int i = 0; i < to - from; i++) {
                        if (Float.isNaN(buf[i])) throw GlobalSelector.nanScore(src, t, from + i);
                        s += buf[i];
                    }
                    partial[blk] = s;
                } catch (RuntimeException e) {
                    err[blk] = e;
                }
            }
        });
        for (RuntimeException e : err) if (e != null) throw e;
        double s = 0;
        for (double p : partial) s += p;
        return s;
    }

    /** Index of the first element of sorted {@code a} that is > x. */
    static int upperBound(int[] a, int x) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
