package dev.jprune.prune;

/**
 * Element importance criteria: a score per element computed from the weight {@code w} and the gradient (or an
 * accumulated gradient statistic) {@code g}. Larger score = more important = kept.
 *
 * <p><b>Arithmetic specification</b> (bit-exact, for the GPU twin): all formulas are evaluated in IEEE float32
 * with round-to-nearest and <em>no fused multiply-add</em> (in CUDA use {@code __fmul_rn}); {@code p = w*g} is
 * rounded to float before {@code abs} or squaring. Java float arithmetic is exactly this.
 *
 * <table>
 *   <caption>criteria</caption>
 *   <tr><th>criterion</th><th>score</th><th>reads</th></tr>
 *   <tr><td>MAGNITUDE</td><td>|w|</td><td>w</td></tr>
 *   <tr><td>GRADIENT</td><td>|g|</td><td>g</td></tr>
 *   <tr><td>TAYLOR</td><td>|w·g| (first-order Taylor estimate of the loss change)</td><td>w, g</td></tr>
 *   <tr><td>TAYLOR_SQUARED</td><td>(w·g)²</td><td>w, g</td></tr>
 *   <tr><td>SNIP</td><td>|w·g|; the SNIP saliency is |w·g| / Σ|w·g| over all considered tensors. Dividing by a
 *       positive constant does not change the order (and rounding of the division could only create ties), so
 *       selection uses the unnormalised |w·g|; {@link #snipNormaliser} gives the sum for reporting.</td>
 *       <td>w, g</td></tr>
 *   <tr><td>MOVEMENT</td><td>−w·g per batch (signed). Movement pruning's score is the sum over steps of −w·g:
 *       accumulate it with {@link ScoreAccumulator} (criterion MOVEMENT, mode SUM) and select on the buffer.
 *       Negative scores are fine: selection works on {@link ScoreKeys#key}, which orders all non-NaN floats.</td>
 *       <td>w, g</td></tr>
 *   <tr><td>USER</td><td>supplied by the user: {@link ScoreSource#of(float[][])} or
 *       {@link ScoreSource#of(int[], ScoreSource.ElementScore)}</td><td>—</td></tr>
 *   <tr><td>HYBRID</td><td>Σ αᵢ · normalizeᵢ(criterionᵢ) over the terms of the spec's {@link ScoreMix}, normalised
 *       per tensor ({@link HybridScores})</td><td>what its terms read</td></tr>
 *   <tr><td>RANDOM</td><td>a seeded uniform draw in [0, 1) per element ({@link RandomScores}): the control every
 *       pruning study reports</td><td>—</td></tr>
 * </table>
 * HYBRID, RANDOM and USER have no per-element formula of (w, g): {@link #score} throws for them.
 */
public enum Criterion {
    /** |w|. */
    MAGNITUDE,
    /** |g|. */
    GRADIENT,
    /** |w·g|, the first-order Taylor estimate of the loss change. */
    TAYLOR,
    /** (w·g)². */
    TAYLOR_SQUARED,
    /** |w·g| on the untrained network, one prune before training (Lee et al. 2019). */
    SNIP,
    /** −w·g summed over fine-tuning (Sanh et al. 2020). */
    MOVEMENT,
    /** Scores supplied by code (ModelPruner.prune with a ScoreSource). */
    USER,
    /** A weighted sum of per-tensor normalised criteria ({@link ScoreMix}). */
    HYBRID,
    /** Seeded uniform random scores (a baseline). */
    RANDOM;

    /** Score of one element (see the table). USER has no formula and throws. */
    public float score(float w, float g) {
        switch (this) {
            case MAGNITUDE: return Math.abs(w);
            case GRADIENT: return Math.abs(g);
            case TAYLOR:
            case SNIP: return Math.abs(w * g);
            case TAYLOR_SQUARED: { float p = w * g; return p * p; }
            case MOVEMENT: return -(w * g);
            default: throw new IllegalArgumentException("criterion " + this + " has no per-element formula of (w, g)"
                    + (this == USER ? ": supply scores with ScoreSource.of" : ""));
        }
    }

    /** True if the criterion has a per-element formula of (w, g) ({@link #score}): not USER, HYBRID or RANDOM. */
    public boolean hasFormula() { return this != USER && this != HYBRID && this != RANDOM; }

    /** True if the criterion's formula reads the weight (false for those without one: see {@link #hasFormula}). */
    public boolean readsWeight() { return hasFormula() && this != GRADIENT; }

    /**
     * True if the criterion's formula reads the gradient (false for those without one; whether a HYBRID spec needs
     * gradients is its mix's: {@link PruneSpec#needsGradients}).
     */
    public boolean readsGradient() { return hasFormula() && this != MAGNITUDE; }

    /** True if scores can be negative (MOVEMENT; USER scores may be anything but NaN). */
    public boolean signed() { return this == MOVEMENT || this == USER; }

    /**
     * The SNIP normaliser Σ score over all elements of {@code src}, in double, deterministic whatever the thread
     * count: each fixed block of {@link #SUM_BLOCK} elements of a tensor is summed sequentially in index order, and
     * the block sums are added in (tensor, block) order. The normalised SNIP saliency of an element is
     * {@code score / snipNormaliser} (not used for selection, see the class comment).
     */
    public static double snipNormaliser(ScoreSource src) {
        return ScoreSums.sum(src);
    }

    /** Block length of the deterministic sums. */
    public static final int SUM_BLOCK = 1 << 16;
}
