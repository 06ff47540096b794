package dev.jprune.gpu;

import dev.jprune.data.Dataset;
import dev.jprune.data.EmbeddedMnist;
import dev.jprune.gpu.train.DeviceDataset;
import dev.jprune.gpu.train.GpuTrainer;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.Models;
import dev.jprune.train.EpochStats;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The GPU training step never waits for the device (docs/DECISIONS.md D12): counted by the CUDA emulator, which
 * counts every host-blocking driver call (stream, event and context synchronisation, synchronous copies, frees,
 * copies from pageable memory). After a warm-up epoch (pool allocations), a training step makes 0 waits and an epoch
 * exactly 1 (its losses, correct counts, bad-label rows and clip-by-norm result in one download), with clip-by-norm
 * on, for SGD and Adam; evaluating a test set of several batches makes 1. Runs only on the emulator.
 */
@Tag("gpu")
class TrainingWaitsTest {
    @BeforeEach
    void onlyOnTheEmulator() {
        EmulatorSelfTest.assumeEmulator();
        assumeTrue(GpuProbe.get().available(), GpuProbe.get().reason());
    }

    /** Records the emulator's wait count at every step. */
    private static final class Counter implements TrainListener {
        final List<Integer> atStep = new ArrayList<>();
        @Override public void onStep(int epoch, int step, int steps, double loss, double norm, double acc) {
            atStep.add(EmulatorSelfTest.syncCount());
        }
    }

    @Test
    void aTrainingStepWaitsForNothingAndAnEpochOnce() throws Exception {
        Dataset train = EmbeddedMnist.train().subset(0, 6 * 64 + 17);  // 7 steps, the last one short
        for (OptimizerKind k : new OptimizerKind[] {OptimizerKind.SGD, OptimizerKind.ADAM}) {
            boolean sgd = k == OptimizerKind.SGD;
            TrainConfig cfg = new TrainConfig(2, 64, sgd ? 0.05f : 1e-3f, k, sgd ? 0.9f : 0f, 1e-4f, false, 0f, 1f, 3);
            try (GpuContext ctx = GpuContext.open(0, false); DeviceDataset d = new DeviceDataset(ctx, train);
                 GpuTrainer t = new GpuTrainer(ctx, Models.build("lenet-300-100", 4), cfg, false)) {
                t.trainEpoch(d, 0, TrainListener.NONE);  // warm-up: the pool allocates the step's buffers once
                Counter c = new Counter();
                int before = EmulatorSelfTest.syncCount();
                EpochStats st = t.trainEpoch(d, 1, c);
                int after = EmulatorSelfTest.syncCount();
                assertEquals(7, c.atStep.size());
                assertEquals(before, (int) c.atStep.get(c.atStep.size() - 1),
                        k + ": waits during the steps " + c.atStep + " from " + before);
                assertEquals(1, after - before, k + ": waits in the epoch");
                assertTrue(Double.isFinite(st.trainLoss()) && Double.isFinite(st.lastGradNorm()),
                        k + ": loss and clip norm read back: " + st);

                try (DeviceDataset test = new DeviceDataset(ctx, EmbeddedMnist.test().subset(0, 1000))) {
                    t.evaluate(test, 300);  // warm-up
                    int e0 = EmulatorSelfTest.syncCount();
                    double acc = t.evaluate(test, 300).accuracy();  // 4 batches
                    assertEquals(1, EmulatorSelfTest.syncCount() - e0, k + ": waits in evaluate");
                    assertTrue(acc > 0.1, "accuracy " + acc);
                }
            }
        }
    }
}
