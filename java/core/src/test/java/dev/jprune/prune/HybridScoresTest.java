package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * Hybrid criteria against a hand-computed example. Model: Linear(2 -> 2) with W0 = [[1, -2], [0.5, 4]] and
 * Linear(2 -> 1) with W2 = [[3, 3]], no biases; one gradient batch g0 = [[0.2, -0.1], [0.4, 0.3]], g2 = [[0.5, 0]].
 * Mix gradient = 0.7, magnitude = 0.3. By hand, per tensor:
 * <ul>
 *   <li>MEAN: |W0| mean 1.875 → [0.5333, 1.0667, 0.2667, 2.1333]; |g0| mean 0.25 → [0.8, 0.4, 1.6, 1.2];
 *       score = 0.7·g + 0.3·m = [0.72, 0.60, 1.20, 1.48]. |W2| mean 3 → [1, 1]; |g2| mean 0.25 → [2, 0];
 *       score [1.7, 0.3].</li>
 *   <li>MAX: W0 [0.425, 0.325, 0.7375, 0.825]; W2 [1.0, 0.3].</li>
 *   <li>RANK (fraction strictly smaller): |W0| → [1/4, 2/4, 0, 3/4], |g0| → [1/4, 0, 3/4, 2/4], score
 *       [0.25, 0.15, 0.525, 0.575]; |W2| ties → [0, 0], |g2| → [1/2, 0], score [0.35, 0].</li>
 * </ul>
 */
class HybridScoresTest {
    static final float[] W0 = {1, -2, 0.5f, 4}, W2 = {3, 3}, G0 = {0.2f, -0.1f, 0.4f, 0.3f}, G2 = {0.5f, 0};

    static Sequential model() {
        Linear a = new Linear(2, 2, false, new Rng(1)), b = new Linear(2, 1, false, new Rng(2));
        System.arraycopy(W0, 0, a.weight.value.data, 0, 4);
        System.arraycopy(W2, 0, b.weight.value.data, 0, 2);
        return new Sequential(a, new ReLU(), b);
    }

    static ScoreMix mix(ScoreMix.Normalization n) { return ScoreMix.parse("gradient=0.7,magnitude=0.3", n); }

    /** A pruner of {@code spec} over {@link #model} whose accumulator has seen the one gradient batch. */
    static ScoreAccumulator accumulated(ModelPruner p) {
        ScoreAccumulator acc = p.newAccumulator();
        float[][] g = p.targets().size() == 2 ? new float[][] {G0, G2} : new float[][] {G0};
        acc.accumulate(p.weights(), g);
        return acc;
    }

    static float[][] scores(ModelPruner p, ScoreAccumulator acc) {
        ScoreSource s = p.scores(acc);
        float[][] out = new float[s.tensorCount()][];
        for (int t = 0; t < out.length; t++) {
            out[t] = new float[s.size(t)];
            s.scores(t, 0, s.size(t), out[t]);
        }
        return out;
    }

    @Test
    void eachNormalisationGivesTheHandComputedScores() {
        float[][][] want = {
            {{0.72f, 0.60f, 1.20f, 1.48f}, {1.7f, 0.3f}},
            {{0.425f, 0.325f, 0.7375f, 0.825f}, {1.0f, 0.3f}},
            {{0.25f, 0.15f, 0.525f, 0.575f}, {0.35f, 0f}},
        };
        ScoreMix.Normalization[] ns = {ScoreMix.Normalization.MEAN, ScoreMix.Normalization.MAX,
                ScoreMix.Normalization.RANK};
        for (int k = 0; k < ns.length; k++) {
            ModelPruner p = new ModelPruner(model(), PruneSpec.builder().hybrid(mix(ns[k])).sparsity(0.5).build());
            float[][] got = scores(p, accumulated(p));
            for (int t = 0; t < 2; t++) assertArrayEquals(want[k][t], got[t], 1e-6f, ns[k] + " tensor " + t);
        }
    }

    @Test
    void statisticsCoverOnlyLiveElements() {
        ModelPruner p = new ModelPruner(model(), PruneSpec.builder().hybrid(mix(ScoreMix.Normalization.MEAN)).build());
        p.targets().get(0).weight().mask = new byte[] {1, 0, 1, 1};  // W0[1] pruned earlier
        p.targets().get(0).weight().applyMask();
        // Live |W0| = [1, 0.5, 4]: mean 11/6; live |g0| = [0.2, 0.4, 0.3]: mean 0.3. Element 0: 0.7·(0.2/0.3) +
        // 0.3·(1/(11/6)).
        float[][] got = scores(p, accumulated(p));
        assertEquals(0.7 * (0.2 / 0.3) + 0.3 * (6.0 / 11), got[0][0], 1e-6);
        assertEquals(0.7 * (0.4 / 0.3) + 0.3 * (0.5 * 6 / 11), got[0][2], 1e-6);
    }

