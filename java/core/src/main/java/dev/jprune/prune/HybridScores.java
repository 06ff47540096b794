package dev.jprune.prune;

import java.util.Arrays;
import java.util.List;

/**
 * The scores of a {@link Criterion#HYBRID} prune: {@code Σ αᵢ · normalizeᵢ(criterionᵢ)} per element, materialised
 * once per prune (one float per candidate).
 *
 * <p><b>Arithmetic</b> (deterministic, independent of threads): for each tensor and term, the raw float scores r
 * (MAGNITUDE |w| of the live weights; gradient terms: the accumulated statistic) are normalised in double over the
 * tensor's live elements L (mask 1, or all when dense): MEAN {@code r / (Σ_L r / |L|)} with the sum in index order,
 * MAX {@code r / max_L r}, RANK {@code |{k ∈ L : r_k < r}| / |L|}; a statistic of 0 (or an empty L) leaves r as it
 * is. The terms are added in term order as {@code Σ αᵢ·nᵢ} in double and rounded to float once. Pruned elements get
 * −∞ later ({@link ScoreSource#respectingMasks}), whatever their value here.
 */
public final class HybridScores {
    private HybridScores() {}

    /**
     * The combined scores of {@code mix} over the tensors of {@code weights}: MAGNITUDE terms read {@code weights},
     * gradient terms {@code acc}'s part for their criterion ({@link ScoreAccumulator#part}). Reads its inputs only.
     *
     * @param masks current masks per tensor (null entries: dense), or null
     * @throws IllegalArgumentException for a non-finite input or a combined score that is not a number, naming the
     *     tensor and element
     * @throws IllegalStateException when the mix reads gradients and {@code acc} has seen no batch
     */
    public static ScoreSource combine(ScoreMix mix, ScoreAccumulator acc, float[][] weights, byte[][] masks,
            String[] names) {
        if (mix.readsGradient() && (acc == null || acc.batches() == 0)) {
            throw new IllegalStateException("criterion HYBRID (" + mix.describe()
                    + ") needs accumulated gradient scores; none were accumulated");
        }
        int nt = weights.length;
        double[][] sum = new double[nt][];
        for (int t = 0; t < nt; t++) sum[t] = new double[weights[t].length];
        for (ScoreMix.Term term : mix.terms()) {
            Criterion c = term.criterion();
            ScoreSource raw = c.readsGradient() ? acc.part(c).source() : new CriterionScoreSource(c, weights, null,
                    names);
            for (int t = 0; t < nt; t++) {
                int n = weights[t].length;
                float[] r = new float[n];
                if (n > 0) raw.scores(t, 0, n, r);
                byte[] m = masks == null ? null : masks[t];
                double[] norm = normalize(r, m, mix.normalization());
                for (int i = 0; i < n; i++) sum[t][i] += term.weight() * norm[i];
            }
        }
        float[][] out = new float[nt][];
        for (int t = 0; t < nt; t++) {
            out[t] = new float[sum[t].length];
            for (int i = 0; i < out[t].length; i++) {
                float v = (float) sum[t][i];
                if (Float.isNaN(v)) {
                    throw new IllegalArgumentException("hybrid score of " + (names == null ? "tensor " + t : names[t])
                            + " element "
                            + i + " is NaN (an infinite term score)");
                }
                out[t][i] = v;
            }
        }
        return ScoreSource.of(out, names);
    }

    /** One term's normalised scores of one tensor (see the class comment); {@code mask} null: all live. */
    static double[] normalize(float[] r, byte[] mask, ScoreMix.Normalization how) {
        int n = r.length;
        double[] out = new double[n];
        int live = 0;
        for (int i = 0; i < n; i++) if (mask == null || mask[i] != 0) live++;
        switch (how) {
            case MEAN, MAX -> {
                double stat = how == ScoreMix.Normalization.MAX ? Double.NEGATIVE_INFINITY : 0;
                for (int i = 0; i < n; i++) {
                    if (mask != null && mask[i] == 0) continue;
                    stat = how == ScoreMix.Normalization.MAX ? Math.max(stat, r[i]) : stat + r[i];
                }
                if (how == ScoreMix.Normalization.MEAN && live > 0) stat /= live;
                boolean scale = live > 0 && stat > 0;
                for (int i = 0; i < n; i++) out[i] = scale ? r[i] / stat : r[i];
            }
            case RANK -> {
                float[] sorted = new float[live];
                int k = 0;
                for (int i = 0; i < n; i++) if (mask == null || mask[i] != 0) sorted[k++] = r[i];
                Arrays.sort(sorted);
                for (int i = 0; i < n; i++) out[i] = live == 0 ? 0 : lowerBound(sorted, r[i]) / (double) live;
            }
            default -> throw new AssertionError(how);
        }
        return out;
    }

    /** Number of elements of ascending {@code a} strictly below {@code v}. */
    private static int lowerBound(float[] a, float v) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Float.compare(a[mid], v) < 0) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /** The criteria a hybrid accumulator keeps one buffer set for: the mix's gradient terms. */
    static List<Criterion> accumulated(ScoreMix mix) { return mix.gradientCriteria(); }
}
