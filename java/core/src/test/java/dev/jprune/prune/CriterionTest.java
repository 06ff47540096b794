package dev.jprune.prune;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Criteria formulas, on-the-fly score sources, input checks, the accumulator and the SNIP normaliser. */
class CriterionTest {

    static float[][] gaussian(Rng r, int[] sizes, float scale) {
        float[][] a = new float[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            a[t] = new float[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) a[t][i] = scale * (float) r.nextGaussian();
        }
        return a;
    }

    static final int[] SIZES = {1, 7, 129, 0, 5000};

    /** Independent formulas: a float·float product is exact in double, so rounding it once gives the float product. */
    static float expected(Criterion c, float w, float g) {
        double p = (double) w * (double) g;
        switch (c) {
            case MAGNITUDE: return (float) Math.abs((double) w);
            case GRADIENT: return (float) Math.abs((double) g);
            case TAYLOR: case SNIP: return (float) Math.abs(p);
            case TAYLOR_SQUARED: { double q = (float) p; return (float) (q * q); }
            case MOVEMENT: return (float) -p;
            default: throw new AssertionError();
        }
    }

    @Test
    void bulkScoresEqualFormulaForEveryCriterion() {
        Rng r = new Rng(31);
        float[][] w = gaussian(r, SIZES, 1f), g = gaussian(r, SIZES, 0.01f);
        for (Criterion c : Criterion.values()) {
            if (!c.hasFormula()) continue;  // USER, HYBRID, RANDOM: no formula of (w, g)
            CriterionScoreSource src = new CriterionScoreSource(c, w, g, null);
            for (int t = 0; t < SIZES.length; t++) {
                float[] out = new float[SIZES[t]];
                src.scores(t, 0, SIZES[t], out);
                for (int i = 0; i < SIZES[t]; i++) {
                    float want = expected(c, w[t][i], g[t][i]);
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(out[i]),
                            c + " bulk t" + t + " i" + i);
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(src.score(t, i)),
                            c + " single t" + t + " i" + i);
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(c.score(w[t][i], g[t][i])),
                            c + " formula");
                }
            }
        }
    }

    @Test
    void nonFiniteInputsNameTensorIndexAndArray() {
        float[][] w = {{1, 2, 3}, {4, 5, 6}}, g = {{1, 1, 1}, {1, 1, 1}};
        String[] names = {"0.weight", "2.weight"};
        w[1][2] = Float.POSITIVE_INFINITY;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pruner.globalPrune(Criterion.TAYLOR, w, g, names, 0.5, null));
        assertTrue(e.getMessage().contains("2.weight") && e.getMessage().contains("index 2")
                && e.getMessage().contains("weight"), e.getMessage());
        assertArrayEquals(new float[]{1, 2, 3}, w[0], "weights must be untouched after a failed prune");
        w[1][2] = 6;
        g[0][1] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class,
                () -> GlobalSelector.select(new CriterionScoreSource(Criterion.TAYLOR_SQUARED, w, g, names), 1));
        assertTrue(e.getMessage().contains("0.weight") && e.getMessage().contains("index 1")
                && e.getMessage().contains("gradient"), e.getMessage());
        // Inf·0 would be NaN: still reported as the input fault, not as a NaN score.
        g[0][1] = 0f;
        w[0][1] = Float.NEGATIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class,
                () -> GlobalSelector.select(new CriterionScoreSource(Criterion.MOVEMENT, w, g, names), 1));
        assertTrue(e.getMessage().contains("non-finite weight"), e.getMessage());
        // MAGNITUDE does not read g: a NaN there is not its business.
        w[0][1] = 2;
        g[1][0] = Float.NaN;
        assertEquals(2, GlobalSelector.select(new CriterionScoreSource(Criterion.MAGNITUDE, w, null, names), 2).keep);
    }

    @Test
    void finiteOverflowIsTheLargestScore() {
        float[][] w = {{3e30f, 1f, 2f}}, g = {{3e30f, 1f, 1f}};
        byte[][] m = Pruner.globalMasks(new CriterionScoreSource(Criterion.TAYLOR, w, g, null), 1);
        assertArrayEquals(new byte[]{1, 0, 0}, m[0]);
    }

    @Test
    void onTheFlySelectionEqualsMaterialisedReference() {
        Rng r = new Rng(32);
        float[][] w = gaussian(r, SIZES, 1f), g = gaussian(r, SIZES, 1f);
        for (int t = 0; t < SIZES.length; t++) for (int i = 0; i < SIZES[t]; i += 3) g[t][i] = 0f; // ties at 0
        for (Criterion c : new Criterion[]{Criterion.TAYLOR, Criterion.MOVEMENT, Criterion.GRADIENT}) {
            float[][] sc = new float[SIZES.length][];
            for (int t = 0; t < SIZES.length; t++) {
                sc[t] = new float[SIZES[t]];
                for (int i = 0; i < SIZES[t]; i++) sc[t][i] = expected(c, w[t][i], g[t][i]);
            }
            for (long keep : new long[]{0, 1, 2000, 5137}) {
                byte[][] m = Pruner.globalMasks(new CriterionScoreSource(c, w, g, null), keep);
                byte[][] ref = SelectionReference.select(ScoreSource.of(sc), keep).masks();
                for (int t = 0; t < SIZES.length; t++)
                    assertArrayEquals(ref[t], m[t], c + " keep " + keep + " tensor " + t);
            }
        }
    }

    @Test
    void accumulatorSumAndEmaFollowTheSpecifiedFloatUpdates() {
        Rng r = new Rng(33);
        float m = 0.9f, c = 1f - m;
        ScoreAccumulator sum = new ScoreAccumulator(Criterion.MOVEMENT, ScoreAccumulator.Mode.SUM, 0f, SIZES, null);
        ScoreAccumulator ema = new ScoreAccumulator(Criterion.GRADIENT, ScoreAccumulator.Mode.EMA, m, SIZES, null);
        float[][] refSum = new float[SIZES.length][], refEma = new float[SIZES.length][];
        for (int t = 0; t < SIZES.length; t++) { refSum[t] = new float[SIZES[t]]; refEma[t] = new float[SIZES[t]]; }
        float[][] w = gaussian(r, SIZES, 1f);
        for (int batch = 0; batch < 4; batch++) {
            float[][] g = gaussian(r, SIZES, 0.1f);
            sum.accumulate(w, g);
            ema.accumulate(w, g);
            for (int t = 0; t < SIZES.length; t++) {
                for (int i = 0; i < SIZES[t]; i++) {
                    refSum[t][i] += -(w[t][i] * g[t][i]);
                    refEma[t][i] = m * refEma[t][i] + c * Math.abs(g[t][i]);
                }
            }
        }
        assertEquals(4, sum.batches());
        for (int t = 0; t < SIZES.length; t++) {
            assertArrayEquals(refSum[t], sum.buffers()[t], "SUM tensor " + t);
            assertArrayEquals(refEma[t], ema.buffers()[t], "EMA tensor " + t);
        }
        // A failed batch leaves the buffers unchanged.
        float[][] snapshot = new float[SIZES.length][];
        for (int t = 0; t < SIZES.length; t++) snapshot[t] = sum.buffers()[t].clone();
        float[][] bad = gaussian(r, SIZES, 1f);
        bad[4][4999] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> sum.accumulate(w, bad));
        for (int t = 0; t < SIZES.length; t++)
            assertArrayEquals(snapshot[t], sum.buffers()[t], "buffer changed by a failed batch");
        // The movement buffers select like any user scores (signed).
        byte[][] masks = Pruner.globalMasks(sum.source(), 100);
        byte[][] ref = SelectionReference.select(ScoreSource.of(refSum), 100).masks();
        for (int t = 0; t < SIZES.length; t++) assertArrayEquals(ref[t], masks[t]);
        assertThrows(IllegalArgumentException.class,
                () -> new ScoreAccumulator(Criterion.GRADIENT, ScoreAccumulator.Mode.EMA, 1f, SIZES, null));
    }

    @Test
    void snipNormaliserIsTheSumOfScores() {
        Rng r = new Rng(34);
        int[] sizes = {1, 7, 129, 0, 200_000};
        float[][] w = gaussian(r, sizes, 1f), g = gaussian(r, sizes, 1f);
        CriterionScoreSource src = new CriterionScoreSource(Criterion.SNIP, w, g, null);
        double naive = 0;
        for (int t = 0; t < sizes.length; t++) for (int i = 0; i < sizes[t]; i++) naive += Math.abs(w[t][i] * g[t][i]);
        double s = Criterion.snipNormaliser(src);
        assertTrue(Math.abs(s - naive) <= 1e-12 * Math.abs(naive), s + " vs " + naive);
        assertEquals(s, Criterion.snipNormaliser(src), "deterministic");
        // Normalised scores rank exactly like unnormalised ones.
        float[][] norm = new float[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            norm[t] = new float[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) norm[t][i] = (float) (Math.abs(w[t][i] * g[t][i]) / s);
        }
        byte[][] a = Pruner.globalMasks(src, 12345), b = Pruner.globalMasks(norm, 12345);
        for (int t = 0; t < sizes.length; t++) assertArrayEquals(a[t], b[t]);
    }

    @Test
    void userCriterionHasNoFormula() {
        assertThrows(IllegalArgumentException.class, () -> Criterion.USER.score(1, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new CriterionScoreSource(Criterion.USER, new float[1][1], new float[1][1], null));
        ScoreSource fn = ScoreSource.of(new int[]{3, 4}, (t, i) -> t * 10 + i);
        assertArrayEquals(new byte[]{0, 1, 1, 1}, Pruner.globalMasks(fn, 3)[1]);
    }
}
