package dev.jprune.prune;

import java.util.Arrays;

/**
 * Sort-based reference twin of {@link GlobalSelector#select}: materialises every (score, global index) pair,
 * sorts by (score desc, index asc) and keeps the first {@code keep}. O(total) memory; for tests only.
 */
public final class SelectionReference {
    private SelectionReference() {}

    /** Reference result: masks, threshold bits (canonical) and tie budget as defined in {@link Selection}. */
    public record Result(byte[][] masks, int thresholdBits, long tieBudget) {}

    /** The reference selection: sorts every score (score desc, index asc) and keeps the first {@code keep}. */
    public static Result select(ScoreSource src, long keep) {
        int nt = src.tensorCount();
        int total = 0;
        for (int t = 0; t < nt; t++) total = Math.addExact(total, src.size(t));
        if (keep < 0 || keep > total) throw new IllegalArgumentException("reference: keep " + keep + " not in [0, "
                + total + "]");
        float[] score = new float[total];
        int[] tensor = new int[total], index = new int[total];
        int gi = 0;
        for (int t = 0; t < nt; t++) {
            for (int i = 0; i < src.size(t); i++, gi++) {
                score[gi] = src.score(t, i);
                if (Float.isNaN(score[gi])) throw new IllegalArgumentException("reference: NaN score in " + src.name(t)
                        + " at " + i);
                tensor[gi] = t;
                index[gi] = i;
            }
        }
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) order[i] = i;
        // Double-valued compare of the float scores: -0.0 and 0.0 must tie, so compare with == / < , not Float.compare.
        Arrays.sort(order, (a, b) -> {
            float x = score[a], y = score[b];
            if (x > y) return -1;
            if (x < y) return 1;
            return Integer.compare(a, b);
        });
        byte[][] masks = new byte[nt][];
        for (int t = 0; t < nt; t++) masks[t] = new byte[src.size(t)];
        for (int r = 0; r < keep; r++) masks[tensor[order[r]]][index[order[r]]] = 1;
        float thr;
        if (total == 0) thr = 0f;
        else if (keep == 0) thr = score[order[0]];
        else thr = score[order[(int) keep - 1]];
        if (thr == 0f) thr = 0f; // canonical +0.0
        long tieBudget = 0;
        for (int r = 0; r < keep; r++) if (score[order[r]] == thr) tieBudget++;
        return new Result(masks, Float.floatToRawIntBits(thr), tieBudget);
    }
}
