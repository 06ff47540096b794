package dev.jprune.prune;

import java.util.Set;

/**
 * What to prune and how. The weight tensors of Linear and Conv2d layers are candidates, and with
 * {@code pruneBiases} their biases too (unstructured only); otherwise biases are never pruned on their own (structured
 * pruning masks a removed neuron's bias entry with it).
 *
 * @param sparsity       target fraction of the candidate weights (or groups) removed, in [0, 1]
 * @param thresholdEps   if not NaN: threshold mode — prune where score &lt; eps (sparsity ignored). Gradient scores
 *                       summed over batches (SUM) are compared as their mean per batch (sum / batches, float
 *                       division); an EMA as it is. With STRUCTURED granularity eps bounds the group norm: a row or
 *                       filter whose norm of element scores is &lt; eps goes. Not for N:M.
 * @param excludedLayers Sequential indices never pruned
 * @param excludeLast    also exclude the last weight layer (the classifier); structured granularity always does, as
 *                       removing its rows would remove outputs (classes)
 * @param minDensity     per-tensor lower bound of kept fraction in global scope (0 = none); the bounds hold at every
 *                       prune: a schedule step they cannot meet prunes to the nearest sparsity they allow
 *                       ({@link ModelPruner#keepFor}), a target they cannot meet is refused before training
 * @param maxDensity     per-tensor upper bound of kept fraction in global scope (1 = none), likewise
 * @param scoreBatches   batches over which gradient-based scores accumulate before a prune
 * @param pruneBiases    biases of the candidate layers are candidates too, scored like weights (unstructured only)
 * @param mix            the terms of a HYBRID criterion (null for every other criterion)
 * @param randomSeed     seed of the RANDOM criterion's scores (unused by the others)
 */
