package dev.jprune.gpu;

import dev.jprune.cpu.CpuKernels;
import dev.jprune.cpu.NaiveGemm;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.jprune.testutil.TestArrays.nan;
import static dev.jprune.testutil.TestArrays.random;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * GPU ≡ NaiveGemm for {@link GpuGemm}: the fp32 GEMM in every transpose variant and forced kernel (large tiles, small
 * tiles with and without split-K) at shapes including 1, 7, 129 and tile non-multiples, with offsets and padded leading
 * dimensions; TF32 on sm_80+; the Linear epilogue (bias, ReLU). C outside the written window must stay untouched and
 * beta == 0 must ignore NaN in C. Tolerance scaled by sqrt(k); the worst element is printed. Skips without a GPU.
 */
@Tag("gpu")
class GpuGemmTest extends GpuTestBase {
    /** C = alpha op(A) op(B) + beta C for all four transpose variants; tolerance scaled by sqrt(k). */
    private void checkGemm(Rng r, boolean tf32, boolean ta, boolean tb, int m, int n, int k, int pad, float alpha,
            float beta) {
        int lda = Math.max(1, ta ? m : k) + pad, ldb = Math.max(1, tb ? k : n) + pad, ldc = Math.max(1, n) + pad;
        int offA = pad, offB = 2 * pad, offC = 3 * pad;  // pad > 0 also misaligns the vector paths
        float[] a = random(r, offA + (ta ? k : m) * lda, -1, 1);
        float[] b = random(r, offB + (tb ? n : k) * ldb, -1, 1);
        float[] c = random(r, offC + m * ldc, -1, 1);
        if (beta == 0f) Arrays.fill(c, Float.NaN);  // beta == 0 must ignore C, NaN included
        float[] cpu = c.clone();
        NaiveGemm.gemm(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, cpu, offC, ldc);
        try (DeviceBuffer da = ctx.upload(a); DeviceBuffer db = ctx.upload(b); DeviceBuffer dc = ctx.upload(c)) {
            if (tf32) ops.gemm().gemmTf32(ta, tb, m, n, k, alpha, da, offA, lda, db, offB, ldb, beta, dc, offC, ldc);
            else ops.gemm().gemm(ta, tb, m, n, k, alpha, da, offA, lda, db, offB, ldb, beta, dc, offC, ldc);
            float[] gpu = dc.toFloatArray();
            // Outside the written rows x cols window C must be untouched (the padding columns too).
            for (int i = 0; i < c.length; i++) {
                int rel = i - offC, row = rel / ldc, col = rel % ldc;
                boolean inside = rel >= 0 && row < m && col < n;
                if (!inside) assertEquals(Float.floatToRawIntBits(c[i]), Float.floatToRawIntBits(gpu[i]),
                        "C[" + i + "] outside the output written");
                else if (beta == 0f && Float.isNaN(gpu[i])) fail("C[" + i + "] not written");
            }
            double scale = Math.sqrt(Math.max(1, k));
            // TF32 rounds both operands to 10 mantissa bits: each product carries ~3e-4 relative error, so the error
            // of alpha·Σ grows like |alpha|·sqrt(k)·1e-4 (|a|, |b| <= 1) and does not shrink where beta·C cancels the
            // sum. Simulated with the same rounding (round to nearest) on these shapes: the worst element sits at
            // 0.45 of this bound; without the |alpha| factor the alpha = 2 cases failed on ~1% of the elements.
            double atol = tf32 ? 1e-3 * Math.abs(alpha) * scale : 1e-5 * scale, rtol = tf32 ? 5e-4 : 1e-5;
            assertClose((tf32 ? "tf32 " : "") + "gemm " + (ta ? "T" : "N") + (tb ? "T" : "N") + " " + m + "x" + n
                    + "x" + k + " pad " + pad, cpu, gpu, atol, rtol);
        }
    }

