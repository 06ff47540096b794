package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The selection entry points' documented contracts beyond the masks: argument checks before anything is written,
 * NaN scores named by index, the outputs they return, the score-source views.
 */
class SelectionContractsTest {
    static final String[] NAMES = {"a", "b"};

    static ScoreSource src() {
        return ScoreSource.of(new float[][] {{5, 1, 4, 2, 3}, {0.5f, 6, 0, 7}}, NAMES);
    }

    static void refused(String fragment, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' should say '" + fragment + "'");
    }

    @Test
    void perLayerChecksItsArgumentsAndReturnsEachTensorsSelection() {
        refused("perLayer: 1 sparsities for 2 tensors",
                () -> GlobalSelector.perLayer(src(), new double[] {0.5}, null, null));
        refused("perLayer: sparsity of b must be in [0, 1], got 1.5",
                () -> GlobalSelector.perLayer(src(), new double[] {0.5, 1.5}, null, null));
        refused("got NaN", () -> GlobalSelector.perLayer(src(), new double[] {Double.NaN, 0.5}, null, null));
        refused("got -0.1", () -> GlobalSelector.perLayer(src(), new double[] {-0.1, 0.5}, null, null));
        byte[][] masks = {new byte[5], new byte[3]};
        refused("perLayer: mask of b has length 3, expected 4",
                () -> GlobalSelector.perLayer(src(), new double[] {0.5, 0.5}, masks, null));
        assertArrayEquals(new byte[5], masks[0], "nothing written before the check");
        byte[][] ok = {new byte[5], new byte[4]};
        float[][] w = {{5, 1, 4, 2, 3}, {0.5f, 6, 0, 7}};
        Selection[] sel = GlobalSelector.perLayer(ScoreSource.of(w, NAMES), new double[] {0.6, 0.25}, ok, w);
        assertEquals(2, sel[0].keep);
        assertEquals(3, sel[1].keep);
        assertEquals(4f, sel[0].threshold(), "the smallest kept score of a");
        assertEquals(0.5f, sel[1].threshold());
        assertArrayEquals(new byte[] {1, 0, 1, 0, 0}, ok[0]);
        assertArrayEquals(new byte[] {1, 1, 0, 1}, ok[1]);
        assertArrayEquals(new float[] {5, 0, 4, 0, 0}, w[0], "weights zeroed where pruned, in the same pass");
        assertArrayEquals(new float[] {0.5f, 6, 0, 7}, w[1]);
        refused("sparsity of b",
                () -> Structured.perLayer(src(), new int[] {5, 2}, Structured.Norm.L1, new double[] {0.5, 2}));
    }

    @Test
    void cappedSelectionChecksItsOutputsReportsItsRoundsAndZeroesWeights() {
        double[] min = {0, 0}, max = {0.4, 1};
        refused("selectCapped: 1 masks for 2 tensors",
                () -> GlobalSelector.selectCapped(src(), 4, min, max, new byte[][] {new byte[5]}, null));
        refused("selectCapped: weights of a have length null, expected 5",
                () -> GlobalSelector.selectCapped(src(), 4, min, max, null, new float[][] {null, new float[4]}));
        refused("selectCapped: keep = 8 of 9 is infeasible with the density bounds (they allow [0, 6])",
                () -> GlobalSelector.selectCapped(src(), 8, min, max, null, null));
        byte[][] masks = {new byte[5], new byte[4]};
        float[][] w = {{5, 1, 4, 2, 3}, {0.5f, 6, 0, 7}};
        GlobalSelector.CappedResult r = GlobalSelector.selectCapped(ScoreSource.of(w, NAMES), 5, min, max, masks, w);
        // the top 5 (7 6 5 4 3) hold 3 of a, which may keep rint(0.4·5) = 2: a keeps 5 and 4, b the next three: 7 6 0.5
        assertArrayEquals(new long[] {2, 3}, r.keptPerTensor());
        assertArrayEquals(new boolean[] {true, false}, r.clamped());
        assertEquals(2, r.rounds(), "one clamping round, then the settled one");
        assertArrayEquals(new byte[] {1, 0, 1, 0, 0}, masks[0]);
        assertArrayEquals(new byte[] {1, 1, 0, 1}, masks[1]);
        assertArrayEquals(new float[] {5, 0, 4, 0, 0}, w[0]);
        assertArrayEquals(new float[] {0.5f, 6, 0, 7}, w[1]);
        GlobalSelector.CappedResult free = GlobalSelector.selectCapped(src(), 4, new double[] {0, 0},
                new double[] {1, 1}, null, null);
        assertEquals(1, free.rounds(), "bounds that do not bind settle in the first round");
        assertArrayEquals(new boolean[] {false, false}, free.clamped());
    }

