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
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 64, 4);
        PruningPlan plan = new PruningPlan(PruneSpec.global(Criterion.TAYLOR, 0.9), Schedule.gradualOver(3 * 125, 0.6, 10), 3, 3, 0.01f,
                PruningPlan.Rewind.NONE, 0);
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
        assertEquals(c.prunedAccuracy(), g.prunedAccuracy(), 0.005, "GPU " + g.prunedAccuracy() + " vs CPU " + c.prunedAccuracy());
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
            ScoreAccumulator device = new ScoreAccumulator(Criterion.TAYLOR, mode, 0.9f, pruner.sizes(), pruner.names());
            try (GpuBackend b = new GpuBackend(spec, cfg)) {
                // Wrong requests are refused with a reason and leave the backend able to start a correct one.
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> b.accumulateScoresOnDevice(device, weights.subList(0, 1)));
                assertTrue(e.getMessage().contains("1 parameters for 3"), e.getMessage());
                List<Parameter> foreign = new ModelPruner(Models.build("lenet-300-100", 4).net(), PruneSpec.global(Criterion.TAYLOR, 0.9))
                        .targets().stream().map(ModelPruner.Target::weight).toList();
                e = assertThrows(IllegalArgumentException.class, () -> b.accumulateScoresOnDevice(device, foreign));
                assertTrue(e.getMessage().contains("not a parameter of this model"), e.getMessage());
                assertTrue(b.accumulateScoresOnDevice(device, weights));
                b.addHook(new StepHook() {
                    @Override public void afterBackward(long step) { host.accumulate(pruner.weights(), pruner.grads()); }
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
                assertTrue(nonZero > 100_000, mode + ": only " + nonZero + " non-zero scores: the test compares nothing");
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
}
