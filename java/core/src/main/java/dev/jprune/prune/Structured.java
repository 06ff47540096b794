package dev.jprune.prune;

import dev.jprune.util.Parallel;

/**
 * Structured pruning: whole rows of a [out, in] weight, or whole output filters of a [F, C, kh, kw] weight, are
 * kept or pruned. Tensor t is viewed as {@code [groups[t], size/groups[t]]}: group g is the contiguous slice
 * {@code [g·len, (g+1)·len)} (row-major, so a row of a matrix or a filter of a conv weight).
 *
 * <p><b>Group score</b> (specification): {@code L1 = (float) Σ |s_i|}, {@code L2 = (float) sqrt(Σ s_i²)} over the
 * element scores s_i of the group, accumulated in double sequentially in index order (a GPU twin uses one thread,
 * or a fixed-order reduction over exactly this sequence, per group), then rounded to float once. A group holding an
 * element that scores −Infinity (one an earlier prune removed: {@link ScoreSource#respectingMasks}) scores −Infinity,
 * so it goes first again — its |s| or s² would otherwise be +Infinity and keep it. Groups are then
 * selected with the exact element selection ({@link GlobalSelector}) on the group scores — global across tensors
 * or per tensor — so ties between groups go to the lower (tensor, group) index. Note: globally, L1/L2 sums of groups
 * of different lengths are compared as they are; normalise the element scores first if layers differ in fan-in.
 *
 * <p>The result also lists the kept group indices per tensor (ascending) for physically shrinking a model.
 */
public final class Structured {
    private Structured() {}

    /** How a row's element scores combine into its group score. */
    public enum Norm {
        /** Sum of absolute values. */
        L1,
        /** Square root of the sum of squares. */
        L2
    }

    /**
     * @param masks element masks (1 keep), one per tensor
     * @param keptGroups indices of the kept groups of each tensor, ascending
     * @param groupScores the group scores that were selected on
     */
    public record Result(byte[][] masks, int[][] keptGroups, float[][] groupScores) {}

    /** Group scores of every tensor (tensor t in {@code groups[t]} groups). Reads src only. */
    public static float[][] groupScores(ScoreSource src, int[] groups, Norm norm) {
        int nt = src.tensorCount();
        if (groups.length != nt) throw new IllegalArgumentException("structured: " + groups.length
                + " group counts for " + nt + " tensors");
        float[][] gs = new float[nt][];
        for (int t = 0; t < nt; t++) {
            int size = src.size(t), ng = groups[t];
            if (ng < 1 ? size != 0 || ng < 0 : size % ng != 0) {
                throw new IllegalArgumentException("structured: " + src.name(t) + " has " + size
                        + " elements, not divisible into " + ng + " groups");
            }
            int len = ng == 0 ? 0 : size / ng;
            float[] out = new float[ng];
            int tt = t;
            RuntimeException[] err = new RuntimeException[ng];
            Parallel.forRange(ng, Math.max(1, 16384 / Math.max(1, len)), (a, b) -> {
                float[] buf = new float[GlobalSelector.BLOCK];
                for (int g = a; g < b; g++) {
                    double acc = 0;
                    boolean pruned = false;
                    try {
                        for (int i = 0; i < len; i += buf.length) {
                            int n = Math.min(buf.length, len - i);
                            src.scores(tt, g * len + i, g * len + i + n, buf);
                            for (int j = 0; j < n; j++) {
                                float s = buf[j];
                                if (Float.isNaN(s)) throw GlobalSelector.nanScore(src, tt, g * len + i + j);
                                pruned |= s == Float.NEGATIVE_INFINITY;
                                acc += norm == Norm.L1 ? Math.abs((double) s) : (double) s * s;
                            }
                        }
                    } catch (RuntimeException e) {
                        err[g] = e;
                        return;
                    }
                    out[g] = pruned ? Float.NEGATIVE_INFINITY : (float) (norm == Norm.L1 ? acc : Math.sqrt(acc));
                }
            });
            for (RuntimeException e : err) if (e != null) throw e;
            gs[t] = out;
        }
        return gs;
    }

    /**
     * Global scope: keeps the {@code keepGroups} highest-scoring groups over all tensors. Reads src only; returns new
     * masks.
     */
    public static Result global(ScoreSource src, int[] groups, Norm norm, long keepGroups) {
        float[][] gs = groupScores(src, groups, norm);
        ScoreSource gsrc = ScoreSource.of(gs, names(src));
        byte[][] gm = newMasks(gsrc);
        GlobalSelector.select(gsrc, keepGroups).writeMasks(gsrc, gm);
        return expand(src, gs, gm);
    }

    /**
     * Per-layer scope: tensor t keeps {@code GlobalSelector.keepForSparsity(groups[t], sparsity[t])} of its groups.
     * Reads src only; returns new masks.
     */
    public static Result perLayer(ScoreSource src, int[] groups, Norm norm, double[] sparsity) {
        float[][] gs = groupScores(src, groups, norm);
        ScoreSource gsrc = ScoreSource.of(gs, names(src));
        byte[][] gm = newMasks(gsrc);
        GlobalSelector.perLayer(gsrc, sparsity, gm, null);
        return expand(src, gs, gm);
    }

    /**
     * Threshold: keeps exactly the groups whose score ({@link #groupScores}) is at least {@code eps} (a group holding a
     * pruned element scores −∞ and goes). Reads src only; returns new masks.
     *
     * @throws IllegalArgumentException for a NaN eps or a NaN score
     */
    public static Result threshold(ScoreSource src, int[] groups, Norm norm, float eps) {
        if (Float.isNaN(eps)) throw new IllegalArgumentException("structured threshold: eps is NaN");
        float[][] gs = groupScores(src, groups, norm);
        ScoreSource gsrc = ScoreSource.of(gs, names(src));
        byte[][] gm = newMasks(gsrc);
        GlobalSelector.threshold(gsrc, eps, gm, null);
        return expand(src, gs, gm);
    }

    private static Result expand(ScoreSource src, float[][] gs, byte[][] gm) {
        int nt = src.tensorCount();
        byte[][] masks = new byte[nt][];
        int[][] kept = new int[nt][];
        for (int t = 0; t < nt; t++) {
            int ng = gm[t].length, len = ng == 0 ? 0 : src.size(t) / ng;
            masks[t] = new byte[src.size(t)];
            int k = 0;
            for (byte b : gm[t]) k += b;
            kept[t] = new int[k];
            k = 0;
            for (int g = 0; g < ng; g++) {
                if (gm[t][g] == 0) continue;
                kept[t][k++] = g;
                java.util.Arrays.fill(masks[t], g * len, (g + 1) * len, (byte) 1);
            }
        }
        return new Result(masks, kept, gs);
    }

    private static String[] names(ScoreSource src) {
        String[] n = new String[src.tensorCount()];
        for (int t = 0; t < n.length; t++) n[t] = src.name(t);
        return n;
    }

    static byte[][] newMasks(ScoreSource src) {
        byte[][] m = new byte[src.tensorCount()][];
        for (int t = 0; t < m.length; t++) m[t] = new byte[src.size(t)];
        return m;
    }
}
