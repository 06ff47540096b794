package dev.jprune.gpu.train;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jprune.cpu.CpuDataKernels;
import dev.jprune.data.Dataset;
import dev.jprune.data.EmbeddedMnist;
import dev.jprune.data.Normalization;
import dev.jprune.data.Split;
import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuDataOps;
import dev.jprune.gpu.GpuProbe;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.testutil.Close;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import dev.jprune.train.Trainer;
import dev.jprune.util.Rng;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The GPU training loop against the CPU reference: data kernels bit for bit, one step, three epochs. */
@Tag("gpu")
class GpuTrainingTest {
    static GpuContext ctx;
    static Split data;

    @BeforeAll
    static void open() throws Exception {
        if (!GpuProbe.get().available()) return; // each test then skips with the reason
        ctx = GpuContext.open(0, true);
        data = EmbeddedMnist.split();
        Normalization.fitAndApply(data);
    }

    @BeforeEach
    void needGpu() {
        GpuProbe p = GpuProbe.get();
        assumeTrue(p.available(), "no usable GPU: " + p.reason());
    }

    @AfterAll
    static void close() { if (ctx != null) ctx.close(); }

    @Test
    void dataKernelsEqualTheirTwinsBitForBit() {
        GpuDataOps ops = new GpuDataOps(ctx);
        Rng rng = new Rng(1);
        for (int[] shape : new int[][] {{1, 1}, {7, 129}, {129, 7}, {128, 784}}) {
            int rows = shape[0], len = shape[1], srcRows = rows + 5;
            float[] src = new float[srcRows * len];
            rng.fillUniform(src, -1, 1);
            int[] idx = new int[rows];
            for (int i = 0; i < rows; i++) idx[i] = rng.nextInt(srcRows);
            int[] isrc = new int[srcRows];
            for (int i = 0; i < srcRows; i++) isrc[i] = rng.nextInt(1000);
            float[] want = new float[rows * len];
            CpuDataKernels.gatherRows(src, idx, want, rows, len);
            int[] wantI = new int[rows];
            CpuDataKernels.gatherInts(isrc, idx, wantI, rows);
            float[] acc = new float[len];
            rng.fillUniform(acc, -1, 1);
            float[] wantAcc = acc.clone();
            CpuDataKernels.columnSumAccumulate(want, wantAcc, rows, len);
            try (DeviceBuffer s = ctx.upload(src); DeviceBuffer ix = ctx.upload(idx); DeviceBuffer d = ctx.allocFloat(rows * len);
                 DeviceBuffer si = ctx.upload(isrc); DeviceBuffer di = ctx.allocInt(rows); DeviceBuffer a = ctx.upload(acc)) {
                float[] nan = new float[rows * len];
                java.util.Arrays.fill(nan, Float.NaN);
                d.upload(nan);
                ops.gatherRows(s, ix, 0, d, rows, len);
                ops.gatherInts(si, ix, 0, di, rows);
                ops.columnSumAccumulate(d, a, rows, len);
                assertArrayEquals(want, d.toFloatArray(), "gatherRows " + rows + "x" + len);
                int[] gotI = new int[rows];
                di.download(gotI);
                assertArrayEquals(wantI, gotI, "gatherInts");
                assertArrayEquals(wantAcc, a.toFloatArray(), "columnSumAccumulate " + rows + "x" + len);
            }
        }
    }

    @Test
    void oneStepEqualsTheCpuStep() {
        for (String name : List.of("lenet-300-100", "mlp-128")) for (OptimizerKind k : List.of(OptimizerKind.SGD, OptimizerKind.ADAM)) {
            ModelSpec cpu = Models.build(name, 5), gpu = Models.build(name, 5);
            TrainConfig cfg = new TrainConfig(1, 128, k == OptimizerKind.SGD ? 0.05f : 1e-3f, k, k == OptimizerKind.SGD ? 0.9f : 0f, 1e-4f, false, 0.5f, 2f, 3);
            Dataset one = data.train().subset(0, 128);
            new Trainer(cpu, cfg).trainEpoch(one, 0, TrainListener.NONE);
            try (DeviceDataset d = new DeviceDataset(ctx, one); GpuTrainer t = new GpuTrainer(ctx, gpu, cfg, false)) {
                t.trainEpoch(d, 0, TrainListener.NONE);
                t.model().download(true);
            }
            List<Parameter> a = cpu.net().parameters(), b = gpu.net().parameters();
            for (int i = 0; i < a.size(); i++) {
                Close.assertClose(name + " " + k + " grad " + i, a.get(i).grad.data, b.get(i).grad.data, 1e-4, 1e-6);
                Close.assertClose(name + " " + k + " weight " + i, a.get(i).value.data, b.get(i).value.data, 1e-4, 1e-6);
            }
        }
    }

    @Test
    void threeEpochsReachTheCpuAccuracyWithinHalfAPoint() {
        ModelSpec cpu = Models.build("lenet-300-100", 8), gpu = Models.build("lenet-300-100", 8);
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 64, 8);
        Trainer ct = new Trainer(cpu, cfg);
        for (int e = 0; e < 3; e++) ct.trainEpoch(data.train(), e, TrainListener.NONE);
        double cpuAcc = Trainer.evaluate(cpu.net(), data.test(), 500).accuracy();
        double gpuAcc;
        try (DeviceDataset tr = new DeviceDataset(ctx, data.train()); DeviceDataset te = new DeviceDataset(ctx, data.test());
             GpuTrainer t = new GpuTrainer(ctx, gpu, cfg, false)) {
            for (int e = 0; e < 3; e++) t.trainEpoch(tr, e, TrainListener.NONE);
            gpuAcc = t.evaluate(te, 500).accuracy();
        }
        assertEquals(cpuAcc, gpuAcc, 0.005, "GPU " + gpuAcc + " vs CPU " + cpuAcc);
    }

    @Test
    void maskedWeightsStayZeroOnTheGpu() {
        ModelSpec m = Models.build("lenet-300-100", 9);
        Rng rng = new Rng(10);
        for (Parameter p : m.net().parameters()) {
            if (p.kind != Parameter.Kind.WEIGHT) continue;
            p.mask = new byte[p.size()];
            for (int i = 0; i < p.size(); i++) p.mask[i] = (byte) (rng.nextDouble() < 0.2 ? 1 : 0);
        }
        TrainConfig cfg = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 64, 9);
        try (DeviceDataset d = new DeviceDataset(ctx, data.train().subset(0, 640)); GpuTrainer t = new GpuTrainer(ctx, m, cfg, false)) {
            t.trainEpoch(d, 0, TrainListener.NONE);
            t.model().download(false);
            for (int i = 0; i < m.net().parameters().size(); i++) {
                Parameter p = m.net().parameters().get(i);
                if (p.mask == null) continue;
                float[] mom = t.state(i).get(0).toFloatArray();
                for (int j = 0; j < p.size(); j++) {
                    if (p.mask[j] == 0) {
                        assertEquals(0f, p.value.data[j], "weight " + i + "/" + j);
                        assertEquals(0f, mom[j], "momentum " + i + "/" + j);
                    }
                }
            }
        }
    }
}
