package dev.jprune.prune;

/**
 * Convenience entry points over {@link GlobalSelector}, {@link NmSparsity} and {@link Structured}. Every method
 * returns new masks (byte per element, 1 keep / 0 prune) and reads its inputs only, except {@link #globalPrune},
 * which also zeroes the pruned weights.
 */
public final class Pruner {
    private Pruner() {}

    /** Masks keeping the {@code keep} largest of the given scores over all tensors (ties → lower global index). */
    public static byte[][] globalMasks(float[][] scores, long keep) {
        return globalMasks(ScoreSource.of(scores), keep);
    }

    /** Masks keeping the {@code keep} largest scores of {@code src} over all tensors. */
    public static byte[][] globalMasks(ScoreSource src, long keep) {
        byte[][] m = Structured.newMasks(src);
        GlobalSelector.select(src, keep).writeMasks(src, m);
        return m;
    }

    /**
     * The global prune step: scores {@code criterion(w, g)} computed on the fly (never stored), exact selection of
     * {@code keepForSparsity(total, sparsity)} elements, masks written and {@code w} zeroed at pruned positions in the
     * same pass. Modifies {@code w} and {@code masksOut}; reads {@code g}. Returns the selection.
     */
    public static Selection globalPrune(Criterion criterion, float[][] w, float[][] g, String[] names, double sparsity,
            byte[][] masksOut) {
        ScoreSource src = new CriterionScoreSource(criterion, w, g, names);
        Selection sel = GlobalSelector.selectSparsity(src, sparsity);
        sel.apply(src, masksOut, w);
        return sel;
    }

    /** Per-layer masks: tensor t keeps {@code keepForSparsity(size(t), sparsity[t])} of its own elements. */
    public static byte[][] perLayer(ScoreSource src, double[] sparsity) {
        byte[][] m = Structured.newMasks(src);
        GlobalSelector.perLayer(src, sparsity, m, null);
        return m;
    }

    /** Threshold result: masks (score ≥ eps kept) and kept counts. */
    public record ThresholdResult(byte[][] masks, long kept, long[] keptPerTensor) {}

    /** Masks keeping exactly the elements with score ≥ eps; the kept count is reported. */
    public static ThresholdResult threshold(ScoreSource src, float eps) {
        byte[][] m = Structured.newMasks(src);
        long[] per = GlobalSelector.threshold(src, eps, m, null);
        long k = 0;
        for (long x : per) k += x;
        return new ThresholdResult(m, k, per);
    }

    /** N:M mask of one tensor's scores viewed as rows of {@code rowLength} (see {@link NmSparsity}). */
    public static byte[] nm(float[] scores, int rowLength, int n, int m) {
        return NmSparsity.mask(scores, rowLength, n, m);
    }

    /**
     * Structured (row / filter) pruning, global scope: keeps {@code keepForSparsity(total groups, sparsity)} groups.
     */
    public static Structured.Result structuredGlobal(ScoreSource src, int[] groups, Structured.Norm norm,
            double sparsity) {
        long totalGroups = 0;
        for (int g : groups) totalGroups += g;
        return Structured.global(src, groups, norm, GlobalSelector.keepForSparsity(totalGroups, sparsity));
    }

    /** Structured (row / filter) pruning, per-layer scope. */
    public static Structured.Result structuredPerLayer(ScoreSource src, int[] groups, Structured.Norm norm,
            double[] sparsity) {
        return Structured.perLayer(src, groups, norm, sparsity);
    }
}
