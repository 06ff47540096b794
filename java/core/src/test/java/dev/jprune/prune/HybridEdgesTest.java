package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/**
 * Edges of hybrid scores: a term whose statistic is 0, or whose tensor has no live element, keeps its raw scores
 * (never 0/0); an overflowing term is reported as a NaN hybrid score naming the element; a hybrid accumulator
 * checks its momentum, counts and resets its batches through its parts, and names tensors in its input faults.
 */
class HybridEdgesTest {
    private static final ScoreMix.Normalization MEAN = ScoreMix.Normalization.MEAN,
            MAX = ScoreMix.Normalization.MAX, RANK = ScoreMix.Normalization.RANK;

    @Test
    void aZeroStatisticOrNoLiveElementLeavesTheScoresAsTheyAre() {
        float[] zeros = {0, 0, 0};
        for (ScoreMix.Normalization n : ScoreMix.Normalization.values()) {
            assertArrayEquals(new double[] {0, 0, 0}, HybridScores.normalize(zeros, null, n), n + " of zeros");
        }
        float[] r = {2, 4, 1};
        byte[] none = {0, 0, 0};
        assertArrayEquals(new double[] {2, 4, 1}, HybridScores.normalize(r, none, MEAN), "MEAN, nothing live");
        assertArrayEquals(new double[] {2, 4, 1}, HybridScores.normalize(r, none, MAX), "MAX, nothing live");
        assertArrayEquals(new double[] {0, 0, 0}, HybridScores.normalize(r, none, RANK), "RANK, nothing live");
        byte[] one = {0, 1, 0};
        assertArrayEquals(new double[] {0.5, 1, 0.25}, HybridScores.normalize(r, one, MEAN), "MEAN over live 4");
        assertArrayEquals(new double[] {0.5, 1, 0.25}, HybridScores.normalize(r, one, MAX), "MAX over live 4");
        assertArrayEquals(new double[] {0, 0, 0}, HybridScores.normalize(r, one, RANK), "nothing live is smaller");
        assertArrayEquals(new double[] {0.5, 1, 0.25}, HybridScores.normalize(r, null, MAX));
        assertArrayEquals(new double[] {6 / 7.0, 12 / 7.0, 3 / 7.0}, HybridScores.normalize(r, null, MEAN),
                1e-15);
        assertArrayEquals(new double[] {1 / 3.0, 2 / 3.0, 0}, HybridScores.normalize(r, null, RANK));
        assertArrayEquals(new double[] {1 / 3.0, 2 / 3.0, 0}, HybridScores.normalize(new float[] {-0f, 5, -1},
                null, RANK), "ranks on a signed raw score");
    }

    /** (w·g)² overflows to +Inf, the term's mean is +Inf, Inf / Inf is NaN: named, never selected on. */
    @Test
    void anOverflowingTermIsANaNScoreNamingTheElement() {
        ScoreMix mix = ScoreMix.parse("taylor2=1", MEAN);
        float[][] w = {{1e20f, 1f}}, g = {{1e20f, 1f}};
        ScoreAccumulator acc = new ScoreAccumulator(mix, ScoreAccumulator.Mode.SUM, 0, new int[] {2}, null);
        acc.accumulate(w, g);
        assertEquals(Float.POSITIVE_INFINITY, acc.part(Criterion.TAYLOR_SQUARED).buffers()[0][0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HybridScores.combine(mix, acc, w, null, null));
        assertEquals("hybrid score of tensor 0 element 0 is NaN (an infinite term score)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> HybridScores.combine(mix, acc, w, null, new String[] {"fc.weight"}));
        assertTrue(e.getMessage().startsWith("hybrid score of fc.weight element 0"), e.getMessage());
    }

    @Test
    void aHybridAccumulatorChecksMomentumCountsBatchesAndResetsItsParts() {
        ScoreMix mix = ScoreMix.parse("gradient=0.5,taylor=0.5,magnitude=1", MEAN);
        int[] sizes = {2, 1};
        String[] names = {"a.weight", "b.weight"};
        for (float bad : new float[] {1f, -0.01f, Float.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ScoreAccumulator(mix, ScoreAccumulator.Mode.EMA, bad, sizes, names));
            assertTrue(e.getMessage().contains("EMA momentum must be in [0, 1), got " + bad), e.getMessage());
        }
        new ScoreAccumulator(mix, ScoreAccumulator.Mode.SUM, 7f, sizes, names); // SUM ignores the momentum
        ScoreMix noGradient = ScoreMix.parse("magnitude=1", MEAN);
        assertThrows(IllegalArgumentException.class, () -> new ScoreAccumulator(noGradient,
                ScoreAccumulator.Mode.EMA, 1f, sizes, names), "checked also when no term accumulates");
        ScoreAccumulator acc = new ScoreAccumulator(mix, ScoreAccumulator.Mode.EMA, 0f, sizes, names);
        float[][] w = {{1, -2}, {3}}, g = {{0.5f, 0.25f}, {-1}};
        acc.accumulate(w, g);
        acc.accumulate(w, g);
        assertEquals(2, acc.batches());
        assertArrayEquals(new float[] {0.5f, 0.5f}, acc.part(Criterion.TAYLOR).buffers()[0], "EMA, momentum 0");
        assertArrayEquals(new float[] {0.5f, 0.25f}, acc.part(Criterion.GRADIENT).buffers()[0]);
        assertThrows(IllegalArgumentException.class, () -> acc.part(Criterion.MAGNITUDE), "magnitude is no part");
        assertThrows(IllegalStateException.class, acc::buffers);
        float[][] nan = {{0.5f, 0.25f}, {Float.NaN}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> acc.accumulate(w, nan));
        assertTrue(e.getMessage().contains("b.weight"), "the fault names the tensor: " + e.getMessage());
        assertEquals(2, acc.batches(), "a failed batch is not counted");
        assertArrayEquals(new float[] {0.5f, 0.25f}, acc.part(Criterion.GRADIENT).buffers()[0], "nor applied");
        // A weight only the second part reads: the first part (|g|) must not have taken the batch either.
        float[][] nanWeight = {{1, -2}, {Float.NaN}}, g2 = {{4, 4}, {4}};
        e = assertThrows(IllegalArgumentException.class, () -> acc.accumulate(nanWeight, g2));
        assertTrue(e.getMessage().contains("b.weight") && e.getMessage().contains("weight"), e.getMessage());
        assertEquals(2, acc.batches());
        assertArrayEquals(new float[] {0.5f, 0.25f}, acc.part(Criterion.GRADIENT).buffers()[0],
                "no part changes when another part's input is bad");
        assertArrayEquals(new float[] {1}, acc.part(Criterion.GRADIENT).buffers()[1]);
        acc.reset();
        assertEquals(0, acc.batches());
        assertArrayEquals(new float[] {0, 0}, acc.part(Criterion.GRADIENT).buffers()[0]);
        assertArrayEquals(new float[] {0}, acc.part(Criterion.TAYLOR).buffers()[1]);
        assertEquals(0, acc.part(Criterion.TAYLOR).batches());
        assertThrows(IllegalStateException.class, () -> HybridScores.combine(mix, acc, w, null, names),
                "after a reset the gradient terms have no batch");
    }
}
