package dev.jprune.gpu;

import dev.jprune.cpu.CpuConvKernels;
import dev.jprune.cpu.CpuKernels;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static dev.jprune.testutil.TestArrays.nan;
import static dev.jprune.testutil.TestArrays.random;
import static org.junit.jupiter.api.Assertions.*;

/**
 * GPU ≡ CPU for {@link GpuLosses}: softmax cross-entropy and MSE (loss and gradient), waiting and into device slots
 * (the no-sync variants must give the synced loss's bits, the correct count and the first bad label row). Rows and
 * columns 1, 7, 129 and more, outputs poisoned with NaN first. Skips without a GPU.
 */
@Tag("gpu")
class GpuLossesTest extends GpuTestBase {
    @Test
    void softmaxCrossEntropy() {
        Rng r = new Rng(5);
        for (int rows : new int[] {1, 7, 129}) {
            for (int cols : new int[] {1, 7, 10, 129, 1000}) {
                float[] logits = random(r, rows * cols, -20, 20);
                int[] labels = new int[rows];
                for (int i = 0; i < rows; i++) labels[i] = r.nextInt(cols);
                float[] cpu = nan(rows * cols);
                double cpuLoss = CpuKernels.softmaxCrossEntropy(logits, labels, rows, cols, cpu);
                try (DeviceBuffer dl = ctx.upload(logits); DeviceBuffer lab = ctx.upload(labels);
                     DeviceBuffer dd = ctx.upload(nan(rows * cols))) {
                    double loss = ops.losses().softmaxCrossEntropy(dl, lab, rows, cols, dd);
                    assertClose("xent loss " + rows + "x" + cols, cpuLoss, loss, 1e-12);
                    assertClose("xent grad " + rows + "x" + cols, cpu, dd.toFloatArray(), 1e-7, 1e-5);
                    // Deterministic: the same inputs give the same bits.
                    assertEquals(Double.doubleToRawLongBits(loss),
                            Double.doubleToRawLongBits(ops.losses().softmaxCrossEntropy(dl, lab, rows, cols, dd)));
                }
            }
        }
        try (DeviceBuffer dl = ctx.upload(random(r, 21, -1, 1)); DeviceBuffer lab = ctx.upload(new int[] {0, 7, 2});
             DeviceBuffer dd = ctx.allocFloat(21)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ops.losses().softmaxCrossEntropy(dl, lab, 3, 7, dd));
            assertTrue(e.getMessage().contains("label 7 at row 1"), e.getMessage());
        }
    }

    @Test
    void mse() {
        Rng r = new Rng(6);
        for (int n : SIZES) {
            float[] p = random(r, n, -3, 3), t = random(r, n, -3, 3);
            float[] cpu = nan(n);
            double cpuLoss = CpuKernels.mse(p, t, n, cpu);
            try (DeviceBuffer dp = ctx.upload(p); DeviceBuffer dt = ctx.upload(t);
                 DeviceBuffer dd = ctx.upload(nan(n))) {
                assertClose("mse n=" + n, cpuLoss, ops.losses().mse(dp, dt, n, dd), 1e-12);
                assertClose("mse grad n=" + n, cpu, dd.toFloatArray(), 0, 0);
            }
        }
    }

    @Test
    void lossesWithoutHostSyncMatchTheSyncedOnes() {
        Rng r = new Rng(36);
        int slots = 4;
        try (DeviceBuffer lossOut = ctx.allocDouble(slots); DeviceBuffer correct = ctx.allocLong(slots);
             DeviceBuffer bad = ctx.allocInt(slots)) {
            for (int rows : new int[] {1, 7, 129}) {
                for (int cols : new int[] {1, 7, 10, 129, 1000}) {
                    float[] logits = random(r, rows * cols);
                    for (int i = 0; i < logits.length; i++) {
                        logits[i] *= 20;
                        if (i % 5 == 0) logits[i] = Math.round(logits[i] / 10) * 10f;  // ties for the argmax
                    }
                    int[] labels = new int[rows];
                    for (int i = 0; i < rows; i++) labels[i] = r.nextInt(cols);
                    float[] cpuGrad = nan(rows * cols);
                    double cpuLoss = CpuKernels.softmaxCrossEntropy(logits, labels, rows, cols, cpuGrad);
                    long cpuCorrect = CpuConvKernels.countCorrect(logits, labels, rows, cols);
                    int slot = (rows + cols) % slots;
                    try (DeviceBuffer dl = ctx.upload(logits); DeviceBuffer lab = ctx.upload(labels);
                         DeviceBuffer dd = ctx.upload(nan(rows * cols))) {
                        ops.losses().softmaxCrossEntropyAsync(dl, lab, rows, cols, dd, lossOut, correct, bad, slot);
                        double[] l = new double[slots];
                        lossOut.download(l);
                        long[] cnt = downloadLong(correct, slots);
                        int[] b = new int[slots];
                        bad.download(b);
                        String tag = rows + "x" + cols;
                        assertClose("async xent loss " + tag, cpuLoss, l[slot], 1e-12);
                        double synced = ops.losses().softmaxCrossEntropy(dl, lab, rows, cols, dd);
                        assertEquals(Double.doubleToRawLongBits(synced),
                                Double.doubleToRawLongBits(l[slot]), "async loss == synced loss " + tag);
                        assertEquals(cpuCorrect, cnt[slot], "correct count " + tag);
                        assertEquals(-1, b[slot], "no bad row " + tag);
                        assertClose("async xent grad " + tag, cpuGrad, dd.toFloatArray(), 1e-7, 1e-5);
                    }
                }
            }
            // a bad label: NaN loss and the first bad row, without an exception (nothing waits)
            try (DeviceBuffer dl = ctx.upload(random(r, 28)); DeviceBuffer lab = ctx.upload(new int[] {0, 7, 2, -1});
                 DeviceBuffer dd = ctx.allocFloat(28)) {
                ops.losses().softmaxCrossEntropyAsync(dl, lab, 4, 7, dd, lossOut, null, bad, 2);
                double[] l = new double[slots];
                lossOut.download(l);
                int[] b = new int[slots];
                bad.download(b);
                assertTrue(Double.isNaN(l[2]), "loss " + l[2]);
                assertEquals(1, b[2]);
            }
            for (int n : new int[] {1, 7, 129, 65536 + 3}) {
                float[] p = random(r, n), t = random(r, n), cpu = nan(n);
                double cpuLoss = CpuKernels.mse(p, t, n, cpu);
                try (DeviceBuffer dp = ctx.upload(p); DeviceBuffer dt = ctx.upload(t);
                     DeviceBuffer dd = ctx.upload(nan(n))) {
                    ops.losses().mseAsync(dp, dt, n, dd, lossOut, 3);
                    double[] l = new double[slots];
                    lossOut.download(l);
                    assertClose("async mse n=" + n, cpuLoss, l[3], 1e-12);
                    assertClose("async mse grad n=" + n, cpu, dd.toFloatArray(), 0, 0);
                }
            }
        }
    }

    private static long[] downloadLong(DeviceBuffer b, int n) {
        long[] out = new long[n];
        b.download(out);
        return out;
    }
}