    @Test
    void weightsNmAndNeuronsSelectExactlyOnTheHybridScores() {
        // Weights, global, keep 3 of 6: 1.7 (W2[0]), 1.48 (W0[3]), 1.20 (W0[2]).
        ModelPruner p = new ModelPruner(model(),
                PruneSpec.builder().hybrid(mix(ScoreMix.Normalization.MEAN)).sparsity(0.5).build());
        ModelPruner.Result r = p.prune(0.5, p.scores(accumulated(p)));
        assertEquals(3, r.kept());
        assertArrayEquals(new byte[] {0, 0, 1, 1}, p.targets().get(0).weight().mask);
        assertArrayEquals(new byte[] {1, 0}, p.targets().get(1).weight().mask);
        // N:M 1:2 along each row: [0.72, 0.60] keeps 0; [1.20, 1.48] keeps 1; [1.7, 0.3] keeps 0.
        p = new ModelPruner(model(), PruneSpec.builder().hybrid(mix(ScoreMix.Normalization.MEAN))
                .granularity(Granularity.NM).nm(1, 2).build());
        p.prune(0.5, p.scores(accumulated(p)));
        assertArrayEquals(new byte[] {1, 0, 0, 1}, p.targets().get(0).weight().mask);
        assertArrayEquals(new byte[] {1, 0}, p.targets().get(1).weight().mask);
        // Neurons of layer 0 (the last layer is never a structured target): L2 row norms 0.937 and 1.905, keep 1 of 2.
        p = new ModelPruner(model(), PruneSpec.builder().hybrid(mix(ScoreMix.Normalization.MEAN))
                .granularity(Granularity.STRUCTURED).sparsity(0.5).build());
        r = p.prune(0.5, p.scores(accumulated(p)));
        assertArrayEquals(new byte[] {0, 0, 1, 1}, p.targets().get(0).weight().mask);
        assertArrayEquals(new int[] {1}, r.keptRows()[0]);
    }

    @Test
    void aMixOfMagnitudeOnlyNeedsNoGradients() {
        PruneSpec s = PruneSpec.builder().hybrid(ScoreMix.parse("magnitude=1", ScoreMix.Normalization.MAX)).build();
        assertFalse(s.needsGradients());
        ModelPruner p = new ModelPruner(model(), s);
        assertArrayEquals(new float[] {0.25f, 0.5f, 0.125f, 1f}, scores(p, null)[0], 1e-7f);
        PruneSpec g = PruneSpec.builder().hybrid(mix(ScoreMix.Normalization.MAX)).build();
        assertTrue(g.needsGradients());
        ModelPruner pg = new ModelPruner(model(), g);
        assertThrows(IllegalStateException.class, () -> pg.scores(pg.newAccumulator()), "no batch accumulated");
    }

    @Test
    void badMixesAreRefusedNamingTheTerm() {
        ScoreMix.Normalization n = ScoreMix.Normalization.MEAN;
        assertMessage("weight of gradient must be a finite number >= 0", () ->
                ScoreMix.parse("gradient=-0.5,magnitude=1", n));
        assertMessage("sum to 0", () -> ScoreMix.parse("gradient=0,magnitude=0", n));
        assertMessage("unknown criterion 'snip'", () -> ScoreMix.parse("snip=1", n));
        assertMessage("unknown criterion 'grad'", () -> ScoreMix.parse("grad=1", n));
        assertMessage("appears twice", () -> ScoreMix.parse("gradient=1,gradient=2", n));
        assertMessage("criterion=weight", () -> ScoreMix.parse("gradient", n));
        assertMessage("not a number", () -> ScoreMix.parse("gradient=abc", n));
        assertMessage("finite number", () -> ScoreMix.parse("gradient=NaN", n));
        assertMessage("needs --mix", () -> ScoreMix.parse(null, n));
        assertMessage("--mix-norm must be", () -> ScoreMix.parseNormalization("median"));
        assertMessage("HYBRID needs a mix", () -> PruneSpec.builder().criterion(Criterion.HYBRID).build());
        assertMessage("needs criterion HYBRID", () ->
                PruneSpec.builder().criterion(Criterion.TAYLOR).mix(mix(n)).build());
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
