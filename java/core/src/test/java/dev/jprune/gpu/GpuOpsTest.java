package dev.jprune.gpu;

import dev.jprune.gpu.GpuOptimizers.StepScores;
import dev.jprune.gpu.GpuOptimizers.StepTable;
import dev.jprune.gpu.GpuOptimizers.StepTensor;
import dev.jprune.gpu.GpuReductions.NormTable;
import dev.jprune.cpu.CpuKernels;
import dev.jprune.cpu.NaiveGemm;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jprune.testutil.TestArrays.nan;
import static dev.jprune.testutil.TestArrays.random;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * GPU ≡ CPU for every kernel, on fresh random inputs at shapes including 1, 7, 129 and tile non-multiples, with the
 * outputs poisoned with NaN first (an element the kernel fails to write stays NaN and fails the comparison).
 * Tolerance |gpu − cpu| ≤ atol + rtol·|cpu|; the worst element is printed on failure. Skips without a GPU.
 */
@Tag("gpu")
class GpuOpsTest {
    private static GpuContext ctx;
    private static GpuOps ops;
    private static final int[] SIZES = {1, 7, 129, 1000, 65536 + 3};

    @BeforeAll
    static void open() {
        if (!GpuProbe.get().available()) return;  // each test then skips with the reason (see below)
        ctx = GpuContext.open(0, true);  // validate mode: a faulting kernel is reported by its own launch
        ops = new GpuOps(ctx);
    }

    @BeforeEach
    void needGpu() {
        GpuProbe p = GpuProbe.get();
        assumeTrue(p.available(), "no usable GPU: " + p.reason());
    }

    @AfterAll
    static void close() {
        if (ctx != null) ctx.close();
    }

