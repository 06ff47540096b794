package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.EmbeddedMnist;
import dev.jprune.data.Normalization;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.train.StepHook;
import dev.jprune.train.TrainConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PruningPipelineTest {
    static Split small;

    @BeforeAll
    static void data() throws Exception {
        Split s = EmbeddedMnist.split();
        Normalization.fitAndApply(s);
        small = new Split(s.train().subset(0, 1500), s.test().subset(0, 500));
    }

    static TrainConfig cfg(OptimizerKind k) {
        return TrainConfig.defaults(k, k == OptimizerKind.SGD ? 0.05f : 1e-3f, 1, 50, 3);
    }

    @Test
    void gradualScheduleMatchesZhuGuptaAtEveryStep() {
        Schedule.Gradual g = new Schedule.Gradual(5, 4, 10, 0.0);
        // Hand-computed from s_t = s_f + (s_i − s_f)(1 − (t − t0)/(nΔt))³ with s_f = 0.9.
        assertEquals(0.0, g.sparsityAt(5, 0.9), 1e-12);
        assertEquals(0.9 - 0.9 * 0.421875, g.sparsityAt(15, 0.9), 1e-12);   // (3/4)³
        assertEquals(0.9 - 0.9 * 0.125, g.sparsityAt(25, 0.9), 1e-12);      // (1/2)³
        assertEquals(0.9 - 0.9 * 0.015625, g.sparsityAt(35, 0.9), 1e-12);   // (1/4)³
        assertEquals(0.9, g.sparsityAt(45, 0.9), 1e-12);
        assertEquals(0.9, g.sparsityAt(1000, 0.9), 1e-12);
        List<Long> steps = new ArrayList<>();
        for (long t = 0; t < 100; t++) if (g.isPruningStep(t)) steps.add(t);
        assertEquals(List.of(5L, 15L, 25L, 35L, 45L), steps);
        double prev = -1;
        for (long t = 0; t < 60; t++) { double s = g.sparsityAt(t, 0.9); assertTrue(s >= prev); prev = s; }
    }

    @Test
    void gradualRunPrunesOnScheduleWithExactCountsAndKeepsPrunedWeightsZero() {
        ModelSpec m = Models.build("lenet-300-100", 1);
        Schedule.Gradual g = new Schedule.Gradual(0, 5, 5, 0.0);
        PruningPlan plan = new PruningPlan(PruneSpec.global(Criterion.TAYLOR, 0.9), g, 1, 1, 0f,
                PruningPlan.Rewind.NONE, 0);
        List<double[]> events = new ArrayList<>();
        PruningRun run = new PruningRun(m, cfg(OptimizerKind.SGD), plan, new PruneListener() {
            @Override public void onPrune(long step, double target, double achieved) {
                events.add(new double[] {step, target, achieved});
            }
        });
        List<String> violations = new ArrayList<>();
        run.backend().addHook(new StepHook() {
            @Override public void afterStep(long s) {
                for (Parameter p : m.net().parameters()) {
                    if (p.mask == null) continue;
                    for (int i = 0; i < p.size(); i++)
                        if (p.mask[i] == 0 && p.value.data[i] != 0f) {
                            violations.add(p.localName + "@" + i + " step " + s); return;
                        }
                }
            }
        });
        PruningRun.Outcome out = run.run(small);
        assertTrue(violations.isEmpty(), "pruned weights revived: " + violations);
        assertEquals(6, events.size());
        long total = run.pruner().candidateCount();
        for (double[] e : events) {
            assertEquals(g.sparsityAt((long) e[0], 0.9), e[1], 1e-12);
            long pruned = Math.round(e[1] * total); // no ties at .5 for these totals
            assertEquals(1 - (total - pruned) / (double) total, e[2], 1e-12, "exact k at step " + e[0]);
        }
        assertEquals(0.9, out.achievedSparsity(), 1e-6);
        assertTrue(out.prunedAccuracy() > 0.8, "accuracy after gradual pruning " + out.prunedAccuracy());
    }

    @Test
    void perLayerGivesEachLayerTheFractionGlobalDoesNot() {
        ModelSpec a = Models.build("lenet-300-100", 2), b = Models.build("lenet-300-100", 2);
        PruneSpec per = new PruneSpec(Criterion.MAGNITUDE, Granularity.UNSTRUCTURED, Scope.PER_LAYER, 0.8, 2, 4,
                Structured.Norm.L2, Float.NaN, Set.of(), false, 0, 1, 1, ScoreAccumulator.Mode.SUM, 0.9f);
        ModelPruner pa = new ModelPruner(a.net(), per);
        pa.prune(0.8, pa.scores(null));
        for (ModelPruner.Target t : pa.targets()) {
            long n = t.weight().size();
            assertEquals(n - Math.rint(0.8 * n), t.weight().nonzeroMaskCount(), t.name());
        }
        ModelPruner pb = new ModelPruner(b.net(), PruneSpec.global(Criterion.MAGNITUDE, 0.8));
        pb.prune(0.8, pb.scores(null));
        double[] d = pb.densities();
        assertNotEquals(d[0], d[2], 1e-3,
                "global magnitude pruning should treat layers of different init scale differently");
        assertEquals(Math.rint(0.2 * pb.candidateCount()),
                pb.targets().stream().mapToLong(t -> t.weight().nonzeroMaskCount()).sum());
    }

    @Test
    void densityCapsAndExclusionsAreHonoured() {
        ModelSpec m = Models.build("lenet-300-100", 4);
        PruneSpec capped = new PruneSpec(Criterion.MAGNITUDE, Granularity.UNSTRUCTURED, Scope.GLOBAL, 0.9, 2, 4,
                Structured.Norm.L2, Float.NaN, Set.of(), true, 0.05, 0.5, 1, ScoreAccumulator.Mode.SUM, 0.9f);
        ModelPruner p = new ModelPruner(m.net(), capped);
        assertEquals(List.of("0.weight", "2.weight"), List.of(p.names()));
        p.prune(0.9, p.scores(null));
        for (double d : p.densities()) assertTrue(d >= 0.05 - 1e-9 && d <= 0.5 + 1e-9, "density " + d);
        assertNull(((dev.jprune.nn.Linear) m.net().layer(4)).weight.mask, "excluded last layer must stay dense");
    }

    /**
     * Density bounds hold at every prune of a schedule: a gradual run to 0.9 with max density 0.3 per layer clamps its
     * early steps (which ask for less than 0.7) to the bounds' nearest sparsity, every prune keeps each layer within
     * [0.05, 0.3], and the run ends at the target exactly. A target the bounds cannot reach is refused before any
     * training.
     */
    @Test
    void densityBoundsHoldAtEveryScheduledPruneAndImpossibleTargetsAreRefusedFirst() {
        ModelSpec m = Models.build("lenet-300-100", 2);
        PruneSpec spec = new PruneSpec(Criterion.TAYLOR, Granularity.UNSTRUCTURED, Scope.GLOBAL, 0.9, 2, 4,
                Structured.Norm.L2, Float.NaN, Set.of(), false, 0.05, 0.3, 2, ScoreAccumulator.Mode.SUM, 0.9f);
        Schedule.Gradual g = new Schedule.Gradual(0, 5, 5, 0.0);
        PruningPlan plan = new PruningPlan(spec, g, 1, 1, 0f, PruningPlan.Rewind.NONE, 0);
        List<double[]> events = new ArrayList<>();
        PruningRun run = new PruningRun(m, cfg(OptimizerKind.SGD), plan, new PruneListener() {
            @Override public void onPrune(long step, double target, double achieved) {
                events.add(new double[] {step, target, achieved});
            }
        });
        List<String> outside = new ArrayList<>();
        ModelPruner pr = run.pruner();
        run.backend().addHook(new StepHook() {
            @Override public void afterStep(long s) {
                for (ModelPruner.Target t : pr.targets()) {
                    if (t.weight().mask == null) continue;
                    long k = t.weight().nonzeroMaskCount(), n = t.weight().size();
                    if (k < Math.rint(0.05 * n) || k > Math.rint(0.3 * n))
                        outside.add(t.name() + " kept " + k + " of " + n + " after step " + s);
                }
            }
        });
        PruningRun.Outcome out = run.run(small);
        assertTrue(outside.isEmpty(), "density bounds violated: " + outside);
        long total = pr.candidateCount(), sumMax = 0;
        for (ModelPruner.Target t : pr.targets()) sumMax += Math.rint(0.3 * t.weight().size());
        double floor = 1 - sumMax / (double) total;
        int clamped = 0;
        for (double[] e : events) {
            double want = Math.max(e[1], floor);
            assertEquals(1 - GlobalSelector.keepForSparsity(total, want) / (double) total, e[2], 1.0 / total + 1e-12,
                    "step " + e[0] + ": target " + e[1] + ", achieved " + e[2]);
            if (e[1] < floor) clamped++;
        }
        assertTrue(clamped > 0, "no step asked for less than the bounds allow; the test does not cover the clamp");
        assertEquals(1 - GlobalSelector.keepForSparsity(total, 0.9) / (double) total, out.achievedSparsity(), 1e-12);

        ModelSpec m2 = Models.build("lenet-300-100", 2);
        PruneSpec tooSparse = new PruneSpec(Criterion.MAGNITUDE, Granularity.UNSTRUCTURED, Scope.GLOBAL, 0.99, 2, 4,
                Structured.Norm.L2, Float.NaN, Set.of(), false, 0.05, 1, 1, ScoreAccumulator.Mode.SUM, 0.9f);
        List<String> phases = new ArrayList<>();
        PruningRun bad = new PruningRun(m2, cfg(OptimizerKind.SGD),
                new PruningPlan(tooSparse, new Schedule.OneShot(), 1, 1, 0f, PruningPlan.Rewind.NONE, 0),
                new PruneListener() { @Override public void onPhase(String phase, int epochs) { phases.add(phase); } });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.run(small));
        assertTrue(e.getMessage().contains("infeasible") && e.getMessage().contains("0.9500"), e.getMessage());
        assertEquals(List.of(), phases, "refused before any training");
        assertEquals(0, bad.backend().globalStep());
    }

    /**
     * A gradual schedule's scores: MOVEMENT keeps accumulating −w·g across prunes (its score spans all of
     * fine-tuning), TAYLOR restarts after each prune. Prunes at fine-tuning steps 0, 5, ..., 25 see 1, 6, 11, 16,
     * 21, 26 batches (movement) and 1, 5, 5, 5, 5, 5 (Taylor).
     */
    @Test
    void movementScoresSpanTheScheduleAndTaylorScoresRestartAtEachPrune() {
        for (Criterion c : new Criterion[] {Criterion.MOVEMENT, Criterion.TAYLOR}) {
            ModelSpec m = Models.build("lenet-300-100", 1);
            PruningPlan plan = new PruningPlan(PruneSpec.global(c, 0.8), new Schedule.Gradual(0, 5, 5, 0.0), 1, 1, 0f,
                    PruningPlan.Rewind.NONE, 0);
            List<Long> seen = new ArrayList<>();
            new PruningRun(m, cfg(OptimizerKind.SGD), plan, new PruneListener() {
                @Override public void onPrune(long step, double target, double achieved, long scoreBatches) {
                    seen.add(scoreBatches);
                }
            }).run(small);
            List<Long> want = c == Criterion.MOVEMENT ? List.of(1L, 6L, 11L, 16L, 21L, 26L)
                    : List.of(1L, 5L, 5L, 5L, 5L, 5L);
            assertEquals(want, seen, c + ": batches in the scores at each prune");
            assertEquals(c == Criterion.MOVEMENT, PruneSpec.global(c, 0.8).scoresSpanPrunes());
        }
    }

    /** Structured pruning never removes output units of the last layer (the classes), even without excludeLast;
     *  unstructured pruning still takes it unless excluded. */
    @Test
    void structuredPruningKeepsTheOutputLayer() {
        ModelSpec m = Models.build("lenet-300-100", 3);
        PruneSpec st = new PruneSpec(Criterion.MAGNITUDE, Granularity.STRUCTURED, Scope.PER_LAYER, 0.5, 2, 4,
                Structured.Norm.L2, Float.NaN, Set.of(), false, 0, 1, 1, ScoreAccumulator.Mode.SUM, 0.9f);
        ModelPruner p = new ModelPruner(m.net(), st);
        assertEquals(List.of("0.weight", "2.weight"), List.of(p.names()));
        p.prune(0.5, p.scores(null));
        assertNull(((dev.jprune.nn.Linear) m.net().layer(4)).weight.mask, "the output layer keeps all 10 classes");
        assertEquals(List.of("0.weight", "2.weight", "4.weight"),
                List.of(new ModelPruner(m.net(), PruneSpec.global(Criterion.MAGNITUDE, 0.5)).names()));
        dev.jprune.nn.Sequential one =
                new dev.jprune.nn.Sequential(new dev.jprune.nn.Linear(4, 3, new dev.jprune.util.Rng(1)));
        assertThrows(IllegalArgumentException.class, () -> new ModelPruner(one, st),
                "a lone classifier layer has no structured target");
    }

    @Test
    void nmAndStructuredMasksAreValid() {
        ModelSpec m = Models.build("lenet-300-100", 5);
        PruneSpec nm = new PruneSpec(Criterion.MAGNITUDE, Granularity.NM, Scope.PER_LAYER, 0.5, 2, 4,
                Structured.Norm.L2, Float.NaN, Set.of(), false, 0, 1, 1, ScoreAccumulator.Mode.SUM, 0.9f);
        ModelPruner p = new ModelPruner(m.net(), nm);
        p.prune(0.5, p.scores(null));
        for (ModelPruner.Target t : p.targets())
            assertTrue(NmSparsity.isValid(t.weight().mask, t.rowLength(), 2, 4), t.name());

        ModelSpec s = Models.build("lenet-300-100", 6);
        PruneSpec st = new PruneSpec(Criterion.MAGNITUDE, Granularity.STRUCTURED, Scope.PER_LAYER, 0.5, 2, 4,
                Structured.Norm.L1, Float.NaN, Set.of(), true, 0, 1, 1, ScoreAccumulator.Mode.SUM, 0.9f);
        ModelPruner ps = new ModelPruner(s.net(), st);
        ModelPruner.Result r = ps.prune(0.5, ps.scores(null));
        for (int t = 0; t < ps.targets().size(); t++) {
            ModelPruner.Target tg = ps.targets().get(t);
            assertEquals(tg.rows() / 2, r.keptRows()[t].length, tg.name());
            for (int row = 0; row < tg.rows(); row++) {
                byte first = tg.weight().mask[row * tg.rowLength()];
                for (int c = 0; c < tg.rowLength(); c++)
                    assertEquals(first, tg.weight().mask[row * tg.rowLength() + c], "row must be pruned whole");
                assertEquals(first, tg.bias().mask[row], "bias entry goes with its neuron");
                if (first == 0) assertEquals(0f, tg.bias().value.data[row]);
            }
        }
    }

    /**
     * Pruning again (iterative, gradual) must rank the rows an earlier prune removed first to go, also structured:
     * element scores of −Infinity must not turn into a group score of +Infinity (|−Inf| = (−Inf)² = +Inf), which would
     * make the dead rows take the keep budget and prune every live row.
     */
    @Test
    void structuredPruningAgainReachesTheTargetAndKeepsPrunedRowsPruned() {
        for (Scope scope : Scope.values()) {
            for (Structured.Norm norm : Structured.Norm.values()) {
                ModelSpec s = Models.build("lenet-300-100", 6);
                PruneSpec st = new PruneSpec(Criterion.MAGNITUDE, Granularity.STRUCTURED, scope, 0.75, 2, 4, norm,
                        Float.NaN, Set.of(), true, 0, 1, 1, ScoreAccumulator.Mode.SUM, 0.9f);
                ModelPruner ps = new ModelPruner(s.net(), st);
                ModelPruner.Result r1 = ps.prune(0.5, ps.scores(null));
                int[][] first = r1.keptRows();
                ModelPruner.Result r2 = ps.prune(0.75, ps.scores(null));
                String what = scope + " " + norm;
                for (int t = 0; t < ps.targets().size(); t++) {
                    ModelPruner.Target tg = ps.targets().get(t);
                    int rows = tg.rows();
                    if (scope == Scope.PER_LAYER) {
                        assertEquals(GlobalSelector.keepForSparsity(rows, 0.75), r2.keptRows()[t].length,
                                what + " " + tg.name());
                    }
                    java.util.Set<Integer> before = new java.util.HashSet<>();
                    for (int row : first[t]) before.add(row);
                    for (int row : r2.keptRows()[t])
                        assertTrue(before.contains(row), what + ": " + tg.name() + " row " + row + " revived");
                    assertEquals((long) r2.keptRows()[t].length * tg.rowLength(), r2.keptPerTarget()[t],
                            what + " kept elements of " + tg.name());
                }
                long rowsTotal = ps.targets().stream().mapToLong(ModelPruner.Target::rows).sum();
                if (scope == Scope.GLOBAL) {
                    assertEquals(GlobalSelector.keepForSparsity(rowsTotal, 0.75),
                            java.util.Arrays.stream(r2.keptRows()).mapToLong(a -> a.length).sum(), what);
                }
            }
        }
    }

    /** A prune that fails (a non-finite weight in the last target) leaves every weight and mask as it was. */
    @Test
    void aFailedPruneChangesNoWeightAndNoMask() {
        java.util.Set<Integer> none = Set.of();
        for (Granularity gr : Granularity.values()) {
            ModelSpec m = Models.build("lenet-300-100", 8);
            PruneSpec spec = new PruneSpec(Criterion.MAGNITUDE, gr, Scope.PER_LAYER, 0.5, 2, 4, Structured.Norm.L2,
                    Float.NaN, none, false, 0, 1, 1, ScoreAccumulator.Mode.SUM, 0.9f);
            ModelPruner p = new ModelPruner(m.net(), spec);
            // Masks exist (a failed second prune must keep them), except N:M, whose masks a second prune would not
            // change.
            if (gr != Granularity.NM) p.prune(0.3, p.scores(null));
            List<ModelPruner.Target> ts = p.targets();
            ts.get(ts.size() - 1).weight().value.data[5] = Float.NaN;
            float[][] before = m.net().copyValues();
            byte[][] masks = p.masks().clone();
            byte[][] maskCopies = new byte[masks.length][];
            for (int t = 0; t < masks.length; t++) maskCopies[t] = masks[t] == null ? null : masks[t].clone();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> p.prune(0.6, p.scores(null)), gr.toString());
            assertTrue(e.getMessage().contains("index 5"), e.getMessage());
            float[][] after = m.net().copyValues();
            for (int i = 0; i < before.length; i++) {
                for (int j = 0; j < before[i].length; j++) {
                    assertEquals(Float.floatToRawIntBits(before[i][j]), Float.floatToRawIntBits(after[i][j]),
                            gr + ": parameter " + i + " value " + j);
                }
            }
            for (int t = 0; t < masks.length; t++) {
                assertSame(masks[t], p.masks()[t], gr + ": mask " + t + " replaced");
                if (masks[t] != null) assertArrayEquals(maskCopies[t], p.masks()[t], gr + ": mask " + t + " changed");
            }
        }
    }

    @Test
    void rewindingResetsSurvivorsToInitialisationAndKeepsTheMask() {
        ModelSpec m = Models.build("lenet-300-100", 7);
        float[] init = ((dev.jprune.nn.Linear) m.net().layer(0)).weight.value.data.clone();
        PruningPlan plan = new PruningPlan(PruneSpec.global(Criterion.MAGNITUDE, 0.8), new Schedule.OneShot(), 1, 0, 0f,
                PruningPlan.Rewind.INIT, 0);
        new PruningRun(m, cfg(OptimizerKind.SGD), plan, PruneListener.NONE).run(small);
        Parameter w = ((dev.jprune.nn.Linear) m.net().layer(0)).weight;
        int kept = 0;
        for (int i = 0; i < init.length; i++) {
            if (w.mask[i] == 0) assertEquals(0f, w.value.data[i]);
            else {
                kept++; assertEquals(init[i], w.value.data[i], "survivor " + i + " must be back at its initial value");
            }
        }
        assertTrue(kept > 0 && kept < init.length);
    }

    @Test
    void iterativeAndSnipReachTheTargetExactly() {
        for (Criterion c : List.of(Criterion.MAGNITUDE, Criterion.SNIP)) {
            ModelSpec m = Models.build("lenet-300-100", 8);
            PruneSpec spec = PruneSpec.global(c, 0.75);
            PruningPlan plan = new PruningPlan(spec, new Schedule.Iterative(3), 1, 1, 0f, PruningPlan.Rewind.NONE, 0);
            PruningRun.Outcome o = new PruningRun(m, cfg(OptimizerKind.ADAM), plan, PruneListener.NONE).run(small);
            long total = new ModelPruner(m.net(), spec).candidateCount();
            assertEquals(1 - (total - Math.rint(0.75 * total)) / total, o.achievedSparsity(), 1e-12, c.name());
            assertTrue(o.prunedAccuracy() > 0.7, c + " accuracy " + o.prunedAccuracy());
        }
    }
}