public record PruneSpec(Criterion criterion, Granularity granularity, Scope scope, double sparsity,
                        int nmN, int nmM, Structured.Norm groupNorm, float thresholdEps,
                        Set<Integer> excludedLayers, boolean excludeLast, double minDensity, double maxDensity,
                        int scoreBatches, ScoreAccumulator.Mode accumulate, float emaMomentum,
                        boolean pruneBiases, ScoreMix mix, long randomSeed) {
    /** The components before bias pruning, hybrid and random criteria: weights only, no mix, random seed 1. */
    public PruneSpec(Criterion criterion, Granularity granularity, Scope scope, double sparsity, int nmN, int nmM,
                     Structured.Norm groupNorm, float thresholdEps, Set<Integer> excludedLayers, boolean excludeLast,
                     double minDensity, double maxDensity, int scoreBatches, ScoreAccumulator.Mode accumulate,
                     float emaMomentum) {
        this(criterion, granularity, scope, sparsity, nmN, nmM, groupNorm, thresholdEps, excludedLayers, excludeLast,
                minDensity, maxDensity, scoreBatches, accumulate, emaMomentum, false, null, DEFAULT_RANDOM_SEED);
    }

    /**
     * @throws IllegalArgumentException naming the first invalid component or combination
     */
    public PruneSpec {
        if (criterion == null || granularity == null || scope == null) throw new IllegalArgumentException(
                "criterion, granularity and scope are required");
        if (!(sparsity >= 0 && sparsity <= 1)) throw new IllegalArgumentException("sparsity must be in [0, 1], got "
                + sparsity);
        if (granularity == Granularity.NM && !(nmN >= 0 && nmM >= 1 && nmN <= nmM)) throw new IllegalArgumentException(
                "N:M needs 0 <= N <= M and M >= 1, got " + nmN + ":" + nmM);
        if (!(minDensity >= 0 && minDensity <= 1 && maxDensity >= 0 && maxDensity <= 1 && minDensity <= maxDensity)) {
            throw new IllegalArgumentException("density caps must satisfy 0 <= min <= max <= 1, got min " + minDensity
                    + " max " + maxDensity);
        }
        if (scoreBatches < 1) throw new IllegalArgumentException("score batches must be >= 1, got " + scoreBatches);
        if (accumulate == ScoreAccumulator.Mode.EMA && !(emaMomentum >= 0 && emaMomentum < 1)) {
            throw new IllegalArgumentException("EMA momentum must be in [0, 1), got " + emaMomentum);
        }
        if (criterion == Criterion.USER) throw new IllegalArgumentException(
                "criterion USER takes scores from code (ModelPruner.pruneWithScores), not from a spec");
        if (!Float.isNaN(thresholdEps) && granularity == Granularity.NM) {
            throw new IllegalArgumentException("threshold mode is for weights or neurons/filters, not N:M (which "
                    + "keeps N of every M)");
        }
        if (Float.isInfinite(thresholdEps)) throw new IllegalArgumentException("threshold must be finite, got "
                + thresholdEps);
        if (pruneBiases && granularity != Granularity.UNSTRUCTURED) {
            throw new IllegalArgumentException("bias pruning is for unstructured pruning (N:M and neurons/filters "
                    + "keep biases with"
                    + " their rows)");
        }
        if ((criterion == Criterion.HYBRID) != (mix != null)) {
            throw new IllegalArgumentException(criterion == Criterion.HYBRID
                    ? "criterion HYBRID needs a mix of criteria"
                    : "a mix of criteria needs criterion HYBRID, not " + criterion);
        }
        excludedLayers = Set.copyOf(excludedLayers);
    }

    /** Default target sparsity (the CLI's --sparsity). */
    public static final double DEFAULT_SPARSITY = 0.9;
    /** Default number of batches gradient scores accumulate over (the CLI's --score-batches; SNIP uses 1). */
    public static final int DEFAULT_SCORE_BATCHES = 16;
    /** Default EMA momentum of score accumulation (the CLI's --ema-momentum). */
    public static final float DEFAULT_EMA_MOMENTUM = 0.9f;
    /** Default seed of the RANDOM criterion (the CLI's --random-seed). */
    public static final long DEFAULT_RANDOM_SEED = 1;

    /**
     * Unstructured, global, the given criterion and sparsity; last layer kept prunable; scores summed over 16
     * batches (SNIP: one batch at initialisation, as Lee et al. define it). The same as
     * {@code builder().criterion(c).sparsity(sparsity).build()}.
     */
    public static PruneSpec global(Criterion c, double sparsity) {
        return builder().criterion(c).sparsity(sparsity).build();
    }

    /**
     * A builder with the CLI's defaults: TAYLOR, unstructured weights, global scope, sparsity 0.9, N:M 2:4, L2 group
     * norm, no threshold, no excluded layer, density bounds [0, 1], scores summed over 16 batches (SNIP: 1).
     */
    public static Builder builder() { return new Builder(); }

    /** A builder holding this spec's values. */
    public Builder toBuilder() {
        Builder b = new Builder().criterion(criterion).granularity(granularity).scope(scope)
                .sparsity(sparsity).nm(nmN, nmM)
                .groupNorm(groupNorm).threshold(thresholdEps).excludeLayers(excludedLayers).excludeLast(excludeLast)
                .densityBounds(minDensity,
                        maxDensity).scoreBatches(scoreBatches).accumulate(accumulate).emaMomentum(emaMomentum)
                .pruneBiases(pruneBiases).mix(mix).randomSeed(randomSeed);
        return b;
    }

    /** This spec with another target sparsity. */
    public PruneSpec withSparsity(double s) {
        return new PruneSpec(criterion, granularity, scope, s, nmN, nmM, groupNorm, thresholdEps, excludedLayers,
                excludeLast,
                minDensity, maxDensity, scoreBatches, accumulate, emaMomentum, pruneBiases, mix, randomSeed);
    }

    /**
     * Builds a {@link PruneSpec}; starts from the CLI's defaults ({@link #builder()}). Setters return the builder;
     * {@link #build} validates (IllegalArgumentException naming the bad value).
     */
    public static final class Builder {
        private Criterion criterion = Criterion.TAYLOR;
        private Granularity granularity = Granularity.UNSTRUCTURED;
        private Scope scope = Scope.GLOBAL;
        private double sparsity = DEFAULT_SPARSITY;
        private int nmN = 2, nmM = 4;
        private Structured.Norm groupNorm = Structured.Norm.L2;
        private float thresholdEps = Float.NaN;
        private Set<Integer> excludedLayers = Set.of();
        private boolean excludeLast;
        private double minDensity = 0, maxDensity = 1;
        private Integer scoreBatches;
        private ScoreAccumulator.Mode accumulate = ScoreAccumulator.Mode.SUM;
        private float emaMomentum = DEFAULT_EMA_MOMENTUM;
        private boolean pruneBiases;
        private ScoreMix mix;
        private long randomSeed = DEFAULT_RANDOM_SEED;

        private Builder() {}

        /** The importance criterion (default TAYLOR; USER is refused: user scores go to ModelPruner.prune). */
        public Builder criterion(Criterion c) { this.criterion = c; return this; }
        /** What one decision removes (default UNSTRUCTURED). */
        public Builder granularity(Granularity g) { this.granularity = g; return this; }
        /** One ranking over all layers (GLOBAL, default) or each layer to the fraction (PER_LAYER). */
        public Builder scope(Scope s) { this.scope = s; return this; }
        /** Target fraction removed, in [0, 1] (default 0.9). */
        public Builder sparsity(double s) { this.sparsity = s; return this; }
        /** N:M pattern for {@link Granularity#NM}: keep {@code n} of every {@code m} (default 2:4). */
        public Builder nm(int n, int m) { this.nmN = n; this.nmM = m; return this; }
        /** Norm of a row's scores for structured pruning (default L2). */
        public Builder groupNorm(Structured.Norm norm) { this.groupNorm = norm; return this; }
        /** Threshold mode: prune where score &lt; eps (NaN: off, the default; see {@link PruneSpec} for the mean). */
        public Builder threshold(float eps) { this.thresholdEps = eps; return this; }
        /** Sequential indices never pruned (default none). */
        public Builder excludeLayers(Set<Integer> layers) { this.excludedLayers = Set.copyOf(layers); return this; }
        /** Sequential indices never pruned (default none). */
        public Builder excludeLayers(int... layers) {
            this.excludedLayers = java.util.Arrays.stream(layers).boxed()
                    .collect(java.util.stream.Collectors.toUnmodifiableSet());
            return this;
        }
        /** Keep the last weight layer (the classifier) dense (default false). */
        public Builder excludeLast(boolean on) { this.excludeLast = on; return this; }
        /** Per-layer bounds of the kept fraction in global scope, 0 &lt;= min &lt;= max &lt;= 1 (default 0 and 1). */
        public Builder densityBounds(double min, double max) {
            this.minDensity = min; this.maxDensity = max; return this;
        }
        /** Batches gradient scores accumulate over before a prune (default 16, SNIP 1). */
        public Builder scoreBatches(int batches) { this.scoreBatches = batches; return this; }
        /** How scores accumulate over batches (default SUM). */
        public Builder accumulate(ScoreAccumulator.Mode mode) { this.accumulate = mode; return this; }
        /** Momentum of {@link ScoreAccumulator.Mode#EMA} accumulation, in [0, 1) (default 0.9; unused by SUM). */
        public Builder emaMomentum(float momentum) { this.emaMomentum = momentum; return this; }
        /** Biases are candidates too, scored like weights (default false: weights only; unstructured only). */
        public Builder pruneBiases(boolean on) { this.pruneBiases = on; return this; }
        /** The terms of a HYBRID criterion (null: none, the default; HYBRID needs one). */
        public Builder mix(ScoreMix m) { this.mix = m; return this; }
        /** Criterion HYBRID with {@code m}'s terms. */
        public Builder hybrid(ScoreMix m) { this.criterion = Criterion.HYBRID; this.mix = m; return this; }
        /** Seed of the RANDOM criterion (default 1). */
        public Builder randomSeed(long seed) { this.randomSeed = seed; return this; }
        /** Exponential moving average of the scores with {@code momentum} in [0, 1) (sets the mode to EMA). */
        public Builder ema(float momentum) {
            this.accumulate = ScoreAccumulator.Mode.EMA; this.emaMomentum = momentum; return this;
        }

        /**
         * The spec.
         *
         * @throws IllegalArgumentException for an invalid combination (see {@link PruneSpec})
         */
        public PruneSpec build() {
            int batches = scoreBatches != null ? scoreBatches : criterion == Criterion.SNIP ? 1 : DEFAULT_SCORE_BATCHES;
            return new PruneSpec(criterion, granularity, scope, sparsity, nmN, nmM, groupNorm, thresholdEps,
                    excludedLayers, excludeLast, minDensity, maxDensity, batches, accumulate, emaMomentum,
                    pruneBiases, mix, randomSeed);
        }
    }

    /** Whether this is threshold mode (thresholdEps is not NaN). */
    public boolean thresholdMode() { return !Float.isNaN(thresholdEps); }

    /**
     * Whether a schedule's gradient scores keep accumulating across its prunes: true for MOVEMENT, whose score is
     * −Σ w·g over all of fine-tuning since it began (Sanh et al. 2020; restarting it at every prune of a gradual
     * schedule left it a few steps of noise: 57% instead of 83% accuracy at 80% sparsity after one epoch on the
     * embedded digits). The other criteria score the interval since the last prune (Molchanov et al. 2017).
     */
    public boolean scoresSpanPrunes() { return criterion == Criterion.MOVEMENT; }

    /** Whether scores come from gradients (and so need accumulation over batches); HYBRID: whether a term does. */
    public boolean needsGradients() { return mix != null ? mix.readsGradient() : criterion.readsGradient(); }
}