    static void assertClose(String what, float[] cpu, float[] gpu, double atol, double rtol) {
        assertEquals(cpu.length, gpu.length, what + ": length");
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < cpu.length; i++) {
            double diff = Math.abs((double) gpu[i] - cpu[i]);
            double excess = diff - (atol + rtol * Math.abs(cpu[i]));
            boolean bad = Double.isNaN(gpu[i]) != Double.isNaN(cpu[i]) || excess > 0;
            if (bad && (worst < 0 || excess > worstExcess || Double.isNaN(excess))) {
                worst = i;
                worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
            }
        }
        if (worst >= 0) {
            fail(what + ": worst element " + worst + " gpu=" + gpu[worst] + " cpu=" + cpu[worst] + " |diff|="
                    + Math.abs((double) gpu[worst] - cpu[worst]) + " > " + atol + " + " + rtol + "*|cpu|");
        }
    }

    /** Relative error bound of a sequential double sum of n non-negative terms (n·eps, at least 1e-12). */
    static double seqBound(long n) { return Math.max(1e-12, n * 0x1p-52); }

    static void assertClose(String what, double cpu, double gpu, double rtol) {
        assertTrue(Math.abs(gpu - cpu) <= rtol * Math.max(1e-300, Math.abs(cpu)),
                what + ": gpu=" + gpu + " cpu=" + cpu);
    }

    @Test
    void elementwise() {
        Rng r = new Rng(1);
        for (int rows : new int[] {1, 7, 129}) {
            for (int cols : new int[] {1, 7, 129, 784}) {
                int n = rows * cols;
                float[] y = random(r, n, -1, 1), bias = random(r, cols, -1, 1);
                try (DeviceBuffer dy = ctx.upload(y); DeviceBuffer db = ctx.upload(bias)) {
                    ops.elementwise().biasAdd(dy, db, rows, cols);
                    float[] cpu = y.clone();
                    CpuKernels.biasAdd(cpu, bias, rows, cols);
                    assertClose("biasAdd " + rows + "x" + cols, cpu, dy.toFloatArray(), 0, 0);

                    dy.upload(y);
                    ops.elementwise().biasRelu(dy, db, rows, cols);
                    CpuKernels.reluForward(cpu, cpu, n);
                    assertClose("biasRelu " + rows + "x" + cols, cpu, dy.toFloatArray(), 0, 0);
                }
            }
        }
        for (int n : SIZES) {
            float[] x = random(r, n, -1, 1), d = random(r, n, -2, 2);
            try (DeviceBuffer dx = ctx.upload(x); DeviceBuffer dd = ctx.upload(d);
                 DeviceBuffer out = ctx.upload(nan(n))) {
                float[] cpu = nan(n);
                CpuKernels.reluForward(x, cpu, n);
                ops.elementwise().reluForward(dx, out, n);
                assertClose("reluForward n=" + n, cpu, out.toFloatArray(), 0, 0);

                out.upload(nan(n));
                cpu = nan(n);
                CpuKernels.reluBackward(x, d, cpu, n);
                ops.elementwise().reluBackward(dx, dd, out, n);
                assertClose("reluBackward n=" + n, cpu, out.toFloatArray(), 0, 0);

                cpu = d.clone();
                CpuKernels.scaleInPlace(cpu, n, 0.37f);
                ops.elementwise().scaleInPlace(dd, n, 0.37f);
                assertClose("scaleInPlace n=" + n, cpu, dd.toFloatArray(), 0, 0);

                CpuKernels.clampInPlace(cpu, n, 0.25f);
                ops.elementwise().clampInPlace(dd, n, 0.25f);
                assertClose("clampInPlace n=" + n, cpu, dd.toFloatArray(), 0, 0);

                Arrays.fill(cpu, 3.5f);
                ops.elementwise().fill(dd, n, 3.5f);
                assertClose("fill n=" + n, cpu, dd.toFloatArray(), 0, 0);
            }
        }
    }

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

    private static byte[] mask(Rng r, int n) {
        byte[] m = new byte[n];
        for (int i = 0; i < n; i++) m[i] = (byte) (r.nextDouble() < 0.3 ? 0 : 1);
        return m;
    }

    @Test
    void sgdStepsMatchAndKeepMaskedWeightsZero() {
        Rng r = new Rng(7);
        for (int n : SIZES) {
            for (int variant = 0; variant < 4; variant++) {
                float momentum = variant == 0 ? 0f : 0.9f;
                boolean nesterov = variant == 2;
                byte[] mask = variant >= 1 ? mask(r, n) : null;
                float clip = variant == 3 ? 0.05f : 0f;
                float[] w = random(r, n, -1, 1), mom = momentum == 0 ? null : random(r, n, -0.1f, 0.1f);
                try (DeviceBuffer dw = ctx.upload(w); DeviceBuffer dm = mom == null ? null : ctx.upload(mom);
                     DeviceBuffer dmask = mask == null ? null : ctx.upload(mask); DeviceBuffer dg = ctx.allocFloat(n)) {
                    for (int step = 0; step < 3; step++) {  // several steps: the momentum path feeds back
                        float[] g = random(r, n, -1, 1);
                        dg.upload(g);
                        CpuKernels.sgdStep(w, g, mom, mask, n, 0.1f, momentum, 1e-4f, nesterov, 0.7f, clip);
                        ops.optimizers().sgdStep(dw, dg, dm, dmask, n, 0.1f, momentum, 1e-4f, nesterov, 0.7f, clip);
                    }
                    float[] gw = dw.toFloatArray();
                    assertClose("sgd w n=" + n + " variant " + variant, w, gw, 1e-7, 1e-6);
                    if (mom != null) assertClose("sgd mom n=" + n + " variant " + variant, mom, dm.toFloatArray(),
                            1e-7, 1e-6);
                    if (mask != null) {
                        for (int i = 0; i < n; i++) if (mask[i] == 0) assertEquals(0, Float.floatToRawIntBits(gw[i]),
                                "masked w[" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void adamStepsMatchAndKeepMaskedStateZero() {
        Rng r = new Rng(8);
        for (int n : SIZES) {
            for (int variant = 0; variant < 3; variant++) {
                byte[] mask = variant >= 1 ? mask(r, n) : null;
                float clip = variant == 2 ? 0.1f : Float.POSITIVE_INFINITY;
                float[] w = random(r, n, -1, 1), m = new float[n], v = new float[n];
                try (DeviceBuffer dw = ctx.upload(w); DeviceBuffer dm = ctx.upload(m); DeviceBuffer dv = ctx.upload(v);
                     DeviceBuffer dmask = mask == null ? null : ctx.upload(mask); DeviceBuffer dg = ctx.allocFloat(n)) {
                    for (int step = 1; step <= 3; step++) {
                        float[] g = random(r, n, -1, 1);
                        dg.upload(g);
                        CpuKernels.adamStep(w, g, m, v, mask, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, step, 0.5f, clip);
                        ops.optimizers().adamStep(dw, dg, dm, dv, dmask, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, step,
                                0.5f, clip);
                    }
                    float[] gw = dw.toFloatArray(), gm = dm.toFloatArray(), gv = dv.toFloatArray();
                    assertClose("adam w n=" + n, w, gw, 1e-7, 1e-6);
                    assertClose("adam m n=" + n, m, gm, 1e-8, 1e-6);
                    assertClose("adam v n=" + n, v, gv, 1e-10, 1e-6);
                    if (mask != null) {
                        for (int i = 0; i < n; i++) {
                            if (mask[i] == 0) {
                                assertEquals(0, Float.floatToRawIntBits(gw[i]) | Float.floatToRawIntBits(gm[i])
                                                | Float.floatToRawIntBits(gv[i]),
                                        "masked state at " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Score accumulation fused into the optimizer pass (StepScores): the step's w and state are bit-identical to the
     * unfused step's, and the scores to ScoreAccumulator.accumulate's on (w before the step, raw g), for every
     * criterion, SUM and EMA, SGD with momentum and Adam, masked elements included; a non-finite gradient records the
     * lowest global index (offset + i).
     */
    /**
     * sgdSteps / adamSteps (every tensor in one launch, the table in device memory) leave w, the states and the
     * fused scores bit-identical to one sgdStep / adamStep per tensor: sizes 0, 1, 7, 129, 4099 and one past the
     * per-tensor block cap (grid-stride), masks and scores on some tensors only, SGD with and without momentum and
     * Nesterov, Adam; a replaced mask buffer between steps reaches the kernel (the cached table is re-uploaded); a
     * non-finite gradient records the lowest global index; inconsistent arguments are refused.
     */
    @Test
    void multiTensorStepsEqualOneLaunchPerTensor() {
        Rng r = new Rng(12);
        int[] sizes = {7, 0, 1, 129, 4099, 1024 * 256 + 77};
        int nt = sizes.length;
        // 0: SGD no momentum, 1: SGD momentum (+ Nesterov on step 2), 2: Adam
        for (int variant = 0; variant < 3; variant++) {
            boolean adam = variant == 2;
            float mom = variant == 1 ? 0.9f : 0f;
            String what = new String[] {"sgd", "sgd momentum", "adam"}[variant];
            List<DeviceBuffer> all = new ArrayList<>();
            try (StepTable table = ops.optimizers().stepTable(); DeviceBuffer fault = ctx.allocLong(1)) {
                fault.upload(new long[] {Long.MAX_VALUE});
                DeviceBuffer[] wa = new DeviceBuffer[nt], wb = new DeviceBuffer[nt], g = new DeviceBuffer[nt],
                        masks = new DeviceBuffer[nt];
                DeviceBuffer[] s1a = new DeviceBuffer[nt], s1b = new DeviceBuffer[nt], s2a = new DeviceBuffer[nt],
                        s2b = new DeviceBuffer[nt];
                DeviceBuffer[] sa = new DeviceBuffer[nt], sb = new DeviceBuffer[nt];
                StepScores[] sca = new StepScores[nt], scb = new StepScores[nt];
                long offset = 0;
                long[] offsets = new long[nt];
                for (int t = 0; t < nt; t++) {
                    int n = sizes[t];
                    float[] w0 = random(r, Math.max(1, n), -1, 1);  // a size-0 tensor still gets a (1-element) buffer
                    byte[] m = mask(r, n);
                    boolean masked = t % 2 == 0, scored = t % 3 != 1;
                    if (masked) for (int i = 0; i < n; i++) if (m[i] == 0) w0[i] = 0f;
                    all.add(wa[t] = ctx.upload(w0));
                    all.add(wb[t] = ctx.upload(w0));
                    all.add(g[t] = ctx.allocFloat(Math.max(1, n)));
                    if (masked) all.add(masks[t] = ctx.upload(m));
                    if (mom != 0f || adam) {
                        all.add(s1a[t] = ctx.upload(new float[n])); all.add(s1b[t] = ctx.upload(new float[n]));
                    }
                    if (adam) {
                        all.add(s2a[t] = ctx.upload(new float[n])); all.add(s2b[t] = ctx.upload(new float[n]));
                    }
                    offsets[t] = offset;
                    if (scored) {
                        float[] s0 = random(r, n, 0, 1);
                        all.add(sa[t] = ctx.upload(s0));
                        all.add(sb[t] = ctx.upload(s0));
                        sca[t] = new StepScores(sa[t], 2, true, 0.9f, fault, offset);
                        scb[t] = new StepScores(sb[t], 2, true, 0.9f, fault, offset);
                    }
                    offset += n;
                }
                for (int step = 1; step <= 3; step++) {
                    for (int t = 0; t < nt; t++) if (sizes[t] > 0) g[t].upload(random(r, sizes[t], -1, 1));
                    if (step == 3) {  // a prune between steps replaces a mask buffer: the cached table must follow
                        byte[] m = mask(r, sizes[4]);
                        DeviceBuffer fresh = ctx.upload(m);
                        all.add(fresh);
                        masks[4] = fresh;
                    }
                    List<StepTensor> ts = new ArrayList<>();
                    for (int t = 0; t < nt; t++) ts.add(new StepTensor(wa[t], g[t], s1a[t], s2a[t], masks[t],
                            sizes[t], sca[t]));
                    boolean nesterov = step == 2;
                    if (adam) ops.optimizers().adamSteps(table, ts, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, step, 0.5f,
                            0.3f);
                    else ops.optimizers().sgdSteps(table, ts, 0.1f, mom, 1e-4f, nesterov && mom != 0f, 0.7f, 0.3f);
                    for (int t = 0; t < nt; t++) {
                        int n = sizes[t];
                        if (adam) ops.optimizers().adamStep(wb[t], g[t], s1b[t], s2b[t], masks[t], n, 1e-3f, 0.9f,
                                0.999f, 1e-8f, 1e-2f, step, 0.5f, 0.3f, scb[t]);
                        else ops.optimizers().sgdStep(wb[t], g[t], s1b[t], masks[t], n, 0.1f, mom, 1e-4f,
                                nesterov && mom != 0f, 0.7f, 0.3f, scb[t]);
                    }
                    for (int t = 0; t < nt; t++) {
                        if (sizes[t] == 0) continue;
                        String at = what + " step " + step + " tensor " + t + " (n=" + sizes[t] + ")";
                        assertBitsEqual(wb[t].toFloatArray(), wa[t].toFloatArray(), at + ": w");
                        if (s1a[t] != null) assertBitsEqual(s1b[t].toFloatArray(), s1a[t].toFloatArray(),
                                at + ": state 1");
                        if (s2a[t] != null) assertBitsEqual(s2b[t].toFloatArray(), s2a[t].toFloatArray(),
                                at + ": state 2");
                        if (sa[t] != null) assertBitsEqual(sb[t].toFloatArray(), sa[t].toFloatArray(), at + ": scores");
                        if (masks[t] != null && step == 3) {
                            byte[] m = new byte[sizes[t]];
                            masks[t].download(m);
                            float[] w = wa[t].toFloatArray();
                            for (int i = 0; i < m.length; i++) if (m[i] == 0 && w[i] != 0f) fail(at + ": masked weight "
                                    + i + " = " + w[i]);
                        }
                    }
                }
                long[] f = new long[1];
                fault.download(f);
                assertEquals(Long.MAX_VALUE, f[0], what + ": no fault");
                // Non-finite gradients in tensors 5 and 3 (both scored): the lowest global index is recorded.
                float[] g3 = random(r, sizes[3], -1, 1), g5 = random(r, sizes[5], -1, 1);
                g3[100] = Float.NaN;
                g5[5] = Float.POSITIVE_INFINITY;
                g[3].upload(g3);
                g[5].upload(g5);
                List<StepTensor> ts = new ArrayList<>();
                for (int t = 0; t < nt; t++) ts.add(new StepTensor(wa[t], g[t], s1a[t], s2a[t], masks[t],
                        sizes[t], sca[t]));
                if (adam) ops.optimizers().adamSteps(table, ts, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 4, 1f, 0f);
                else ops.optimizers().sgdSteps(table, ts, 0.1f, mom, 0f, false, 1f, 0f);
                fault.download(f);
                assertEquals(offsets[3] + 100, f[0], what + ": lowest faulty global index");
            } finally {
                for (DeviceBuffer b : all) b.close();
            }
        }
        try (StepTable table = ops.optimizers().stepTable(); DeviceBuffer f = ctx.allocFloat(10);
             DeviceBuffer l1 = ctx.allocLong(1);
             DeviceBuffer l2 = ctx.allocLong(1)) {
            StepTensor plain = new StepTensor(f, f, null, null, null, 10, null);
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdSteps(table, List.of(), 0.1f, 0f, 0f, false, 1f, 0f), "no tensors");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdSteps(table, List.of(plain), 0.1f, 0.9f, 0f, false, 1f, 0f),
                    "momentum without a momentum buffer");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().adamSteps(table, List.of(plain), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1, 1f, 0f),
                    "Adam without m and v");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdSteps(table, List.of(new StepTensor(f, f, null, null, null, 11, null)),
                    0.1f, 0f, 0f, false, 1f, 0f), "n past the buffers");
            StepTensor a = new StepTensor(f, f, null, null, null, 10,
                    new StepScores(f, 2, false, 0f, l1, 0));
            StepTensor b = new StepTensor(f, f, null, null, null, 10,
                    new StepScores(f, 2, false, 0f, l2, 10));
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdSteps(table, List.of(a, b), 0.1f, 0f, 0f, false, 1f, 0f),
                    "score accumulations with different fault states");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().adamSteps(table, List.of(plain), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 0, 1f, 0f),
                    "Adam step 0");
        }
    }

    private static void assertBitsEqual(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) fail(what + " element " + i
                    + ": multi=" + got[i] + " single=" + want[i]);
        }
    }

    @Test
    void optimizerStepsWithFusedScoresEqualTheirTwins() {
        Rng r = new Rng(10);
        dev.jprune.prune.Criterion[] crits = {dev.jprune.prune.Criterion.MAGNITUDE, dev.jprune.prune.Criterion.GRADIENT,
                dev.jprune.prune.Criterion.TAYLOR, dev.jprune.prune.Criterion.TAYLOR_SQUARED,
                dev.jprune.prune.Criterion.MOVEMENT};
        for (int n : new int[] {1, 7, 129, 4099}) {
            for (dev.jprune.prune.Criterion c : crits) {
                for (dev.jprune.prune.ScoreAccumulator.Mode mode : dev.jprune.prune.ScoreAccumulator.Mode.values()) {
                    for (boolean adam : new boolean[] {false, true}) {
                        String what = (adam ? "adam" : "sgd") + " " + c + " " + mode + " n=" + n;
                        byte[] mask = mask(r, n);
                        float[] w0 = random(r, n, -1, 1);
                        for (int i = 0; i < n; i++) if (mask[i] == 0) w0[i] = 0f;
                        dev.jprune.prune.ScoreAccumulator acc = new dev.jprune.prune.ScoreAccumulator(c, mode, 0.9f,
                                new int[] {n}, null);
                        float[] s0 = random(r, n, 0, 1);
                        System.arraycopy(s0, 0, acc.buffers()[0], 0, n);
                        try (DeviceBuffer wa = ctx.upload(w0); DeviceBuffer wb = ctx.upload(w0);
                             DeviceBuffer m1a = ctx.upload(new float[n]);
                             DeviceBuffer m1b = ctx.upload(new float[n]); DeviceBuffer m2a = ctx.upload(new float[n]);
                             DeviceBuffer m2b = ctx.upload(new float[n]);
                             DeviceBuffer dmask = ctx.upload(mask); DeviceBuffer dg = ctx.allocFloat(n);
                             DeviceBuffer ds = ctx.upload(s0);
                             DeviceBuffer fault = ctx.allocLong(1)) {
                            fault.upload(new long[] {Long.MAX_VALUE});
                            StepScores sc = new StepScores(ds,
                                    dev.jprune.gpu.prune.PruneTable.criterionCode(c),
                                    mode == dev.jprune.prune.ScoreAccumulator.Mode.EMA, 0.9f, fault, 1000);
                            for (int step = 1; step <= 3; step++) {
                                float[] g = random(r, n, -1, 1);
                                dg.upload(g);
                                acc.accumulate(new float[][] {wa.toFloatArray()}, new float[][] {g});
                                if (adam) {
                                    ops.optimizers().adamStep(wa, dg, m1a, m2a, dmask, n, 1e-3f, 0.9f, 0.999f, 1e-8f,
                                            1e-2f, step, 0.5f, 0.3f, sc);
                                    ops.optimizers().adamStep(wb, dg, m1b, m2b, dmask, n, 1e-3f, 0.9f, 0.999f, 1e-8f,
                                            1e-2f, step, 0.5f, 0.3f);
                                } else {
                                    ops.optimizers().sgdStep(wa, dg, m1a, dmask, n, 0.1f, 0.9f, 1e-4f, step == 2, 0.7f,
                                            0.3f, sc);
                                    ops.optimizers().sgdStep(wb, dg, m1b, dmask, n, 0.1f, 0.9f, 1e-4f, step == 2, 0.7f,
                                            0.3f);
                                }
                            }
                            assertArrayEquals(wb.toFloatArray(), wa.toFloatArray(), what + ": w changed by the fusion");
                            assertArrayEquals(m1b.toFloatArray(), m1a.toFloatArray(),
                                    what + ": state changed by the fusion");
                            if (adam) assertArrayEquals(m2b.toFloatArray(), m2a.toFloatArray(),
                                    what + ": v changed by the fusion");
                            float[] got = ds.toFloatArray(), want = acc.buffers()[0];
                            for (int i = 0; i < n; i++) {
                                if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                                    fail(what + ": score " + i + " (mask " + mask[i] + ") gpu=" + got[i]
                                            + " cpu=" + want[i]);
                                }
                            }
                            long[] f = new long[1];
                            fault.download(f);
                            assertEquals(Long.MAX_VALUE, f[0], what + ": no fault");
                            // Non-finite gradients at two places: the lowest global index is recorded.
                            if (n >= 7) {
                                float[] g = random(r, n, -1, 1);
                                g[n - 1] = Float.NaN;
                                g[3] = Float.POSITIVE_INFINITY;
                                dg.upload(g);
                                if (c == dev.jprune.prune.Criterion.MAGNITUDE) {
                                    float[] wn = wa.toFloatArray();
                                    wn[n - 1] = Float.NaN;
                                    wn[3] = Float.NEGATIVE_INFINITY;
                                    wa.upload(wn);
                                }
                                if (adam) ops.optimizers().adamStep(wa, dg, m1a, m2a, null, n, 1e-3f, 0.9f, 0.999f,
                                        1e-8f, 0f, 4, 1f, 0f, sc);
                                else ops.optimizers().sgdStep(wa, dg, m1a, null, n, 0.1f, 0.9f, 0f, false, 1f, 0f, sc);
                                fault.download(f);
                                assertEquals(1003, f[0], what + ": lowest faulty global index");
                            }
                        }
                    }
                }
            }
        }
        try (DeviceBuffer f = ctx.allocFloat(10); DeviceBuffer l = ctx.allocLong(1)) {
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdStep(f, f, f, null, 10, 0.1f, 0.9f, 0f, false, 1f, 0f,
                    new StepScores(f, 5, false, 0f, l, 0)), "BUFFER has no per-batch formula");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdStep(f, f, f, null, 10, 0.1f, 0.9f, 0f, false, 1f, 0f,
                    new StepScores(f, 2, true, 1f, l, 0)), "EMA momentum 1");
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdStep(f, f, f, null, 10, 0.1f, 0.9f, 0f, false, 1f, 0f,
                    new StepScores(f, 2, false, 0f, f, 0)), "fault state must be LONG");
        }
    }

    /**
     * Clip-by-norm on the device has the bits of the host computation it replaces: the scale written by
     * clipScaleAsync equals GradClip.normScale(sqrt(sumSquares(gradients)), maxNorm), for norms below, at and above
     * the bound, and the SGD / Adam steps that read it from device memory leave the same bits as the steps given that
     * scale as an argument. A non-finite norm records the step, makes that step and every later one change nothing,
     * and stays recorded until resetFault.
     */
    @Test
    void clipByNormOnTheDeviceHasTheHostBits() {
        Rng r = new Rng(12);
        int[] sizes = {1, 7, 129, 4096 * 16 + 5};
        for (double maxNorm : new double[] {0.5, 3.0, 1e6}) {
            for (boolean adam : new boolean[] {false, true}) {
                List<DeviceBuffer> gs = new ArrayList<>(), wa = new ArrayList<>(), wb = new ArrayList<>(),
                        sa = new ArrayList<>(), sb = new ArrayList<>(), va = new ArrayList<>(), vb = new ArrayList<>();
                try (NormTable clip = ops.reductions().normTable(); StepTable ta = ops.optimizers().stepTable();
                     StepTable tb = ops.optimizers().stepTable()) {
                    for (int n : sizes) {
                        float[] w = random(r, n, -1, 1), s1 = random(r, n, -0.1f, 0.1f), s2 = random(r, n, 0f, 0.01f);
                        gs.add(ctx.allocFloat(n));
                        wa.add(ctx.upload(w)); wb.add(ctx.upload(w));
                        sa.add(ctx.upload(s1)); sb.add(ctx.upload(s1));
                        va.add(ctx.upload(s2)); vb.add(ctx.upload(s2));
                    }
                    List<StepTensor> a = new ArrayList<>(), b = new ArrayList<>();
                    for (int t = 0; t < sizes.length; t++) {
                        DeviceBuffer v1 = adam ? va.get(t) : null, v2 = adam ? vb.get(t) : null;
                        a.add(new StepTensor(wa.get(t), gs.get(t), sa.get(t), v1, null, sizes[t], null));
                        b.add(new StepTensor(wb.get(t), gs.get(t), sb.get(t), v2, null, sizes[t], null));
                    }
                    for (int step = 0; step < 3; step++) {
                        for (int t = 0; t < sizes.length; t++) gs.get(t).upload(random(r, sizes[t], -0.02f, 0.02f));
                        float host = dev.jprune.optim.GradClip.normScale(Math.sqrt(ops.reductions().sumSquares(gs,
                                null)), maxNorm);
                        ops.reductions().clipScaleAsync(clip, gs, maxNorm, step);
                        float[] got = clip.scale.toFloatArray();
                        assertEquals(Float.floatToRawIntBits(host), Float.floatToRawIntBits(got[0]),
                                "scale at max norm " + maxNorm + ": host " + host + ", device " + got[0]);
                        if (adam) {
                            ops.optimizers().adamSteps(ta, a, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, step + 1, clip, 0f);
                            ops.optimizers().adamSteps(tb, b, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, step + 1, host, 0f);
                        } else {
                            ops.optimizers().sgdSteps(ta, a, 0.1f, 0.9f, 1e-4f, false, clip, 0f);
                            ops.optimizers().sgdSteps(tb, b, 0.1f, 0.9f, 1e-4f, false, host, 0f);
                        }
                    }
                    for (int t = 0; t < sizes.length; t++) {
                        String what = (adam ? "adam" : "sgd") + " max norm " + maxNorm + " tensor " + t;
                        assertBitsEqual(wb.get(t).toFloatArray(), wa.get(t).toFloatArray(), what + " w");
                        assertBitsEqual(sb.get(t).toFloatArray(), sa.get(t).toFloatArray(), what + " state");
                    }
                    double[] norm = new double[1];
                    long[] fault = new long[1];
                    ctx.download(clip.normInto(norm), clip.faultInto(fault));
                    assertEquals(Math.sqrt(ops.reductions().sumSquares(gs, null)), norm[0], "the last norm");
                    assertEquals(-1L, fault[0], "no fault");

                    // A non-finite gradient: step 7 is recorded, it and the step after it change nothing.
                    float[][] before = new float[sizes.length][];
                    for (int t = 0; t < sizes.length; t++) before[t] = wa.get(t).toFloatArray();
                    float[] bad = random(r, sizes[1], -1, 1);
                    bad[3] = Float.POSITIVE_INFINITY;
                    gs.get(1).upload(bad);
                    for (int step = 7; step < 9; step++) {
                        ops.reductions().clipScaleAsync(clip, gs, maxNorm, step);
                        if (adam) ops.optimizers().adamSteps(ta, a, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, step, clip, 0f);
                        else ops.optimizers().sgdSteps(ta, a, 0.1f, 0.9f, 1e-4f, false, clip, 0f);
                        gs.get(1).upload(random(r, sizes[1], -1, 1));  // finite again: the fault stays recorded
                    }
                    for (int t = 0; t < sizes.length; t++) {
                        assertBitsEqual(before[t], wa.get(t).toFloatArray(), "unchanged after the fault, tensor " + t);
                    }
                    ctx.download(clip.normInto(norm), clip.faultInto(fault));
                    assertEquals(7L, fault[0], "the first step with a non-finite norm");
                    assertEquals(Double.POSITIVE_INFINITY, norm[0], "the faulting norm");
                    assertTrue(Float.isNaN(clip.scale.toFloatArray()[0]), "scale NaN while the fault is recorded");
                    clip.resetFault();
                    ops.reductions().clipScaleAsync(clip, gs, maxNorm, 9);
                    assertFalse(Float.isNaN(clip.scale.toFloatArray()[0]), "a finite scale after resetFault");
                } finally {
                    for (List<DeviceBuffer> l : List.of(gs, wa, wb, sa, sb, va, vb)) for (DeviceBuffer x : l) x.close();
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> {
            try (NormTable c = ops.reductions().normTable(); DeviceBuffer g = ctx.allocFloat(4)) {
                ops.reductions().clipScaleAsync(c, List.of(g), 0.0, 0);
            }
        }, "max norm 0");
    }

    @Test
    void sumSquaresSingleAndMultiTensor() {
        Rng r = new Rng(9);
        List<DeviceBuffer> bufs = new ArrayList<>();
        List<float[]> hosts = new ArrayList<>();
        try {
            // 4096 * 1030 + 7: more than the 1024-block cap of one tensor, so blocks stride.
            for (int n : new int[] {1, 7, 129, 4096 * 16 + 5, 1 << 20, 3, 0, 4096 * 1030 + 7}) {
                float[] x = random(r, n, -2, 2);
                hosts.add(x);
                bufs.add(ctx.upload(x));
            }
            double total = 0;
            double[] per = new double[bufs.size()];
            for (int i = 0; i < bufs.size(); i++) {
                float[] x = hosts.get(i);
                double cpu = CpuKernels.sumSquares(x, 0, x.length);
                total += cpu;
                // The CPU adds sequentially: its own rounding error grows like n·eps (5e-10 relative at 4.2M), so the
                // bound is that, not 1e-12 (the requirement is 1e-6).
                assertClose("sumSquares n=" + x.length, cpu, ops.reductions().sumSquares(bufs.get(i), 0, x.length),
                        seqBound(x.length));
                if (x.length > 10) {
                    assertClose("sumSquares offset", CpuKernels.sumSquares(x, 3, x.length - 7),
                            ops.reductions().sumSquares(bufs.get(i), 3, x.length - 7), seqBound(x.length));
                }
            }
            double gpuTotal = ops.reductions().sumSquares(bufs, per);
            assertClose("sumSquares multi", total, gpuTotal, seqBound(1 << 23));
            for (int i = 0; i < per.length; i++) {
                float[] x = hosts.get(i);
                assertClose("per tensor " + i, CpuKernels.sumSquares(x, 0, x.length), per[i], seqBound(x.length));
            }
            assertEquals(Double.doubleToRawLongBits(gpuTotal),
                    Double.doubleToRawLongBits(ops.reductions().sumSquares(bufs, null)),
                    "deterministic");
        } finally {
            for (DeviceBuffer b : bufs) b.close();
        }
    }

    /**
     * Many tensors in one pass, per-tensor and total sums within 1e-12 relative of the CPU's: 2000 separate buffers,
     * and 10 000 and 70 000 (more than a grid dimension's 65 535) views of one flat buffer, sizes 0 to 300. Views,
     * because the emulator gives every allocation guard pages and 70 000 of them exhaust the process's memory-map
     * limit (vm.max_map_count), which crashes the JVM; on a GPU separate buffers behave the same.
     */
    @Test
    void sumSquaresOverTensOfThousandsOfTensors() {
        Rng r = new Rng(19);
        for (int count : new int[] {2_000, 10_000, 70_000}) {
            float[][] x = new float[count][];
            long[] off = new long[count], len = new long[count];
            int total = 0;
            for (int t = 0; t < count; t++) {
                x[t] = random(r, t % 97 == 0 ? 0 : 1 + r.nextInt(300), -3, 3);
                off[t] = total;
                len[t] = x[t].length;
                total += x[t].length;
            }
            double[] per = new double[count];
            double got;
            if (count <= 2_000) {
                List<DeviceBuffer> bufs = new ArrayList<>(count);
                try {
                    for (int t = 0; t < count; t++) bufs.add(ctx.upload(x[t]));
                    got = ops.reductions().sumSquares(bufs, per);
                } finally {
                    for (DeviceBuffer b : bufs) b.close();
                }
            } else {
                float[] flat = new float[total];
                for (int t = 0; t < count; t++) System.arraycopy(x[t], 0, flat, (int) off[t], x[t].length);
                try (DeviceBuffer all = ctx.upload(flat)) {
                    got = ops.reductions().sumSquares(all, off, len, per);
                    long last = total - 1;
                    assertThrows(IllegalArgumentException.class,
                            () -> ops.reductions().sumSquares(all, new long[] {last}, new long[] {2}, null));
                    assertThrows(IllegalArgumentException.class,
                            () -> ops.reductions().sumSquares(all, new long[] {0, 1}, new long[] {2}, null));
                }
            }
            double want = 0;
            for (int t = 0; t < count; t++) {
                double cpu = CpuKernels.sumSquares(x[t], 0, x[t].length);
                want += cpu;
                assertClose(count + " tensors: tensor " + t + " (n=" + x[t].length + ")", cpu, per[t], 1e-12);
            }
            assertClose(count + " tensors: total", want, got, 1e-12);
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeLaunch() {
        try (DeviceBuffer f = ctx.allocFloat(10); DeviceBuffer i = ctx.allocInt(10)) {
            assertThrows(IllegalArgumentException.class, () -> ops.elementwise().reluForward(f, f, 11));
            assertThrows(IllegalArgumentException.class, () -> ops.elementwise().reluForward(i, f, 5));
            assertThrows(IllegalArgumentException.class,
                    () -> ops.gemm().gemm(false, false, 3, 3, 3, 1f, f, 0, 3, f, 0, 3, 0f, f, 0, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> ops.optimizers().sgdStep(f, f, null, null, 10, 0.1f, 0.9f, 0f, false, 1f, 0f));
        }
    }

    @Test
    void poolReusesAllocations() {
        try (DeviceBuffer a = ctx.allocFloat(1000)) { a.upload(new float[1000]); }
        long before = ctx.allocations();
        for (int i = 0; i < 10; i++) {
            try (DeviceBuffer a = ctx.allocFloat(1000)) { a.upload(new float[1000]); }
        }
        assertEquals(before, ctx.allocations(), "same-size buffers come from the pool");
    }
}