    /** The FP32 kernels a context can be forced to: {kernel, splits}; AUTO picks per call (LARGE on the emulator). */
    private static final Object[][] GEMM_KERNELS = {{GpuContext.GemmKernel.AUTO, 0}, {GpuContext.GemmKernel.LARGE, 0},
            {GpuContext.GemmKernel.SMALL, 1}, {GpuContext.GemmKernel.SMALL, 3}, {GpuContext.GemmKernel.SMALL, 0}};

    @Test
    void gemmAllVariantsAndShapes() {
        Rng r = new Rng(2);
        int[][] shapes = {{1, 1, 1}, {7, 129, 33}, {129, 7, 1}, {128, 300, 784}, {64, 10, 500}, {300, 128, 7},
                {5, 3, 0}, {33, 65, 160}};
        try {
            for (Object[] kc : GEMM_KERNELS) {
                ctx.setGemmKernel((GpuContext.GemmKernel) kc[0], (Integer) kc[1]);
                for (int[] s : shapes) {
                    for (int v = 0; v < 4; v++) {
                        boolean ta = (v & 2) != 0, tb = (v & 1) != 0;
                        checkGemm(r, false, ta, tb, s[0], s[1], s[2], 0, 1f, 0f);
                        checkGemm(r, false, ta, tb, s[0], s[1], s[2], 3, 0.5f, -1.25f);
                    }
                }
            }
            ctx.setGemmKernel(GpuContext.GemmKernel.LARGE, 0);
            checkGemm(r, false, false, true, 1024, 1024, 1024, 0, 1f, 0f);
            ctx.setGemmKernel(GpuContext.GemmKernel.SMALL, 5);
            checkGemm(r, false, true, false, 513, 257, 2049, 1, 1f, 1f);
        } finally {
            ctx.setGemmKernel(GpuContext.GemmKernel.AUTO, 0);
        }
    }