    /** The clamping loop refuses a counter whose counts leave a budget that no tensor may take. */
    @Test
    void cappedRoundsRefuseABudgetNoTensorCanTake() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GlobalSelector.cappedRounds("op",
                new long[] {0, 0}, new long[] {1, 1}, 5,
                (active, budget) -> { long[] c = new long[active.length]; Arrays.fill(c, budget); return c; }));
        assertEquals("op: all tensors clamped with 3 elements left to place", e.getMessage());
        GlobalSelector.CappedPlan p = GlobalSelector.cappedRounds("op", new long[] {0, 0}, new long[] {1, 5}, 3,
                (active, budget) -> { long[] c = new long[active.length]; c[0] = budget; return c; });
        assertArrayEquals(new int[] {0}, p.clampedTensors());
        assertArrayEquals(new int[] {1}, p.free());
        assertEquals(2, p.freeBudget());
        assertArrayEquals(new long[] {1, 2}, p.kept());
        assertEquals(2, p.rounds());
        refused("x: a needs 0 <= minDensity <= maxDensity <= 1, got 0.5, 0.4",
                () -> GlobalSelector.cappedBounds("x", new long[] {4}, t -> "a", new double[] {0.5},
                        new double[] {0.4}));
        refused("x: 1 min / null max densities for 1 tensors",
                () -> GlobalSelector.cappedBounds("x", new long[] {4}, t -> "a", new double[] {0.5}, null));
        refused("x: null min / 1 max densities for 1 tensors",
                () -> GlobalSelector.cappedBounds("x", new long[] {4}, t -> "a", null, new double[] {0.5}));
        refused("x: 2 min / 1 max densities for 1 tensors",
                () -> GlobalSelector.cappedBounds("x", new long[] {4}, t -> "a", new double[] {0, 0},
                        new double[] {0.5}));
        assertArrayEquals(new long[][] {{0, 2}, {4, 3}},
                GlobalSelector.cappedBounds("x", new long[] {4, 5}, t -> "?", new double[] {0, 0.5},
                        new double[] {1, 0.6}),
                "rint: 0.5·5 = 2.5 rounds to even 2, 0.6·5 = 3");
    }

    @Test
    void thresholdModeChecksItsOutputsAndNamesANanByIndex() {
        refused("threshold: mask of a has length null, expected 5",
                () -> GlobalSelector.threshold(src(), 1f, new byte[][] {null, new byte[4]}, null));
        refused("threshold: 3 weight arrays for 2 tensors",
                () -> GlobalSelector.threshold(src(), 1f, null, new float[3][]));
        refused("threshold: eps is NaN", () -> GlobalSelector.threshold(src(), Float.NaN, null, null));
        float[][] s = {{1, 2, 3, 4, 5, 6, 7}, {1, 2}};
        s[0][5] = Float.NaN;
        byte[][] masks = {new byte[7], new byte[2]};
        refused("selection: score of a at index 5 is NaN",
                () -> GlobalSelector.threshold(ScoreSource.of(s, NAMES), 2f, masks, null));
        assertArrayEquals(new byte[7], masks[0], "a NaN writes nothing");
        s[0][5] = 6;
        float[][] w = {s[0].clone(), s[1].clone()};
        assertArrayEquals(new long[] {6, 1}, GlobalSelector.threshold(ScoreSource.of(s, NAMES), 2f, masks, w));
        assertArrayEquals(new float[] {0, 2, 3, 4, 5, 6, 7}, w[0]);
        assertArrayEquals(new float[] {0, 2}, w[1]);
    }

    @Test
    void aSelectionAppliesOnlyToTheShapeItWasMadeOn() {
        Selection sel = GlobalSelector.select(src(), 4);
        assertEquals(4f, sel.threshold(), "the 4th largest of 5 1 4 2 3 0.5 6 0 7");
        refused("Selection.apply: source has 1 tensors, selection was made on 2",
                () -> sel.apply(ScoreSource.of(new float[][] {new float[5]}), null, null));
        refused("Selection.apply: b has 3 elements, selection was made on 4",
                () -> sel.apply(ScoreSource.of(new float[][] {new float[5], new float[3]}, NAMES), null, null));
        byte[][] masks = {new byte[5], new byte[4]};
        refused("Selection.apply: mask of b has length 2, expected 4",
                () -> sel.apply(src(), new byte[][] {new byte[5], new byte[2]}, null));
        refused("writeMasks: masksOut is null", () -> sel.writeMasks(src(), null));
        assertArrayEquals(new long[] {2, 2}, sel.writeMasks(src(), masks));
        assertArrayEquals(new byte[] {1, 0, 1, 0, 0}, masks[0]);
        assertArrayEquals(new byte[] {0, 1, 0, 1}, masks[1]);
        assertEquals(-1.5f, GlobalSelector.select(ScoreSource.of(new float[][] {{-3, -1.5f, -2}}), 1).threshold());
    }

    @Test
    void nmChecksItsArgumentsReturnsTheKeptCountAndNamesANan() {
        float[] scores = {4, 3, 2, 1, 1, 2, 3, 4, 9, 8, 7};  // one row of 11: groups of 4, 4 and 3
        float[] w = scores.clone();
        byte[] mask = new byte[11];
        assertEquals(6, NmSparsity.apply(ScoreSource.of(new float[][] {scores}), 0, 11, 2, 4, mask, w),
                "2 + 2 + 2 kept");
        assertArrayEquals(new byte[] {1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0}, mask);
        assertArrayEquals(new float[] {4, 3, 0, 0, 0, 0, 3, 4, 9, 8, 0}, w);
        assertEquals(2, NmSparsity.apply(ScoreSource.of(new float[][] {{1, 2, 3}}), 0, 3, 2, 4, null, null),
                "a short group keeps min(N, r)");
        ScoreSource named = ScoreSource.of(new float[][] {{1, 2, 3, 4, 5, Float.NaN, 7, 8}}, new String[] {"fc"});
        refused("selection: score of fc at index 5 is NaN",
                () -> NmSparsity.apply(named, 0, 8, 2, 4, new byte[8], null));
        refused("N:M: need 0 <= N <= M and M >= 1, got 5:4", () -> NmSparsity.apply(src(), 0, 5, 5, 4, null, null));
        refused("got 1:0", () -> NmSparsity.apply(src(), 0, 5, 1, 0, null, null));
        refused("got -1:4", () -> NmSparsity.apply(src(), 0, 5, -1, 4, null, null));
        refused("N:M: a has 5 elements, not a whole number of rows of 2",
                () -> NmSparsity.apply(src(), 0, 2, 1, 2, null, null));
        refused("rows of 0", () -> NmSparsity.apply(src(), 0, 0, 1, 2, null, null));
        refused("N:M: mask length 4 != 5", () -> NmSparsity.apply(src(), 0, 5, 1, 2, new byte[4], null));
        refused("N:M: weights length 6 != 5", () -> NmSparsity.apply(src(), 0, 5, 1, 2, null, new float[6]));
        assertFalse(NmSparsity.isValid(new byte[4], 0, 2, 4), "no rows of length 0");
        assertFalse(NmSparsity.isValid(new byte[5], 2, 2, 4), "5 is not a whole number of rows of 2");
        assertTrue(NmSparsity.isValid(new byte[] {1, 1, 0, 0, 1, 1}, 6, 2, 4));
        assertFalse(NmSparsity.isValid(new byte[] {1, 1, 0, 0, 1, 1, 1, 0}, 8, 2, 4), "the second group holds 3");
        assertFalse(NmSparsity.isValid(new byte[] {1, 1, 1}, 3, 2, 4), "a short last group counts too");
    }

    @Test
    void scoreSourceViewsAndChecks() {
        ScoreSource fn = ScoreSource.of(new int[] {3, 0, 4}, (t, i) -> 10 * t + i);
        assertEquals(3, fn.tensorCount());
        assertEquals(7, fn.totalSize());
        assertEquals("tensor 2", fn.name(2));
        float[] out = new float[3];
        fn.scores(2, 1, 4, out);
        assertArrayEquals(new float[] {21, 22, 23}, out, "the default bulk read starts at from");
        refused("ScoreSource.of: tensor 1 has negative size -1", () -> ScoreSource.of(new int[] {2, -1}, (t, i) -> 0));
        assertEquals(0, ScoreSource.of(new int[] {0}, (t, i) -> 0).totalSize());

        ScoreSource sub = ScoreSource.subset(src(), 1, 0);
        assertEquals(2, sub.tensorCount());
        assertEquals(4, sub.size(0));
        assertEquals("b", sub.name(0));
        assertEquals(7f, sub.score(0, 3));
        assertEquals(5f, sub.score(1, 0));
        refused("ScoreSource.subset: tensor 2 not in [0, 2)", () -> ScoreSource.subset(src(), 2));
        refused("ScoreSource.subset: tensor -1 not in [0, 2)", () -> ScoreSource.subset(src(), -1));
        ScoreSource.subset(src(), 1);

        byte[][] masks = {null, new byte[] {1, 0, 1, 0}};
        ScoreSource r = ScoreSource.respectingMasks(src(), masks);
        assertEquals("b", r.name(1));
        assertEquals(5f, r.score(0, 0), "a dense tensor keeps its scores");
        assertEquals(Float.NEGATIVE_INFINITY, r.score(1, 1));
        assertEquals(0f, r.score(1, 2));
        float[] bulk = new float[4];
        r.scores(1, 0, 4, bulk);
        assertArrayEquals(new float[] {0.5f, Float.NEGATIVE_INFINITY, 0, Float.NEGATIVE_INFINITY}, bulk);
        refused("respectingMasks: 1 masks for 2 tensors",
                () -> ScoreSource.respectingMasks(src(), new byte[][] {null}));
        refused("respectingMasks: mask of b has length 3 but the tensor has 4 elements",
                () -> ScoreSource.respectingMasks(src(), new byte[][] {null, new byte[3]}));
    }

    /** The SNIP normaliser names a NaN score by its index, also past the first 65536-element block. */
    @Test
    void snipNormaliserNamesANanScoreByIndex() {
        float[] big = new float[Criterion.SUM_BLOCK + 10];
        Arrays.fill(big, 1f);
        big[Criterion.SUM_BLOCK + 3] = Float.NaN;
        refused("score of w at index " + (Criterion.SUM_BLOCK + 3) + " is NaN",
                () -> Criterion.snipNormaliser(ScoreSource.of(new float[][] {big}, new String[] {"w"})));
        big[Criterion.SUM_BLOCK + 3] = 1f;
        assertEquals(big.length, Criterion.snipNormaliser(ScoreSource.of(new float[][] {new float[0], big})), 0.0);
    }
}
