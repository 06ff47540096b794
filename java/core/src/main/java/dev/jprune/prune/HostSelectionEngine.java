package dev.jprune.prune;

/**
 * The host {@link SelectionEngine}: selects on a {@link ScoreSource} with {@link GlobalSelector}, {@link NmSparsity}
 * and {@link Structured} and writes fresh mask arrays ({@link #masks()}, one per tensor, all zero until a selection
 * runs). Reads the scores only; modifies nothing but its own masks.
 */
public final class HostSelectionEngine implements SelectionEngine {
    private final ScoreSource scores;
    private byte[][] masks;

    /** An engine over {@code scores} (already respecting earlier masks if the caller wants that). */
    public HostSelectionEngine(ScoreSource scores) {
        if (scores == null) throw new IllegalArgumentException("HostSelectionEngine: null scores");
        this.scores = scores;
        this.masks = Structured.newMasks(scores);
    }

    /** The masks the last selection wrote (the engine's own arrays, not copies). */
    public byte[][] masks() { return masks; }

    @Override public int tensorCount() { return scores.tensorCount(); }

    @Override
    public long[] select(long keep) {
        return GlobalSelector.select(scores, keep).apply(scores, masks, null);
    }

    @Override
    public long[] perLayer(double[] sparsity) {
        GlobalSelector.perLayer(scores, sparsity, masks, null);
        return counts(masks);
    }

    @Override
    public long[] capped(long keep, double[] minDensity, double[] maxDensity) {
        return GlobalSelector.selectCapped(scores, keep, minDensity, maxDensity, masks, null).keptPerTensor();
    }

    @Override
    public long[] threshold(float eps) {
        return GlobalSelector.threshold(scores, eps, masks, null);
    }

    @Override
    public long[] nm(int[] rowLengths, int n, int m) {
        int nt = scores.tensorCount();
        if (rowLengths.length != nt) throw new IllegalArgumentException("nm: " + rowLengths.length + " row lengths for " + nt + " tensors");
        long[] kept = new long[nt];
        // The masks are fresh: a fault in a later tensor leaves nothing the caller has committed.
        for (int t = 0; t < nt; t++) kept[t] = NmSparsity.apply(scores, t, rowLengths[t], n, m, masks[t], null);
        return kept;
    }

    @Override
    public Groups structured(int[] groups, Structured.Norm norm, long keepGroups) {
        return adopt(Structured.global(scores, groups, norm, keepGroups));
    }

    @Override
    public Groups structuredPerLayer(int[] groups, Structured.Norm norm, double[] sparsity) {
        return adopt(Structured.perLayer(scores, groups, norm, sparsity));
    }

    @Override
    public Groups structuredThreshold(int[] groups, Structured.Norm norm, float eps) {
        return adopt(Structured.threshold(scores, groups, norm, eps));
    }

    private Groups adopt(Structured.Result r) {
        masks = r.masks();
        return new Groups(counts(masks), r.keptGroups());
    }

    static long[] counts(byte[][] masks) {
        long[] k = new long[masks.length];
        for (int t = 0; t < masks.length; t++) for (byte b : masks[t]) k[t] += b;
        return k;
    }
}
