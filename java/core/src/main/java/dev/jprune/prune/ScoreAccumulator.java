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
 * </ul> An input fault (non-finite w or g in an input the criterion reads) throws {@link IllegalArgumentException}
 * naming the tensor and index; the inputs of a batch are validated before anything is written, so a failed batch leaves
 * the buffers unchanged. {@link #source()} views the buffers as scores for selection.
 *
 * <p>A {@link Criterion#HYBRID} accumulator ({@link #ScoreAccumulator(ScoreMix, Mode, float, int[], String[])}) keeps
 * one such accumulator per gradient term of its mix ({@link #part}); it has no buffers of its own — its scores are
 * combined at the prune by {@link HybridScores} — and is accumulated on the host.
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
    private final java.util.Map<Criterion, ScoreAccumulator> parts;  // HYBRID only, else null
    private long batches;

    /**
     * A {@link Criterion#HYBRID} accumulator for {@code mix}: one part per gradient term, each with {@code mode} and
     * {@code momentum} (a mix without gradient terms has no part).
     */
    public ScoreAccumulator(ScoreMix mix, Mode mode, float momentum, int[] sizes, String[] names) {
        if (mode == Mode.EMA && !(momentum >= 0f && momentum < 1f)) {
            throw new IllegalArgumentException("ScoreAccumulator: EMA momentum must be in [0, 1), got " + momentum);
        }
        this.criterion = Criterion.HYBRID;
        this.mode = mode;
        this.momentum = momentum;
        this.oneMinusMomentum = 1f - momentum;
        this.buf = null;
        this.names = names == null ? null : names.clone();
        this.parts = new java.util.LinkedHashMap<>();
        for (Criterion c : HybridScores.accumulated(mix)) parts.put(c, new ScoreAccumulator(c, mode, momentum, sizes,
                names));
    }

    /**
     * @param sizes element count per tensor
     * @param momentum EMA momentum in [0, 1) (ignored for SUM)
     * @param names tensor names for error messages, or null
     */
    public ScoreAccumulator(Criterion criterion, Mode mode, float momentum, int[] sizes, String[] names) {
        if (!criterion.hasFormula()) {
            throw new IllegalArgumentException("ScoreAccumulator: criterion " + criterion
                    + " has no per-batch formula");
        }
        if (mode == Mode.EMA && !(momentum >= 0f && momentum < 1f)) {
            throw new IllegalArgumentException("ScoreAccumulator: EMA momentum must be in [0, 1), got " + momentum);
        }
        if (names != null && names.length != sizes.length) {
            throw new IllegalArgumentException("ScoreAccumulator: " + names.length + " names for " + sizes.length
                    + " tensors");
        }
        this.criterion = criterion;
        this.mode = mode;
        this.momentum = momentum;
        this.oneMinusMomentum = 1f - momentum;
        this.buf = new float[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            if (sizes[t] < 0) throw new IllegalArgumentException("ScoreAccumulator: negative size " + sizes[t]
                    + " for tensor " + t);
            buf[t] = new float[sizes[t]];
        }
        this.names = names == null ? null : names.clone();
        this.parts = null;
    }

    /**
     * Adds one batch. Reads {@code w} and {@code g} (either may be null if the criterion does not read it);
     * modifies only this accumulator's buffers.
     */
    public void accumulate(float[][] w, float[][] g) {
        if (parts != null) {
            // Validate every part's inputs (values included) before any part changes: a fault leaves all of them as
            // they were.
            for (ScoreAccumulator p : parts.values()) p.validated(w, g);
            for (ScoreAccumulator p : parts.values()) p.accumulate(w, g);
            batches++;
            return;
        }
        CriterionScoreSource src = validated(w, g);
        int block = SCORE_BLOCK;
        float[] x = new float[block];
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

    /** Scores per block of the validation and accumulation passes. */
    private static final int SCORE_BLOCK = 4096;

    /** The batch's scores after a read-only pass over them: throws for any input fault, writes nothing. */
    private CriterionScoreSource validated(float[][] w, float[][] g) {
        CriterionScoreSource src = new CriterionScoreSource(criterion, w, g, names);
        if (src.tensorCount() != buf.length) {
            throw new IllegalArgumentException("ScoreAccumulator.accumulate: " + src.tensorCount()
                    + " tensors, expected " + buf.length);
        }
        for (int t = 0; t < buf.length; t++) {
            if (src.size(t) != buf[t].length) {
                throw new IllegalArgumentException("ScoreAccumulator.accumulate: " + src.name(t) + " has " + src.size(t)
                        + " elements, expected " + buf[t].length);
            }
        }
        // Validation pass (read only) so a fault leaves the buffers untouched.
        int block = SCORE_BLOCK;
        float[] x = new float[block];
        for (int t = 0; t < buf.length; t++) {
            for (int from = 0; from < buf[t].length; from += block) src.scores(t, from,
                    Math.min(buf[t].length, from + block), x);
        }
        return src;
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

    /**
     * The accumulated buffers (live, not copies).
     *
     * @throws IllegalStateException for a HYBRID accumulator (its buffers are its parts')
     */
    public float[][] buffers() {
        if (parts != null) throw new IllegalStateException("a HYBRID accumulator has no buffers of its own; see "
                + "part()");
        return buf;
    }

    /**
     * The part of a HYBRID accumulator that accumulates {@code c}'s statistic.
     *
     * @throws IllegalArgumentException when this is not a HYBRID accumulator or its mix has no term {@code c}
     */
    public ScoreAccumulator part(Criterion c) {
        ScoreAccumulator p = parts == null ? null : parts.get(c);
        if (p == null) throw new IllegalArgumentException("ScoreAccumulator: no " + c + " part (criterion "
                + criterion + ")");
        return p;
    }

    /** Number of batches accumulated. */
    public long batches() { return batches; }

    /**
     * The buffers as a score source (USER-style), e.g. for MOVEMENT.
     *
     * @throws IllegalStateException for a HYBRID accumulator (its scores are combined by {@link HybridScores})
     */
    public ScoreSource source() { return new ArrayScoreSource(buffers(), names); }

    /** Resets the buffers (a HYBRID accumulator: its parts') to 0. */
    public void reset() {
        if (parts != null) {
            for (ScoreAccumulator p : parts.values()) p.reset();
        } else {
            for (float[] s : buf) java.util.Arrays.fill(s, 0f);
        }
        batches = 0;
    }
}
