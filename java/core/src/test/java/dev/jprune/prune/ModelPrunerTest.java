package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.Models;
import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ModelPruner on a real model: masks set, weights zeroed, nothing revived, caps held, bad input refused. */
class ModelPrunerTest {
    static Sequential lenet(long seed) { return Models.build("lenet-300-100", seed).net(); }

    static PruneSpec magnitude(double sparsity) { return PruneSpec.global(Criterion.MAGNITUDE, sparsity); }

    static byte[][] copies(byte[][] masks) {
        byte[][] c = new byte[masks.length][];
        for (int t = 0; t < masks.length; t++) c[t] = masks[t] == null ? null : masks[t].clone();
        return c;
    }

    /** A second prune at lower sparsity never revives a pruned weight: its selection reaches into the old zeros. */
    @Test
    void aSecondPruneAtLowerSparsityNeverRevivesAPrunedWeight() {
        Sequential net = lenet(2);
        ModelPruner p = new ModelPruner(net, magnitude(0.8));
        ModelPruner.Result first = p.prune(0.8, p.scores(null));
        byte[][] after1 = copies(p.masks());
        ModelPruner.Result second = p.prune(0.5, p.scores(null));
        for (int t = 0; t < after1.length; t++) {
            byte[] m = p.masks()[t];
            float[] w = p.weights()[t];
            for (int i = 0; i < m.length; i++) {
                if (after1[t][i] == 0) {
                    assertEquals(0, m[i], p.names()[t] + "[" + i + "] revived");
                    assertEquals(0f, w[i], p.names()[t] + "[" + i + "] value");
                }
            }
        }
        assertArrayEquals(first.keptPerTarget(), second.keptPerTarget(), "kept counts cannot grow again");
        assertEquals(first.kept(), second.kept());
        assertEquals(first.achievedSparsity(), second.achievedSparsity(), 0.0);
        assertEquals(0.5, second.requestedSparsity(), 0.0);
    }

    /** N:M after an unstructured prune: groups whose survivors are fewer than N keep no pruned weight. */
    @Test
    void nmAfterAnUnstructuredPruneKeepsOldZerosZero() {
        Sequential net = lenet(3);
        ModelPruner un = new ModelPruner(net, magnitude(0.7));
        un.prune(0.7, un.scores(null));
        byte[][] before = copies(un.masks());
        ModelPruner nm = new ModelPruner(net,
                PruneSpec.builder().criterion(Criterion.MAGNITUDE).granularity(Granularity.NM).nm(2, 4).build());
        nm.prune(0, nm.scores(null));
        long lostOnlyByNm = 0;
        for (int t = 0; t < before.length; t++) {
            byte[] m = nm.masks()[t];
            for (int i = 0; i < m.length; i++) {
                if (before[t][i] == 0) assertEquals(0, m[i], nm.names()[t] + "[" + i + "] revived by N:M");
                else if (m[i] == 0) lostOnlyByNm++;
            }
            assertTrue(NmSparsity.isValid(m, nm.targets().get(t).rowLength(), 2, 4), nm.names()[t]);
        }
        assertTrue(lostOnlyByNm > 0, "N:M must prune some survivors too, else the test shows nothing");
    }

    /** The prune zeroes exactly the pruned weights and leaves every kept weight's value as it was. */
    @Test
    void pruneZeroesPrunedWeightsAndKeepsTheRest() {
        Sequential net = lenet(4);
        ModelPruner p = new ModelPruner(net, magnitude(0.6));
        float[][] before = new float[p.targets().size()][];
        for (int t = 0; t < before.length; t++) before[t] = p.weights()[t].clone();
        ModelPruner.Result r = p.prune(0.6, p.scores(null));
        long zeroed = 0;
        for (int t = 0; t < before.length; t++) {
            byte[] m = p.masks()[t];
            float[] w = p.weights()[t];
            for (int i = 0; i < w.length; i++) {
                if (m[i] == 0) {
                    assertEquals(0f, w[i], p.names()[t] + "[" + i + "] pruned but not zeroed");
                    if (before[t][i] != 0f) zeroed++;
                } else {
                    assertEquals(before[t][i], w[i], p.names()[t] + "[" + i + "] kept but changed");
                }
            }
        }
        assertEquals(p.candidateCount() - r.kept(), zeroed, "every pruned weight was nonzero before and is 0 now");
        assertEquals(GlobalSelector.keepForSparsity(p.candidateCount(), 0.6), r.kept());
    }