    /**
     * Without split-K the small-tile kernel runs the same fmaf chain over k as the large one: identical bits (a check
     * that both accumulate in k order from 0, whatever their tiles). Split-K results differ only by the re-association.
     */
    @Test
    void smallTileGemmWithoutSplitsIsBitIdenticalToTheLargeOne() {
        Rng r = new Rng(5);
        try {
            for (int[] s : new int[][] {{128, 300, 784}, {7, 129, 33}, {300, 784, 128}, {1, 1, 17}}) {
                int m = s[0], n = s[1], k = s[2];
                for (int v = 0; v < 4; v++) {
                    boolean ta = (v & 2) != 0, tb = (v & 1) != 0;
                    float[] a = random(r, m * k, -1, 1), b = random(r, k * n, -1, 1);
                    int lda = ta ? m : k, ldb = tb ? k : n;
                    try (DeviceBuffer da = ctx.upload(a); DeviceBuffer db = ctx.upload(b);
                         DeviceBuffer c1 = ctx.upload(nan(m * n));
                         DeviceBuffer c2 = ctx.upload(nan(m * n))) {
                        ctx.setGemmKernel(GpuContext.GemmKernel.LARGE, 0);
                        ops.gemm().gemm(ta, tb, m, n, k, 1f, da, 0, lda, db, 0, ldb, 0f, c1, 0, n);
                        ctx.setGemmKernel(GpuContext.GemmKernel.SMALL, 1);
                        ops.gemm().gemm(ta, tb, m, n, k, 1f, da, 0, lda, db, 0, ldb, 0f, c2, 0, n);
                        float[] x = c1.toFloatArray(), y = c2.toFloatArray();
                        for (int i = 0; i < x.length; i++) {
                            if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                                fail((ta ? "T" : "N") + (tb ? "T" : "N") + " " + m + "x" + n + "x" + k + " element " + i
                                        + ": large " + x[i] + ", small " + y[i]);
                            }
                        }
                    }
                }
            }
        } finally {
            ctx.setGemmKernel(GpuContext.GemmKernel.AUTO, 0);
        }
        assertEquals(1, GemmKernels.autoSplits(1000, 1000, 1000, 4096, 132), "enough tiles: no split");
        assertEquals(7, GemmKernels.autoSplits(40, 128, 300, 784, 132),
                "lenet forward at batch 128: 40 tiles, 784 deep");
        assertEquals(132, GemmKernels.autoSplits(2, 64, 27, 131072, 132), "cifar-cnn-a conv1 dW: 2 tiles, 131072 deep");
        assertEquals(256, GemmKernels.autoSplits(1, 1, 1, 1 << 20, 132), "at most 256 splits");
        assertEquals(16, GemmKernels.autoSplits(1, 1024, 1024, 1 << 20, 132), "partial sums of at most 2^24 floats");
        assertEquals(1, GemmKernels.autoSplits(1, 1, 1, 100, 132), "each split at least 64 deep");
        assertThrows(IllegalArgumentException.class, () -> ctx.setGemmKernel(null, 0));
        assertThrows(IllegalArgumentException.class, () -> ctx.setGemmKernel(GpuContext.GemmKernel.SMALL, -1));
    }

    @Test
    void gemmTf32() {
        assumeTrue(ctx.computeCapabilityMajor() >= 8, "TF32 needs sm_80+, device is " + ctx);
        Rng r = new Rng(3);
        int[][] shapes = {{1, 1, 1}, {7, 129, 33}, {128, 300, 784}, {65, 63, 17}};
        for (int[] s : shapes) {
            for (int v = 0; v < 4; v++) {
                checkGemm(r, true, (v & 2) != 0, (v & 1) != 0, s[0], s[1], s[2], 0, 1f, 0f);
                checkGemm(r, true, (v & 2) != 0, (v & 1) != 0, s[0], s[1], s[2], 1, 2f, 0.5f);
            }
        }
    }

    @Test
    void gemmBiasReluEpilogue() {
        Rng r = new Rng(4);
        for (int[] s : new int[][] {{1, 1, 1}, {7, 129, 33}, {64, 120, 400}, {129, 10, 84}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] x = random(r, m * k, -1, 1), w = random(r, n * k, -1, 1), bias = random(r, n, -1, 1);
            float[] cpu = new float[m * n];
            NaiveGemm.gemm(false, true, m, n, k, 1f, x, 0, k, w, 0, k, 0f, cpu, 0, n);
            CpuKernels.biasAdd(cpu, bias, m, n);
            float[] noRelu = cpu.clone();
            CpuKernels.reluForward(cpu, cpu, m * n);
            try (DeviceBuffer dx = ctx.upload(x); DeviceBuffer dw = ctx.upload(w); DeviceBuffer db = ctx.upload(bias);
                 DeviceBuffer dy = ctx.upload(nan(m * n))) {
                double atol = 1e-5 * Math.sqrt(k);
                for (Object[] kc : GEMM_KERNELS) {
                    ctx.setGemmKernel((GpuContext.GemmKernel) kc[0], (Integer) kc[1]);
                    String kn = " (" + kc[0] + " " + kc[1] + ")";
                    dy.upload(nan(m * n));
                    ops.gemm().gemmBiasRelu(false, true, m, n, k, dx, 0, k, dw, 0, k, dy, 0, n, db, true, false);
                    assertClose("linear+relu " + m + "x" + n + "x" + k + kn, cpu, dy.toFloatArray(), atol, 1e-5);
                    dy.upload(nan(m * n));
                    ops.gemm().gemmBiasRelu(false, true, m, n, k, dx, 0, k, dw, 0, k, dy, 0, n, db, false, false);
                    assertClose("linear " + m + "x" + n + "x" + k + kn, noRelu, dy.toFloatArray(), atol, 1e-5);
                }
            } finally {
                ctx.setGemmKernel(GpuContext.GemmKernel.AUTO, 0);
            }
        }
    }
}
