package dev.jprune.prune;

/**
 * The host {@link SelectionEngine}: selects on a {@link ScoreSource} with {@link GlobalSelector}, {@link NmSparsity}
 * and {@link Structured}. By default it writes fresh mask arrays ({@link #masks()}, one per tensor, all zero until a
 * selection runs); built with a {@link MaskSink} it hands every decision to the sink instead and holds no mask (how
 * {@link CheckpointPruner} prunes out of core; structured selections need the arrays and are refused there). Reads
 * the scores only; modifies nothing but its own masks or what the sink writes.
 */
public final class HostSelectionEngine implements SelectionEngine {
    private final ScoreSource scores;
    private final MaskSink sink;
    private byte[][] masks;

    /** An engine over {@code scores} (already respecting earlier masks if the caller wants that). */
    public HostSelectionEngine(ScoreSource scores) {
        if (scores == null) throw new IllegalArgumentException("HostSelectionEngine: null scores");
        this.scores = scores;
        this.masks = Structured.newMasks(scores);
        this.sink = MaskSink.arrays(masks, null);
    }

    /** An engine over {@code scores} whose selections write into {@code sink} (tensor indices as in the scores). */
    public HostSelectionEngine(ScoreSource scores, MaskSink sink) {
        if (scores == null || sink == null) {
            throw new IllegalArgumentException("HostSelectionEngine: null scores or sink");
        }
        this.scores = scores;
        this.sink = sink;
    }

    /**
     * The masks the last selection wrote (the engine's own arrays, not copies).
     *
     * @throws IllegalStateException for an engine built with a {@link MaskSink}
     */
    public byte[][] masks() {
        if (masks == null) {
            throw new IllegalStateException("HostSelectionEngine: this engine writes to a MaskSink, it holds no masks");
        }
        return masks;
    }

    @Override public int tensorCount() { return scores.tensorCount(); }

    @Override
    public long[] select(long keep) {
        return GlobalSelector.select(scores, keep).apply(scores, sink);
    }

    @Override
    public long[] perLayer(double[] sparsity) {
        return GlobalSelector.perLayer(scores, sparsity, sink);
    }

    @Override
    public long[] capped(long keep, double[] minDensity, double[] maxDensity) {
        return GlobalSelector.selectCapped(scores, keep, minDensity, maxDensity, sink).keptPerTensor();
    }

    @Override
    public long[] threshold(float eps) {
        return GlobalSelector.threshold(scores, eps, sink);
    }

    @Override
    public long[] nm(int[] rowLengths, int n, int m) {
        int nt = scores.tensorCount();
        if (rowLengths.length != nt) throw new IllegalArgumentException("nm: " + rowLengths.length + " row lengths for "
                + nt + " tensors");
        // Every tensor is checked (a read-only pass) before any decision is written: a NaN in a later tensor leaves the
        // output untouched, which a streaming sink needs (the arrays are fresh either way).
        for (int t = 0; t < nt; t++) NmSparsity.apply(scores, t, rowLengths[t], n, m, (MaskSink) null);
        long[] kept = new long[nt];
        for (int t = 0; t < nt; t++) kept[t] = NmSparsity.applyChecked(scores, t, rowLengths[t], n, m, sink);
        return kept;
    }

    @Override
    public Groups structured(int[] groups, Structured.Norm norm, long keepGroups) {
        requireArrays("structured");
        return adopt(Structured.global(scores, groups, norm, keepGroups));
    }

    @Override
    public Groups structuredPerLayer(int[] groups, Structured.Norm norm, double[] sparsity) {
        requireArrays("structured");
        return adopt(Structured.perLayer(scores, groups, norm, sparsity));
    }

    private void requireArrays(String what) {
        if (masks == null) {
            throw new IllegalArgumentException(what + " selection writes whole masks in memory; this engine streams"
                    + " to a MaskSink");
        }
    }

    @Override
    public Groups structuredThreshold(int[] groups, Structured.Norm norm, float eps) {
        requireArrays("structured");
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