    /**
     * A density cap with only a maximum is a cap: global magnitude pruning would keep more than 30% of the small
     * layers (their initial weights are larger), the cap holds each layer at or below 30%.
     */
    @Test
    void aMaximumDensityAloneCapsEveryLayer() {
        ModelPruner free = new ModelPruner(lenet(5), magnitude(0.75));
        free.prune(0.75, free.scores(null));
        assertTrue(java.util.Arrays.stream(free.densities()).anyMatch(d -> d > 0.35), "uncapped densities "
                + java.util.Arrays.toString(free.densities()) + ": the cap would not bind");

        PruneSpec maxOnly = PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.75)
                .densityBounds(0, 0.3).build();
        ModelPruner p = new ModelPruner(lenet(5), maxOnly);
        assertTrue(p.capped());
        ModelPruner.Result r = p.prune(0.75, p.scores(null));
        for (int t = 0; t < p.targets().size(); t++) {
            long n = p.targets().get(t).weight().size();
            assertTrue(r.keptPerTarget()[t] <= Math.rint(0.3 * n),
                    p.names()[t] + " kept " + r.keptPerTarget()[t] + " of " + n);
        }
        assertEquals(GlobalSelector.keepForSparsity(p.candidateCount(), 0.75), r.kept(),
                "still exactly the global count");
    }

    /** Caps apply to global unstructured count selection only. */
    @Test
    void onlyGlobalUnstructuredCountSelectionIsCapped() {
        Sequential net = lenet(1);
        assertFalse(new ModelPruner(net, magnitude(0.5)).capped(), "bounds [0, 1] are no cap");
        assertTrue(new ModelPruner(net, PruneSpec.builder().densityBounds(0.1, 1).build()).capped(), "a minimum alone");
        assertTrue(new ModelPruner(net, PruneSpec.builder().densityBounds(0, 0.9).build()).capped(), "a maximum alone");
        assertFalse(new ModelPruner(net,
                PruneSpec.builder().densityBounds(0.1, 0.9).scope(Scope.PER_LAYER).build()).capped());
        assertFalse(new ModelPruner(net,
                PruneSpec.builder().densityBounds(0.1, 0.9).threshold(0.01f).build()).capped());
        assertFalse(new ModelPruner(net,
                PruneSpec.builder().densityBounds(0.1, 0.9).granularity(Granularity.NM).build()).capped());
        assertFalse(new ModelPruner(net,
                PruneSpec.builder().densityBounds(0.1, 0.9).granularity(Granularity.STRUCTURED).build()).capped());
        ModelPruner capped = new ModelPruner(net, PruneSpec.builder().densityBounds(0, 0.2).build());
        // 0.3 asks to keep 70%, more than a 20% cap allows: the prune keeps what the cap allows, the target is refused
        long maxKept = 0;
        for (ModelPruner.Target t : capped.targets()) maxKept += (long) Math.rint(0.2 * t.weight().size());
        assertEquals(maxKept, capped.keepFor(0.3));
        assertEquals(GlobalSelector.keepForSparsity(capped.candidateCount(), 0.9), capped.keepFor(0.9));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> capped.checkTarget(0.3));
        assertTrue(e.getMessage().contains("sparsity 0.3 is infeasible with density bounds [0.0, 0.2] per layer: "
                + "they allow sparsities from 0.8000 to 1.0000"), e.getMessage());
        capped.checkTarget(0.9);
        capped.checkTarget(0.8);  // exactly the largest kept count the bounds allow
        ModelPruner floor = new ModelPruner(net, PruneSpec.builder().densityBounds(0.1, 1).build());
        floor.checkTarget(0.9);   // exactly the smallest
        e = assertThrows(IllegalArgumentException.class, () -> floor.checkTarget(0.95));
        assertTrue(e.getMessage().contains("from 0.0000 to 0.9000"), e.getMessage());
        ModelPruner free = new ModelPruner(net, magnitude(0.5));
        free.checkTarget(0.0);  // uncapped: every target is feasible
        assertEquals(GlobalSelector.keepForSparsity(free.candidateCount(), 0.3), free.keepFor(0.3),
                "uncapped: the plain count");
        assertEquals(magnitude(0.5), free.spec());
    }

    @Test
    void badScoresAreRefusedAndNothingChanges() {
        Sequential net = lenet(6);
        ModelPruner p = new ModelPruner(net, magnitude(0.5));
        float[][] w = p.weights();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.prune(0.5, ScoreSource.of(new float[][] {w[0], w[1]})));
        assertTrue(e.getMessage().contains("2 score tensors for 3 targets"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> p.prune(0.5, ScoreSource.of(new float[][] {w[0], w[1], new float[7]})));
        assertTrue(e.getMessage().contains("4.weight") && e.getMessage().contains("7 elements")
                && e.getMessage().contains("1000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p.prune(1.5, p.scores(null)));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        for (byte[] m : p.masks()) assertNull(m, "no mask set by a refused prune");
    }

    @Test
    void gradientCriteriaNeedAccumulatedScores() {
        ModelPruner p = new ModelPruner(lenet(7), PruneSpec.global(Criterion.TAYLOR, 0.5));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.scores(null));
        assertTrue(e.getMessage().contains("TAYLOR"), e.getMessage());
        ScoreAccumulator acc = p.newAccumulator();
        assertThrows(IllegalStateException.class, () -> p.scores(acc), "no batch accumulated yet");
        acc.accumulate(p.weights(), p.grads());
        ScoreSource live = p.scores(acc);
        acc.buffers()[1][7] = 42f;
        assertEquals(42f, live.score(1, 7), "the scores are the accumulator's live buffers");
        assertEquals("2.weight", live.name(1));
        assertArrayEquals(new String[] {"0.weight", "2.weight", "4.weight"}, p.names());
        assertArrayEquals(new int[] {235200, 30000, 1000}, p.sizes());
    }

    @Test
    void targetsAreTheWeightLayersLessTheExclusionsAndBadExclusionsAreRefused() {
        Sequential net = lenet(8);
        assertEquals(List.of("2.weight"),
                List.of(new ModelPruner(net, PruneSpec.builder().excludeLayers(0).excludeLast(true).build()).names()));
        ModelPruner.Target t = new ModelPruner(net, PruneSpec.builder().build()).targets().get(1);
        assertEquals(2, t.layerIndex());
        assertEquals(100, t.rows());
        assertEquals(300, t.rowLength());
        assertSame(((Linear) net.layer(2)).bias, t.bias());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelPruner(net, PruneSpec.builder().excludeLayers(5).build()));
        assertTrue(e.getMessage().contains("excluded layer 5 does not exist (model has 5 layers)"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new ModelPruner(net, PruneSpec.builder().excludeLayers(-1).build()));
        e = assertThrows(IllegalArgumentException.class,
                () -> new ModelPruner(net, PruneSpec.builder().excludeLayers(0, 2, 4).build()));
        assertTrue(e.getMessage().startsWith("nothing to prune"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ModelPruner(net, PruneSpec.builder().granularity(Granularity.NM).nm(2, 128).build()));
        assertTrue(e.getMessage().contains("4.weight: rows of 100 are shorter than M=128"), e.getMessage());
        Sequential tiny = new Sequential(new Linear(3, 2, new Rng(1)), new ReLU(), new Linear(2, 2, new Rng(2)));
        assertEquals(2, new ModelPruner(tiny, PruneSpec.builder().granularity(Granularity.NM).nm(1, 2).build())
                .targets().get(1).rowLength(), "rows of exactly M are fine");
    }

    /** Every engine call's kept counts are the masks' counts, for each kind of selection the spec can ask for. */
    @Test
    void theEngineReportsTheCountsOfTheMasksItWrote() {
        List<PruneSpec> specs = List.of(magnitude(0.7),
                PruneSpec.builder().criterion(Criterion.MAGNITUDE).scope(Scope.PER_LAYER).build(),
                PruneSpec.builder().criterion(Criterion.MAGNITUDE).densityBounds(0.05, 0.5).build(),
                PruneSpec.builder().criterion(Criterion.MAGNITUDE).threshold(0.02f).build(),
                PruneSpec.builder().criterion(Criterion.MAGNITUDE).granularity(Granularity.NM).nm(1, 4).build(),
                PruneSpec.builder().criterion(Criterion.MAGNITUDE).granularity(Granularity.STRUCTURED).build());
        for (PruneSpec spec : specs) {
            ModelPruner p = new ModelPruner(lenet(11), spec);
            HostSelectionEngine engine = new HostSelectionEngine(p.scores(null));
            ModelPruner.Selected sel = p.select(engine, 0.7);
            assertArrayEquals(HostSelectionEngine.counts(engine.masks()), sel.keptPerTarget(), spec.toString());
            long kept = java.util.Arrays.stream(sel.keptPerTarget()).sum();
            assertTrue(kept > 0 && kept < p.candidateCount(), spec + ": kept " + kept);
        }
        assertThrows(IllegalArgumentException.class, () -> new HostSelectionEngine(null));
        HostSelectionEngine two = new HostSelectionEngine(ScoreSource.of(new float[][] {{1, 2}, {3}}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> two.nm(new int[] {2}, 1, 2));
        assertTrue(e.getMessage().contains("nm: 1 row lengths for 2 tensors"), e.getMessage());
    }

    /** Pruning to sparsity 1 removes every candidate; to 0 keeps every one (and still sets the masks). */
    @Test
    void theEndsOfTheSparsityRangeAreValidPrunes() {
        ModelPruner all = new ModelPruner(lenet(12), magnitude(1));
        assertEquals(0, all.prune(1.0, all.scores(null)).kept());
        for (float[] w : all.weights()) for (float v : w) assertEquals(0f, v);
        ModelPruner none = new ModelPruner(lenet(12), magnitude(0));
        assertEquals(none.candidateCount(), none.prune(0.0, none.scores(null)).kept());
        for (byte[] m : none.masks()) assertNotNull(m);
    }

    /**
     * Structured, a second prune at lower sparsity selects rows the first removed: they stay removed (weights, bias
     * entries) and are not reported kept — the kept rows are the first prune's.
     */
    @Test
    void structuredPruningAtLowerSparsityKeepsRemovedRowsRemoved() {
        Sequential net = lenet(13);
        ModelPruner p = new ModelPruner(net,
                PruneSpec.builder().criterion(Criterion.MAGNITUDE).granularity(Granularity.STRUCTURED)
                        .scope(Scope.PER_LAYER).build());
        int[][] first = p.prune(0.75, p.scores(null)).keptRows();
        ModelPruner.Result second = p.prune(0.25, p.scores(null));
        for (int t = 0; t < first.length; t++) {
            assertArrayEquals(first[t], second.keptRows()[t], p.names()[t]);
            ModelPruner.Target tg = p.targets().get(t);
            assertEquals((long) first[t].length * tg.rowLength(), second.keptPerTarget()[t]);
            java.util.Set<Integer> kept = new java.util.HashSet<>();
            for (int r : first[t]) kept.add(r);
            for (int row = 0; row < tg.rows(); row++) {
                assertEquals(kept.contains(row) ? 1 : 0, tg.bias().mask[row], tg.name() + " bias " + row);
                if (!kept.contains(row)) assertEquals(0f, tg.bias().value.data[row]);
            }
        }
    }

    @Test
    void resultCountsAndDensitiesAreTheMasks() {
        ModelPruner.Result empty = new ModelPruner.Result(0.5, new long[0], 0, null);
        assertEquals(0, empty.achievedSparsity(), 0.0, "no candidates: nothing pruned");
        ModelPruner.Result r = new ModelPruner.Result(0.5, new long[] {3, 4}, 10, null);
        assertEquals(7, r.kept());
        assertEquals(0.3, r.achievedSparsity(), 1e-15);
        ModelPruner p = new ModelPruner(lenet(9),
                PruneSpec.builder().criterion(Criterion.MAGNITUDE).scope(Scope.PER_LAYER).build());
        p.prune(0.75, p.scores(null));
        double[] d = p.densities();
        for (int t = 0; t < d.length; t++) {
            long n = p.targets().get(t).weight().size();
            assertEquals((n - Math.rint(0.75 * n)) / n, d[t], 1e-15, p.names()[t]);
        }
        assertArrayEquals(new double[] {0.25, 0.25, 0.25}, p.densities(0.25));
    }
}
