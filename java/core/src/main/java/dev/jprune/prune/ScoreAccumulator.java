package dev.jprune.prune;

/**
 * Accumulates a per-batch element statistic over batches into one float buffer per tensor (the only O(parameters)
 * state of gradient-statistic criteria). The statistic of a batch is {@code criterion.score(w, g)}: GRADIENT → |g|,
 * TAYLOR → |w·g|, TAYLOR_SQUARED → (w·g)², MOVEMENT → −w·g (so a SUM of MOVEMENT is the movement-pruning score).
 *
 * <p><b>Update specification</b> (float32, round-to-nearest, no FMA; the buffer starts at 0):
 * <ul>
 *   <li>SUM: {@code s = s + x}</li>
 *   <li>EMA with momentum m: {@code s = m*s + (1-m)*x}, where {@code (1-m)} is rounded to float once
 *       ({@code float c = 1f - m}) and the two products are rounded before the addition.</li>
 * </ul>
 * An input fault (non-finite w or g in an input the criterion reads) throws {@link IllegalArgumentException} naming
 * the tensor and index; the inputs of a batch are validated before anything is written, so a failed batch leaves
 * the buffers unchanged. {@link #source()} views the buffers as scores for selection.
 */
public final class ScoreAccumulator {
    /** How per-batch statistics combine. */
    public enum Mode {
        /** s = s + x. */
        SUM,
        /** s = m·s + (1 − m)·x. */
        EMA
    }

    private final Criterion criterion;
    private final Mode mode;
    private final float momentum, oneMinusMomentum;
    private final float[][] buf;
    private final String[] names;
    private long batches;

    /**
     * @param sizes element count per tensor
     * @param momentum EMA momentum in [0, 1) (ignored for SUM)
     * @param names tensor names for error messages, or null
     */
    public ScoreAccumulator(Criterion criterion, Mode mode, float momentum, int[] sizes, String[] names) {
        if (criterion == Criterion.USER) throw new IllegalArgumentException("ScoreAccumulator: criterion USER has no per-batch formula");
        if (mode == Mode.EMA && !(momentum >= 0f && momentum < 1f)) {
            throw new IllegalArgumentException("ScoreAccumulator: EMA momentum must be in [0, 1), got " + momentum);
        }
        if (names != null && names.length != sizes.length) {
            throw new IllegalArgumentException("ScoreAccumulator: " + names.length + " names for " + sizes.length + " tensors");
        }
        this.criterion = criterion;
        this.mode = mode;
        this.momentum = momentum;
        this.oneMinusMomentum = 1f - momentum;
        this.buf = new float[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            if (sizes[t] < 0) throw new IllegalArgumentException("ScoreAccumulator: negative size " + sizes[t] + " for tensor " + t);
            buf[t] = new float[sizes[t]];
        }
        this.names = names == null ? null : names.clone();
    }

    /**
     * Adds one batch. Reads {@code w} and {@code g} (either may be null if the criterion does not read it);
     * modifies only this accumulator's buffers.
     */
    public void accumulate(float[][] w, float[][] g) {
        CriterionScoreSource src = new CriterionScoreSource(criterion, w, g, names);
        if (src.tensorCount() != buf.length) {
            throw new IllegalArgumentException("ScoreAccumulator.accumulate: " + src.tensorCount() + " tensors, expected " + buf.length);
        }
        for (int t = 0; t < buf.length; t++) {
            if (src.size(t) != buf[t].length) {
                throw new IllegalArgumentException("ScoreAccumulator.accumulate: " + src.name(t) + " has " + src.size(t)
                        + " elements, expected " + buf[t].length);
            }
        }
        // Validation pass first (read only) so a fault leaves the buffers untouched.
        int block = 4096;
        float[] x = new float[block];
        for (int t = 0; t < buf.length; t++) {
            for (int from = 0; from < buf[t].length; from += block) src.scores(t, from, Math.min(buf[t].length, from + block), x);
        }
        for (int t = 0; t < buf.length; t++) {
            float[] s = buf[t];
            for (int from = 0; from < s.length; from += block) {
                int to = Math.min(s.length, from + block);
                src.scores(t, from, to, x);
                if (mode == Mode.SUM) {
                    for (int i = from; i < to; i++) s[i] = s[i] + x[i - from];
                } else {
                    for (int i = from; i < to; i++) s[i] = momentum * s[i] + oneMinusMomentum * x[i - from];
                }
            }
        }
        batches++;
    }

    /** The criterion whose per-batch statistic is accumulated. */
    public Criterion criterion() { return criterion; }
    /** How batches combine. */
    public Mode mode() { return mode; }
    /** The EMA momentum (unused by SUM). */
    public float momentum() { return momentum; }

    /**
     * Records {@code n} batches that were accumulated into {@link #buffers()} elsewhere, by the same formula (a
     * device mirror that was just copied back into the buffers).
     */
    public void addExternalBatches(long n) {
        if (n < 0) throw new IllegalArgumentException("ScoreAccumulator.addExternalBatches: negative count " + n);
        batches += n;
    }

    /** The accumulated buffers (live, not copies). */
    public float[][] buffers() { return buf; }

    /** Number of batches accumulated. */
    public long batches() { return batches; }

    /** The buffers as a score source (USER-style), e.g. for MOVEMENT. */
    public ScoreSource source() { return new ArrayScoreSource(buf, names); }

    /** Resets the buffers to 0. */
    public void reset() {
        for (float[] s : buf) java.util.Arrays.fill(s, 0f);
        batches = 0;
    }
}
