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
import dev.jprune.prune.Criterion;
import dev.jprune.prune.PruneListener;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.PruningPlan;
import dev.jprune.prune.PruningRun;
import dev.jprune.prune.Schedule;
import dev.jprune.train.CpuBackend;
import dev.jprune.train.StepHook;
import dev.jprune.train.TrainConfig;
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
}
