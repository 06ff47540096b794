package dev.jprune.prune;

import java.util.Set;

/**
 * What to prune and how. Only weight tensors of Linear and Conv2d layers are candidates; biases are never
 * pruned on their own (structured pruning masks a removed neuron's bias entry with it).
 *
 * @param sparsity       target fraction of the candidate weights (or groups) removed, in [0, 1]
 * @param thresholdEps   if not NaN: threshold mode — prune where score &lt; eps (sparsity ignored)
 * @param excludedLayers Sequential indices never pruned
 * @param excludeLast    also exclude the last weight layer (the classifier); structured granularity always does, as
 *                       removing its rows would remove outputs (classes)
 * @param minDensity     per-tensor lower bound of kept fraction in global scope (0 = none); the bounds hold at every
 *                       prune: a schedule step they cannot meet prunes to the nearest sparsity they allow
 *                       ({@link ModelPruner#keepFor}), a target they cannot meet is refused before training
 * @param maxDensity     per-tensor upper bound of kept fraction in global scope (1 = none), likewise
 * @param scoreBatches   batches over which gradient-based scores accumulate before a prune
 */
public record PruneSpec(Criterion criterion, Granularity granularity, Scope scope, double sparsity,
                        int nmN, int nmM, Structured.Norm groupNorm, float thresholdEps,
                        Set<Integer> excludedLayers, boolean excludeLast, double minDensity, double maxDensity,
                        int scoreBatches, ScoreAccumulator.Mode accumulate, float emaMomentum) {
    public PruneSpec {
        if (criterion == null || granularity == null || scope == null) throw new IllegalArgumentException("criterion, granularity and scope are required");
        if (!(sparsity >= 0 && sparsity <= 1)) throw new IllegalArgumentException("sparsity must be in [0, 1], got " + sparsity);
        if (granularity == Granularity.NM && !(nmN >= 0 && nmM >= 1 && nmN <= nmM)) throw new IllegalArgumentException("N:M needs 0 <= N <= M and M >= 1, got " + nmN + ":" + nmM);
        if (!(minDensity >= 0 && minDensity <= 1 && maxDensity >= 0 && maxDensity <= 1 && minDensity <= maxDensity)) {
            throw new IllegalArgumentException("density caps must satisfy 0 <= min <= max <= 1, got min " + minDensity + " max " + maxDensity);
        }
        if (scoreBatches < 1) throw new IllegalArgumentException("score batches must be >= 1, got " + scoreBatches);
        if (accumulate == ScoreAccumulator.Mode.EMA && !(emaMomentum >= 0 && emaMomentum < 1)) throw new IllegalArgumentException("EMA momentum must be in [0, 1), got " + emaMomentum);
        if (criterion == Criterion.USER) throw new IllegalArgumentException("criterion USER takes scores from code (ModelPruner.pruneWithScores), not from a spec");
        if (!Float.isNaN(thresholdEps) && granularity != Granularity.UNSTRUCTURED) throw new IllegalArgumentException("threshold mode is for unstructured pruning");
        excludedLayers = Set.copyOf(excludedLayers);
    }

    /**
     * Unstructured, global, the given criterion and sparsity; last layer kept prunable; scores summed over 16
     * batches (SNIP: one batch at initialisation, as Lee et al. define it).
     */
    public static PruneSpec global(Criterion c, double sparsity) {
        return new PruneSpec(c, Granularity.UNSTRUCTURED, Scope.GLOBAL, sparsity, 2, 4, Structured.Norm.L2, Float.NaN,
                Set.of(), false, 0, 1, c == Criterion.SNIP ? 1 : 16, ScoreAccumulator.Mode.SUM, 0.9f);
    }

    public PruneSpec withSparsity(double s) {
        return new PruneSpec(criterion, granularity, scope, s, nmN, nmM, groupNorm, thresholdEps, excludedLayers, excludeLast, minDensity, maxDensity, scoreBatches, accumulate, emaMomentum);
    }

    public boolean thresholdMode() { return !Float.isNaN(thresholdEps); }

    /** Whether scores come from gradients (and so need accumulation over batches). */
    /**
     * Whether a schedule's gradient scores keep accumulating across its prunes: true for MOVEMENT, whose score is
     * −Σ w·g over all of fine-tuning since it began (Sanh et al. 2020; restarting it at every prune of a gradual
     * schedule left it a few steps of noise: 57% instead of 83% accuracy at 80% sparsity after one epoch on the
     * embedded digits). The other criteria score the interval since the last prune (Molchanov et al. 2017).
     */
    public boolean scoresSpanPrunes() { return criterion == Criterion.MOVEMENT; }

    public boolean needsGradients() { return criterion.readsGradient(); }
}
