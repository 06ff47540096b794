package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The score inputs' contracts: accumulator reset and bookkeeping, and the argument checks of both score sources. */
class ScoreInputsTest {
    static final int[] SIZES = {3, 5000};  // the second spans two of the accumulator's 4096-element blocks

    static float[][] filled(float base) {
        float[][] a = new float[SIZES.length][];
        for (int t = 0; t < SIZES.length; t++) {
            a[t] = new float[SIZES[t]];
            for (int i = 0; i < SIZES[t]; i++) a[t][i] = base + (i % 13) * 0.25f - t;
        }
        return a;
    }

    /** reset() zeroes every buffer element and the batch count: the next batch accumulates as into a new
     *  accumulator. */
    @Test
    void resetStartsTheScoresAfreshAsANewAccumulatorWould() {
        for (ScoreAccumulator.Mode mode : ScoreAccumulator.Mode.values()) {
            ScoreAccumulator acc = new ScoreAccumulator(Criterion.TAYLOR, mode, 0.5f, SIZES, null);
            acc.accumulate(filled(1f), filled(2f));
            acc.accumulate(filled(3f), filled(-1f));
            assertEquals(2, acc.batches());
            float[][] live = acc.buffers();
            acc.reset();
            assertSame(live, acc.buffers(), "reset keeps the buffers");
            assertEquals(0, acc.batches());
            for (float[] b : acc.buffers())
                for (int i = 0; i < b.length; i++) assertEquals(0f, b[i], mode + " element " + i);
            ScoreAccumulator fresh = new ScoreAccumulator(Criterion.TAYLOR, mode, 0.5f, SIZES, null);
            fresh.accumulate(filled(0.5f), filled(4f));
            acc.accumulate(filled(0.5f), filled(4f));
            for (int t = 0; t < SIZES.length; t++)
                assertArrayEquals(fresh.buffers()[t], acc.buffers()[t], mode + " tensor " + t);
            assertEquals(1, acc.batches());
        }
    }

