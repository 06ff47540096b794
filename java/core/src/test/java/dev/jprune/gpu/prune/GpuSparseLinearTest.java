package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuProbe;
import dev.jprune.sparse.Csr;
import dev.jprune.sparse.Spmm;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link GpuSparseLinear}: the CSR built on the device and its SpMM ≡ Csr / Spmm on the CPU at batches 1, 7, 16, 33,
 * and the cuSPARSE path where JCusparse loads (reported as run or skipped, with the reason). Skips without a GPU.
 */
@Tag("gpu")
class GpuSparseLinearTest extends GpuPruneTestBase {
    private static final int[][] CSR_SHAPES = {{1, 1}, {7, 129}, {129, 7}, {300, 784}, {64, 4096}};

    private static float[] sparseWeights(Rng r, int out, int in) {
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextInt(10) < 7 ? (r.nextInt(5) == 0 ? -0.0f : 0f) : r.uniform(-1, 1);
        }
        return w;
    }

    /** y = relu(x·Wᵀ + b) on {@code path} at odd batch sizes, poisoned output, against Spmm.linear; returns the paths
     *  that ran. */
    private static java.util.Set<GpuSparseLinear.Path> checkForward(Rng r, Csr cpu, GpuSparseLinear sl, float[] bias,
                                                                   GpuSparseLinear.Path path) {
        java.util.Set<GpuSparseLinear.Path> ran = java.util.EnumSet.noneOf(GpuSparseLinear.Path.class);
        int out = cpu.rows, in = cpu.cols;
        for (int n : new int[] {1, 7, 16, 33}) {
            float[] x = new float[n * in];
            r.fillUniform(x, -1, 1);
            float[] yCpu = new float[n * out];
            Spmm.linear(cpu, x, n, bias, yCpu);
            try (DeviceBuffer xd = ctx.upload(x); DeviceBuffer yd = ctx.allocFloat((long) n * out)) {
                float[] nan = new float[n * out];
                Arrays.fill(nan, Float.NaN);
                yd.upload(nan);
                ran.add(sl.forward(xd, n, yd, GpuSparseLinear.Activation.RELU, path));
                float[] y = new float[n * out];
                yd.download(y);
                for (int i = 0; i < y.length; i++) {
                    float ref = Math.max(0f, yCpu[i]);
                    double tol = 1e-5 + 1e-5 * Math.abs(ref) + 1e-6 * in;
                    if (!(Math.abs(y[i] - ref) <= tol)) {
                        fail(path + " [" + out + "," + in + "] n=" + n + " element " + i + " gpu=" + y[i]
                                + " cpu=" + ref);
                    }
                }
            }
        }
        return ran;
    }

    /** What a test checks on one layer: its CPU CSR, the device layer built from the same weights, and the bias. */
    private interface LayerCheck {
        void check(Csr cpu, GpuSparseLinear sl, float[] bias);
    }

    /**
     * For every CSR_SHAPES shape: random sparse weights and a bias from {@code r}, uploaded and built into a
     * GpuSparseLinear on the device, then {@code check} (layers without non-zeros left out when {@code skipEmpty}).
     */
    private static void forEachLayer(Rng r, boolean skipEmpty, LayerCheck check) {
        for (int[] shape : CSR_SHAPES) {
            int out = shape[0], in = shape[1];
            float[] w = sparseWeights(r, out, in);
            float[] bias = new float[out];
            r.fillUniform(bias, -1, 1);
            Csr cpu = Csr.fromDense(w, out, in);
            if (skipEmpty && cpu.nnz() == 0) continue;
            try (DeviceBuffer wd = ctx.upload(w); DeviceBuffer bd = ctx.upload(bias);
                 GpuSparseLinear sl = GpuSparseLinear.fromDense(ctx, wd, 0, out, in, bd)) {
                check.check(cpu, sl, bias);
            }
        }
    }

    @Test
    void csrBuildAndSpmmMatchCpu() {
        Rng r = new Rng(30);
        forEachLayer(r, false, (cpu, sl, bias) -> {
            assertEquals(cpu, sl.toCsr(), "CSR of [" + cpu.rows + ", " + cpu.cols + "]");
            assertEquals(java.util.Set.of(GpuSparseLinear.Path.OURS),
                    checkForward(r, cpu, sl, bias, GpuSparseLinear.Path.OURS));
            GpuSparseLinear.Choice c = sl.choose(8, 3);
            assertNotNull(c.reason());
            assertTrue(c.oursMs() >= 0);
        });
    }

    /**
     * The cuSPARSE path against the CPU where the library is usable; elsewhere (the emulator, a machine without
     * libcusparse) a skip that names why, never an error. Reports where libcusparse was loaded from (gpu-check.sh
     * prints it in its summary).
     */
    @Test
    void cusparseSpmmMatchesCpu(org.junit.jupiter.api.TestReporter reporter) {
        GpuProbe p = GpuProbe.get();
        assumeTrue(p.jcusparseAvailable(), "skipped: cuSPARSE unavailable (" + p.jcusparseReason() + ")");
        Rng r = new Rng(31);
        forEachLayer(r, true, (cpu, sl, bias) -> {
            java.util.Set<GpuSparseLinear.Path> ran = checkForward(r, cpu, sl, bias, GpuSparseLinear.Path.CUSPARSE);
            assumeTrue(sl.cusparseReason() == null, "skipped: cuSPARSE unavailable (" + sl.cusparseReason() + ")");
            assertEquals(java.util.Set.of(GpuSparseLinear.Path.CUSPARSE), ran, "the cuSPARSE path must have run");
        });
        String lib = dev.jprune.gpu.GpuDoctor.loadedLibrary("libcusparse");
        reporter.publishEntry("cusparse", "ran; libcusparse from " + lib);
    }
}
