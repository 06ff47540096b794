package dev.jprune.gpu.train;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jprune.data.EmbeddedMnist;
import dev.jprune.data.Normalization;
import dev.jprune.data.Split;
import dev.jprune.gpu.GpuProbe;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.data.Dataset;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.Granularity;
import dev.jprune.prune.Scope;
import dev.jprune.prune.Structured;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.prune.PruneListener;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.PruningPlan;
import dev.jprune.prune.PruningRun;
import dev.jprune.prune.Schedule;
import dev.jprune.train.CpuBackend;
import dev.jprune.train.StepHook;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The pruning pipeline on the GPU backend against the CPU backend. */
@Tag("gpu")
class GpuPruningTest {
    @BeforeEach
    void needGpu() {
        GpuProbe p = GpuProbe.get();
        assumeTrue(p.available(), "no usable GPU: " + p.reason());
    }

    @Test
    void gradualTaylorPruningOnTheGpuMatchesTheCpuRun() throws Exception {
        Split s = EmbeddedMnist.split();
        Normalization.fitAndApply(s);
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 3, 64, 4);
        PruningPlan plan = PruningPlan.builder(PruneSpec.global(Criterion.TAYLOR, 0.9))
                .schedule(Schedule.gradualOver(3 * 125, 0.6, 10))
                .denseEpochs(3).fineTuneEpochs(3).fineTuneLr(0.01f).build();
        ModelSpec cpu = Models.build("lenet-300-100", 4), gpu = Models.build("lenet-300-100", 4);
        PruningRun.Outcome c = new PruningRun(cpu, cfg, plan, PruneListener.NONE, new CpuBackend(cpu, cfg)).run(s);
        PruningRun.Outcome g;
        try (GpuBackend b = new GpuBackend(gpu, cfg)) {
            int[] violations = {0};
            b.addHook(new StepHook() {
                @Override public void afterStep(long step) {
                    for (Parameter p : gpu.net().parameters()) {
                        if (p.mask == null) continue;
                        for (int i = 0; i < p.size(); i++) if (p.mask[i] == 0 && p.value.data[i] != 0f) violations[0]++;
                    }
                }
            });
            g = new PruningRun(gpu, cfg, plan, PruneListener.NONE, b).run(s);
            assertEquals(0, violations[0], "pruned weights non-zero on the device");
        }
        assertEquals(c.achievedSparsity(), g.achievedSparsity(), 1e-12, "exact k on both");
        assertEquals(c.prunedAccuracy(), g.prunedAccuracy(), 0.005,
                "GPU " + g.prunedAccuracy() + " vs CPU " + c.prunedAccuracy());
        assertEquals(c.denseAccuracy(), g.denseAccuracy(), 0.005);
    }

    /**
     * Gradual schedules accumulate |w·g| after every backward on the device; it must be the host accumulator's result
     * bit for bit (same gradients, same rounding), for SUM and EMA, and reset must clear it.
     */
    @Test
    void scoresAccumulatedOnTheDeviceEqualTheHostAccumulation() throws Exception {
        Split s = EmbeddedMnist.split();
        Normalization.fitAndApply(s);
        Dataset full = s.train();
        int n = 1000;  // 16 steps at batch 64, the last one partial
        Dataset train = new Dataset("mnist-1000", Arrays.copyOf(full.images(), n * full.sampleSize()),
                Arrays.copyOf(full.labels(), n), full.sampleShape(), full.numClasses());
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 64, 4);
        for (ScoreAccumulator.Mode mode : ScoreAccumulator.Mode.values()) {
            ModelSpec spec = Models.build("lenet-300-100", 4);
            ModelPruner pruner = new ModelPruner(spec.net(), PruneSpec.global(Criterion.TAYLOR, 0.9));
            List<Parameter> weights = pruner.targets().stream().map(ModelPruner.Target::weight).toList();
            ScoreAccumulator host = new ScoreAccumulator(Criterion.TAYLOR, mode, 0.9f, pruner.sizes(), pruner.names());
            ScoreAccumulator device = new ScoreAccumulator(Criterion.TAYLOR, mode, 0.9f, pruner.sizes(),
                    pruner.names());
            try (GpuBackend b = new GpuBackend(spec, cfg)) {
                // Wrong requests are refused with a reason and leave the backend able to start a correct one.
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> b.accumulateScores(device, weights.subList(0, 1)));
                assertTrue(e.getMessage().contains("1 parameters for 3"), e.getMessage());
                List<Parameter> foreign = new ModelPruner(Models.build("lenet-300-100", 4).net(),
                        PruneSpec.global(Criterion.TAYLOR, 0.9))
                        .targets().stream().map(ModelPruner.Target::weight).toList();
                e = assertThrows(IllegalArgumentException.class, () -> b.accumulateScores(device, foreign));
                assertTrue(e.getMessage().contains("not a parameter of this model"), e.getMessage());
                assertTrue(b.accumulateScores(device, weights));
                b.addHook(new StepHook() {
                    @Override public void afterBackward(long step) {
                        host.accumulate(pruner.weights(), pruner.grads());
                    }
                });
                b.trainEpoch(train, 0, TrainListener.NONE);
                b.syncScores();
                assertEquals(16, host.batches());
                assertEquals(host.batches(), device.batches(), mode + ": batches");
                long nonZero = 0;
                for (int t = 0; t < weights.size(); t++) {
                    float[] h = host.buffers()[t], d = device.buffers()[t];
                    for (int i = 0; i < h.length; i++) {
                        if (Float.floatToRawIntBits(h[i]) != Float.floatToRawIntBits(d[i])) {
                            fail(mode + ": tensor " + t + " element " + i + ": device " + d[i] + ", host " + h[i]);
                        }
                        if (h[i] != 0f) nonZero++;
                    }
                }
                assertTrue(nonZero > 100_000,
                        mode + ": only " + nonZero + " non-zero scores: the test compares nothing");
                device.reset();
                b.resetScores();
                b.syncScores();
                assertEquals(0, device.batches());
                for (float[] d : device.buffers()) for (float v : d) assertEquals(0f, v);
                b.stopScores();
                b.syncScores();  // inactive: a no-op
                assertEquals(0, device.batches());
            }
        }
    }

    /**
     * GpuBackend.prune (the device SelectionEngine behind ModelPruner's one dispatch) against ModelPruner.prune on a
     * host copy of the same device state (weights, masks and the accumulated scores): every granularity and scope, two
     * or three rounds (later ones prune a masked model, so the prior masks rank last and stay pruned, also structured),
     * masks of weights and biases bit for bit, kept counts, kept rows, and the weights after the step. Round 1 selects
     * on the device sums of an active accumulation, round 2 on host scores uploaded for the step (the accumulation
     * stopped).
     */
    @Test
    void pruningOnTheDeviceEqualsTheHostPruneBitForBit() throws Exception {
        Split s = EmbeddedMnist.split();
        Normalization.fitAndApply(s);
        Dataset train = s.train().subset(0, 640);
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 64, 4);
        java.util.Set<Integer> none = java.util.Set.of();
        ScoreAccumulator.Mode sum = ScoreAccumulator.Mode.SUM, ema = ScoreAccumulator.Mode.EMA;
        PruneSpec[] specs = {
            PruneSpec.global(Criterion.MAGNITUDE, 0.8),
            new PruneSpec(Criterion.TAYLOR, Granularity.UNSTRUCTURED, Scope.GLOBAL, 0.8, 2, 4, Structured.Norm.L2,
                    Float.NaN, none, false, 0, 1, 3, sum, 0.9f),
            new PruneSpec(Criterion.GRADIENT, Granularity.UNSTRUCTURED, Scope.PER_LAYER, 0.8, 2, 4,
                    Structured.Norm.L2, Float.NaN, none, true, 0, 1, 3, ema, 0.5f),
            new PruneSpec(Criterion.TAYLOR_SQUARED, Granularity.UNSTRUCTURED, Scope.GLOBAL, 0.8, 2, 4,
                    Structured.Norm.L2, 1e-9f, none, false, 0, 1, 2, sum, 0.9f),
            new PruneSpec(Criterion.MOVEMENT, Granularity.NM, Scope.PER_LAYER, 0.5, 2, 4, Structured.Norm.L2,
                    Float.NaN, none, false, 0, 1, 2, sum, 0.9f),
            new PruneSpec(Criterion.TAYLOR, Granularity.STRUCTURED, Scope.GLOBAL, 0.8, 2, 4, Structured.Norm.L2,
                    Float.NaN, none, true, 0, 1, 2, sum, 0.9f),
            new PruneSpec(Criterion.MAGNITUDE, Granularity.STRUCTURED, Scope.PER_LAYER, 0.8, 2, 4, Structured.Norm.L1,
                    Float.NaN, none, true, 0, 1, 1, sum, 0.9f),
            // Capped global (min / max density per layer); the test asserts that a bound binds in some round.
            new PruneSpec(Criterion.MAGNITUDE, Granularity.UNSTRUCTURED, Scope.GLOBAL, 0.8, 2, 4, Structured.Norm.L2,
                    Float.NaN, none, false, 0.25, 0.6, 1, sum, 0.9f),
            new PruneSpec(Criterion.TAYLOR, Granularity.UNSTRUCTURED, Scope.GLOBAL, 0.8, 2, 4, Structured.Norm.L2,
                    Float.NaN, none, false, 0.1, 0.6, 2, sum, 0.9f),
            // Issue 18: biases as candidates, hybrid and random scores (formed on the host, selected on the device), a
            // threshold on the group norm.
            PruneSpec.builder().criterion(Criterion.TAYLOR).pruneBiases(true).scoreBatches(2).build(),
            PruneSpec.builder().criterion(Criterion.MAGNITUDE).pruneBiases(true).scope(Scope.PER_LAYER).build(),
            PruneSpec.builder().hybrid(dev.jprune.prune.ScoreMix.parse("gradient=0.7,magnitude=0.3",
                    dev.jprune.prune.ScoreMix.Normalization.MEAN)).scoreBatches(2).build(),
            PruneSpec.builder().hybrid(dev.jprune.prune.ScoreMix.parse("taylor=1,magnitude=1",
                    dev.jprune.prune.ScoreMix.Normalization.RANK)).granularity(Granularity.STRUCTURED).scoreBatches(2)
                    .build(),
            PruneSpec.builder().criterion(Criterion.RANDOM).randomSeed(5).build(),
            PruneSpec.builder().criterion(Criterion.MAGNITUDE).granularity(Granularity.STRUCTURED)
                    .groupNorm(Structured.Norm.L1)
                    .threshold(14f).build(),
        };
        for (PruneSpec spec : specs) {
            String name = spec.criterion() + " " + spec.granularity() + " " + spec.scope()
                    + (spec.thresholdMode() ? " threshold" : "")
                    + (spec.pruneBiases() ? " with biases" : "")
                    + (spec.minDensity() > 0 || spec.maxDensity() < 1
                            ? " capped [" + spec.minDensity() + ", " + spec.maxDensity() + "]" : "");
            ModelSpec m = Models.build("lenet-300-100", 4);
            try (GpuBackend b = new GpuBackend(m, cfg)) {
                b.trainEpoch(train, 0, TrainListener.NONE);  // trained weights and a momentum state to zero
                ModelPruner pruner = new ModelPruner(m.net(), spec);
                List<Parameter> weights = pruner.targets().stream().map(ModelPruner.Target::weight).toList();
                int round = 0;
                boolean capped = spec.minDensity() > 0 || spec.maxDensity() < 1, boundHit = false;
                // Capped specs also prune at 0.2, which asks to keep more than the max density allows: the bound wins.
                for (double sparsity : capped ? new double[] {0.2, 0.5, 0.75} : new double[] {0.5, 0.75}) {
                    String what = name + " round " + (++round);
                    ScoreAccumulator acc = null;
                    boolean hostScores = round == 2;
                    if (spec.needsGradients()) {
                        acc = pruner.newAccumulator();
                        ScoreAccumulator a = acc;
                        boolean onDevice = b.accumulateScores(acc, weights);
                        assertEquals(spec.criterion() != Criterion.HYBRID, onDevice, what
                                + ": hybrid sums accumulate on the host");
                        b.gradientsOnBatches(train, spec.scoreBatches(), 11L * round,
                                onDevice ? null : () -> a.accumulate(pruner.weights(), pruner.grads()));
                        b.syncScores();  // the reference reads the same sums; the device keeps them
                        assertEquals(spec.scoreBatches(), acc.batches(), what);
                        if (hostScores) b.stopScores();  // acc now lives on the host only: the prune uploads it
                    }
                    b.syncToHost();
                    ModelSpec ref = Models.build("lenet-300-100", 4);
                    ref.net().setValues(m.net().copyValues());
                    List<Parameter> hp = m.net().parameters(), rp = ref.net().parameters();
                    for (int i = 0; i < hp.size(); i++) rp.get(i).mask = hp.get(i).mask == null ? null
                            : hp.get(i).mask.clone();
                    ModelPruner refPruner = new ModelPruner(ref.net(), spec);
                    ModelPruner.Result want = refPruner.prune(sparsity, refPruner.scores(acc));
                    ModelPruner.Result got = b.prune(pruner, sparsity, acc);
                    if (acc != null && !hostScores) b.stopScores();
                    assertArrayEquals(want.keptPerTarget(), got.keptPerTarget(), what + ": kept per target");
                    for (int t = 0; capped && t < weights.size(); t++) {
                        int n = weights.get(t).size();
                        long k = got.keptPerTarget()[t];
                        boundHit |= k == (long) Math.rint(spec.minDensity() * n)
                                || k == (long) Math.rint(spec.maxDensity() * n);
                    }
                    assertEquals(want.achievedSparsity(), got.achievedSparsity(), 0.0, what);
                    if (spec.granularity() == Granularity.STRUCTURED) {
                        for (int t = 0; t < want.keptRows().length; t++) assertArrayEquals(want.keptRows()[t],
                                got.keptRows()[t], what + ": kept rows " + t);
                    } else {
                        assertNull(got.keptRows(), what);
                    }
                    b.syncToHost();
                    for (int i = 0; i < hp.size(); i++) {
                        Parameter h = hp.get(i), r = rp.get(i);
                        String pn = what + ": parameter " + i + " (" + h.localName + ")";
                        if (r.mask == null) assertNull(h.mask, pn + " mask");
                        else assertArrayEquals(r.mask, h.mask, pn + " mask");
                        for (int j = 0; j < h.size(); j++) {
                            if (Float.floatToRawIntBits(r.value.data[j]) != Float.floatToRawIntBits(h.value.data[j])) {
                                fail(pn + " value " + j + ": device " + h.value.data[j] + ", host prune "
                                        + r.value.data[j]);
                            }
                        }
                    }
                }
                if (capped) assertTrue(boundHit, name + ": no density bound was active; the capped spec tests nothing "
                        + "beyond the plain global one");
                // Refusals, as the host prune's errors: no batch at all (host or device scores), a bad sparsity;
                // nothing changes (the masks stay those of the last round).
                byte[][] before = pruner.masks();
                if (spec.needsGradients()) {
                    assertThrows(IllegalStateException.class, () -> b.prune(pruner, 0.9, pruner.newAccumulator()),
                            name + ": no host batch");
                    ScoreAccumulator empty = pruner.newAccumulator();
                    assertEquals(spec.criterion() != Criterion.HYBRID, b.accumulateScores(empty, weights));
                    assertThrows(IllegalStateException.class, () -> b.prune(pruner, 0.9, empty), name + ": no batch");
                    b.stopScores();
                }
                assertThrows(IllegalArgumentException.class,
                        () -> b.prune(new ModelPruner(m.net(), PruneSpec.global(Criterion.MAGNITUDE, 0.5)), 1.5, null));
                for (int t = 0; t < before.length; t++) assertSame(before[t], pruner.masks()[t],
                        name + ": a refused prune changed a mask");
            }
        }
    }

    /** One-shot and iterative pipelines on the GPU (device scores, device selection) against the CPU run. */
    @Test
    void oneShotAndIterativePipelinesOnTheGpuMatchTheCpuRun() throws Exception {
        Split full = EmbeddedMnist.split();
        Normalization.fitAndApply(full);
        Split s = new Split(full.train().subset(0, 2000), full.test().subset(0, 1000));
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 64, 4);
        java.util.Set<Integer> none = java.util.Set.of();
        PruningPlan[] plans = {
            new PruningPlan(PruneSpec.global(Criterion.TAYLOR, 0.9), new Schedule.OneShot(), 2, 1, 0f,
                    PruningPlan.Rewind.NONE, 0),
            new PruningPlan(new PruneSpec(Criterion.MAGNITUDE, Granularity.STRUCTURED, Scope.GLOBAL, 0.6, 2, 4,
                    Structured.Norm.L2, Float.NaN, none, true, 0, 1, 1, ScoreAccumulator.Mode.SUM, 0.9f),
                    new Schedule.Iterative(3), 2, 3, 0f, PruningPlan.Rewind.NONE, 0),
        };
        for (PruningPlan plan : plans) {
            ModelSpec cpu = Models.build("lenet-300-100", 4), gpu = Models.build("lenet-300-100", 4);
            TrainConfig pc = cfg.withEpochs(plan.denseEpochs());
            PruningRun.Outcome c = new PruningRun(cpu, pc, plan, PruneListener.NONE, new CpuBackend(cpu, pc)).run(s);
            PruningRun.Outcome g;
            try (GpuBackend b = new GpuBackend(gpu, pc)) {
                g = new PruningRun(gpu, pc, plan, PruneListener.NONE, b).run(s);
            }
            String what = plan.spec().criterion() + " " + plan.spec().granularity() + " " + plan.schedule();
            assertEquals(c.achievedSparsity(), g.achievedSparsity(), 1e-12, what + ": exact k on both");
            assertEquals(c.prunes().size(), g.prunes().size(), what);
            for (int i = 0; i < c.prunes().size(); i++) {
                assertEquals(c.prunes().get(i).kept(), g.prunes().get(i).kept(), what + ": kept at prune " + i);
            }
            assertEquals(c.prunedAccuracy(), g.prunedAccuracy(), 0.005,
                    what + ": GPU " + g.prunedAccuracy() + " vs CPU " + c.prunedAccuracy());
            for (Parameter p : gpu.net().parameters()) {
                if (p.mask == null) continue;
                for (int i = 0; i < p.size(); i++) if (p.mask[i] == 0 && p.value.data[i] != 0f) fail(what + ": pruned "
                        + p.localName + "[" + i + "] = " + p.value.data[i]);
            }
        }
    }
}