    @Test
    void accumulatorBookkeepingAndArgumentChecks() {
        ScoreAccumulator acc = new ScoreAccumulator(Criterion.GRADIENT, ScoreAccumulator.Mode.EMA, 0.25f, SIZES,
                new String[] {"a", "b"});
        assertEquals(Criterion.GRADIENT, acc.criterion());
        assertEquals(ScoreAccumulator.Mode.EMA, acc.mode());
        assertEquals(0.25f, acc.momentum());
        acc.addExternalBatches(3);
        acc.addExternalBatches(0);
        assertEquals(3, acc.batches());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> acc.addExternalBatches(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertEquals("b", acc.source().name(1));
        ScoreAccumulator unnamed = new ScoreAccumulator(Criterion.GRADIENT, ScoreAccumulator.Mode.SUM, 0f, SIZES, null);
        e = assertThrows(IllegalArgumentException.class, () -> unnamed.accumulate(null, new float[][] {new float[3]}));
        assertTrue(e.getMessage().contains("1 tensors, expected 2"), e.getMessage());
        assertEquals(0, unnamed.batches());
        e = assertThrows(IllegalArgumentException.class,
                () -> acc.accumulate(null, new float[][] {new float[3], new float[4999]}));
        assertTrue(e.getMessage().contains("b has 4999 elements, expected 5000"), e.getMessage());
        assertEquals(3, acc.batches(), "refused batches are not counted");

        e = assertThrows(IllegalArgumentException.class,
                () -> new ScoreAccumulator(Criterion.USER, ScoreAccumulator.Mode.SUM, 0f, SIZES, null));
        assertTrue(e.getMessage().contains("USER"), e.getMessage());
        for (float m : new float[] {-0.1f, 1f, Float.NaN}) {
            e = assertThrows(IllegalArgumentException.class,
                    () -> new ScoreAccumulator(Criterion.TAYLOR, ScoreAccumulator.Mode.EMA, m, SIZES, null));
            assertTrue(e.getMessage().contains("momentum"), e.getMessage());
        }
        new ScoreAccumulator(Criterion.TAYLOR, ScoreAccumulator.Mode.EMA, 0f, SIZES, null);
        new ScoreAccumulator(Criterion.TAYLOR, ScoreAccumulator.Mode.SUM, 7f, SIZES, null);  // SUM ignores the momentum
        e = assertThrows(IllegalArgumentException.class,
                () -> new ScoreAccumulator(Criterion.TAYLOR, ScoreAccumulator.Mode.SUM, 0f, SIZES, new String[] {"a"}));
        assertTrue(e.getMessage().contains("1 names for 2 tensors"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ScoreAccumulator(Criterion.TAYLOR, ScoreAccumulator.Mode.SUM, 0f, new int[] {2, -1}, null));
        assertTrue(e.getMessage().contains("negative size -1 for tensor 1"), e.getMessage());
        assertEquals(0, new ScoreAccumulator(Criterion.TAYLOR, ScoreAccumulator.Mode.SUM, 0f, new int[] {0}, null)
                .buffers()[0].length);
    }

    /** EMA with momentum m: s = m·s + (1 − m)·x per batch, starting from 0. */
    @Test
    void emaWeighsTheNewBatchByOneMinusTheMomentum() {
        ScoreAccumulator acc = new ScoreAccumulator(Criterion.GRADIENT, ScoreAccumulator.Mode.EMA, 0.75f,
                new int[] {2}, null);
        acc.accumulate(null, new float[][] {{4f, -8f}});
        assertArrayEquals(new float[] {1f, 2f}, acc.buffers()[0]);
        acc.accumulate(null, new float[][] {{0f, 4f}});
        assertArrayEquals(new float[] {0.75f, 2.5f}, acc.buffers()[0]);
    }

    @Test
    void criterionScoreSourceChecksItsArguments() {
        float[][] w = {{1f, 2f}, {3f}}, g = {{1f, 1f}, {1f}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CriterionScoreSource(Criterion.TAYLOR, null, g, null));
        assertTrue(e.getMessage().contains("TAYLOR needs weights"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CriterionScoreSource(Criterion.TAYLOR, w, null, null));
        assertTrue(e.getMessage().contains("TAYLOR needs gradients"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CriterionScoreSource(Criterion.MAGNITUDE, null, g, null));
        assertTrue(e.getMessage().contains("MAGNITUDE needs weights"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CriterionScoreSource(Criterion.GRADIENT, w, null, null));
        assertTrue(e.getMessage().contains("GRADIENT needs gradients"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CriterionScoreSource(Criterion.TAYLOR, w, new float[][] {{1f, 1f}}, null));
        assertTrue(e.getMessage().contains("2 weight tensors but 1 gradient tensors"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CriterionScoreSource(Criterion.TAYLOR, w, g, new String[] {"x"}));
        assertTrue(e.getMessage().contains("1 names for 2 tensors"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CriterionScoreSource(Criterion.GRADIENT, null, g, new String[] {"x"}));
        assertTrue(e.getMessage().contains("1 names for 2 tensors"),
                "names are checked against the gradients when there are no weights");
        e = assertThrows(IllegalArgumentException.class,
                () -> new CriterionScoreSource(Criterion.TAYLOR, new float[][] {{1f}, null}, new float[][] {{1f}, {1f}},
                        new String[] {"a", "b"}));
        assertTrue(e.getMessage().contains("b has a null array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CriterionScoreSource(Criterion.TAYLOR, new float[][] {{1f}, {1f}},
                        new float[][] {{1f}, null}, null));
        assertTrue(e.getMessage().contains("tensor 1 has a null array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CriterionScoreSource(Criterion.TAYLOR, w, new float[][] {{1f, 1f}, {1f, 1f}},
                        new String[] {"a", "b"}));
        assertTrue(e.getMessage().contains("b has 1 weights but 2 gradients"), e.getMessage());

        // A criterion that does not read an array accepts null for it, and sizes come from the array it reads.
        CriterionScoreSource grad = new CriterionScoreSource(Criterion.GRADIENT, null,
                new float[][] {{-2f, 3f, 0.5f}}, null);
        assertEquals(1, grad.tensorCount());
        assertEquals(3, grad.size(0));
        assertEquals(2f, grad.score(0, 0));
        assertEquals("tensor 0", grad.name(0));
        assertEquals(Criterion.GRADIENT, grad.criterion());
        CriterionScoreSource mag = new CriterionScoreSource(Criterion.MAGNITUDE, w, null, new String[] {"a", "b"});
        assertEquals(2, mag.tensorCount());
        assertEquals(1, mag.size(1));
        assertEquals("b", mag.name(1));
        assertEquals(3f, mag.score(1, 0));
    }

    /** score(t, i) checks the inputs the criterion reads, like the bulk pass, naming tensor, array, value and index. */
    @Test
    void singleScoresRefuseNonFiniteInputsTheCriterionReads() {
        float[][] w = {{Float.NaN, 2f}}, g = {{1f, Float.POSITIVE_INFINITY}};
        CriterionScoreSource taylor = new CriterionScoreSource(Criterion.TAYLOR, w, g, new String[] {"fc"});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> taylor.score(0, 0));
        assertEquals("score TAYLOR: fc has non-finite weight NaN at index 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> taylor.score(0, 1));
        assertEquals("score TAYLOR: fc has non-finite gradient Infinity at index 1", e.getMessage());
        CriterionScoreSource magnitude = new CriterionScoreSource(Criterion.MAGNITUDE, new float[][] {{-2f}},
                new float[][] {{Float.NaN}}, null);
        assertEquals(2f, magnitude.score(0, 0), "MAGNITUDE does not read the gradient");
        CriterionScoreSource gradient = new CriterionScoreSource(Criterion.GRADIENT, w,
                new float[][] {{-1.5f, 1f}}, null);
        assertEquals(1.5f, gradient.score(0, 0), "GRADIENT does not read the weight");
        float[] out = new float[2];
        gradient.scores(0, 0, 2, out);
        assertArrayEquals(new float[] {1.5f, 1f}, out);
        CriterionScoreSource bulk = new CriterionScoreSource(Criterion.GRADIENT, null, g, null);
        e = assertThrows(IllegalArgumentException.class, () -> bulk.scores(0, 0, 2, out));
        assertTrue(e.getMessage().contains("non-finite gradient Infinity at index 1"), e.getMessage());
        CriterionScoreSource bulkMag = new CriterionScoreSource(Criterion.MAGNITUDE, w, null, null);
        e = assertThrows(IllegalArgumentException.class, () -> bulkMag.scores(0, 0, 2, out));
        assertTrue(e.getMessage().contains("non-finite weight NaN at index 0"), e.getMessage());
    }

    @Test
    void criterionPropertiesSayWhatEachReads() {
        assertFalse(Criterion.GRADIENT.readsWeight());
        assertFalse(Criterion.MAGNITUDE.readsGradient());
        for (Criterion c : new Criterion[] {Criterion.TAYLOR, Criterion.TAYLOR_SQUARED, Criterion.SNIP,
                Criterion.MOVEMENT}) {
            assertTrue(c.readsWeight() && c.readsGradient(), c.name());
        }
        assertFalse(Criterion.USER.readsWeight() || Criterion.USER.readsGradient());
        assertTrue(Criterion.MOVEMENT.signed() && Criterion.USER.signed());
        assertFalse(Criterion.TAYLOR.signed() || Criterion.MAGNITUDE.signed());
        assertEquals(-6f, Criterion.MOVEMENT.score(2f, 3f));
        assertEquals(36f, Criterion.TAYLOR_SQUARED.score(-2f, 3f));
        assertEquals(6f, Criterion.SNIP.score(-2f, 3f));
    }
}
