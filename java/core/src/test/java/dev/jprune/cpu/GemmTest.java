package dev.jprune.cpu;

import static dev.jprune.testutil.TestArrays.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jprune.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gemm against NaiveGemm (double accumulation) on fresh random inputs.
 * <p>Tolerance: |fast - ref| &le; atol + rtol*|ref| with rtol = 1e-5 and atol = 1e-5 * sqrt(k) * (|alpha| + |beta|).
 * Why: inputs are U(-1, 1), so a dot product of length k has magnitude ~ sqrt(k)/3; Gemm sums in float with one
 * fma rounding per step (relative 6e-8 of the running sum), a random walk of k roundings of sums ~ sqrt(k), so the
 * expected absolute error is ~ 6e-8 * k / sqrt(6), about 2e-5 at k = 784, and atol is ~10x that. rtol covers
 * the epilogue's float rounding of alpha*acc + beta*c.
 */
class GemmTest {

    /** One GEMM problem laid out in padded arrays with offsets. */
    private static final class Case {
        final boolean ta, tb;
        final int m, n, k, offA, lda, offB, ldb, offC, ldc;
        final float alpha, beta;
        final float[] a, b, c0;

        Case(Rng rng, boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, int pad) {
            this.ta = ta; this.tb = tb; this.m = m; this.n = n; this.k = k; this.alpha = alpha; this.beta = beta;
            int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
            offA = pad * 3; lda = aCols + pad; offB = pad * 5; ldb = bCols + pad; offC = pad * 7; ldc = n + pad;
            a = random(rng, offA + aRows * lda + pad);
            b = random(rng, offB + bRows * ldb + pad);
            c0 = random(rng, offC + m * ldc + pad);
            if (beta == 0f) java.util.Arrays.fill(c0, Float.NaN); // beta == 0 must ignore old C, NaN included
        }

        float[] runFast() {
            float[] c = c0.clone();
            Gemm.gemm(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            return c;
        }

        float[] runNaive() {
            float[] c = c0.clone();
            NaiveGemm.gemm(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            return c;
        }

        @Override
        public String toString() {
            return "transA=" + ta + " transB=" + tb + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha
                    + " beta=" + beta + " offA=" + offA + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc;
        }
    }

    /** Compares the C window with the tolerance rule and checks every element outside it is bit-unchanged. */
    private static void check(Case cs, float[] fast, float[] ref) {
        double atol = 1e-5 * Math.sqrt(Math.max(1, cs.k)) * (Math.abs(cs.alpha) + Math.abs(cs.beta));
        double rtol = 1e-5;
        double worst = -1;
        int wi = -1, wj = -1;
        for (int i = 0; i < cs.m; i++) {
            for (int j = 0; j < cs.n; j++) {
                int idx = cs.offC + i * cs.ldc + j;
                double excess = Math.abs(fast[idx] - ref[idx]) - (atol + rtol * Math.abs(ref[idx]));
                if (Double.isNaN(fast[idx]) || excess > worst) {
                    worst = Double.isNaN(fast[idx]) ? Double.MAX_VALUE : excess; wi = i; wj = j;
                }
            }
        }
        if (worst > 0) {
            int idx = cs.offC + wi * cs.ldc + wj;
            fail(cs + ": worst element C[" + wi + "," + wj + "] fast=" + fast[idx] + " ref=" + ref[idx]
                    + " |diff|=" + Math.abs(fast[idx] - ref[idx]) + " atol=" + atol + " rtol=" + rtol);
        }
        boolean[] inside = new boolean[fast.length];
        for (int i = 0; i < cs.m; i++) for (int j = 0; j < cs.n; j++) inside[cs.offC + i * cs.ldc + j] = true;
        for (int idx = 0; idx < fast.length; idx++) {
            if (!inside[idx] && Float.floatToRawIntBits(fast[idx]) != Float.floatToRawIntBits(cs.c0[idx])) {
                fail(cs + ": element " + idx + " outside the C window was modified: " + cs.c0[idx]
                        + " -> " + fast[idx]);
            }
        }
    }

    private static final int[][] SHAPES = {
            {1, 1, 1}, {1, 7, 1}, {7, 1, 7}, {7, 7, 7}, {1, 129, 7}, {129, 1, 300}, {129, 129, 129}, {3, 9, 0},
            {8, 8, 8}, {33, 17, 65}, {65, 300, 5}, {128, 300, 784}, {300, 784, 128}, {128, 784, 300},
            {130, 385, 257}, {129, 10, 300}, {2, 1000, 3}};

    @Test
    void matchesNaiveAllTransposesShapesAlphaBeta() {
        Rng rng = new Rng(42);
        float[][] ab = {{1f, 0f}, {1.3f, 0.7f}, {-0.5f, 1f}, {2f, -1.25f}};
        int count = 0;
        for (int[] s : SHAPES) {
            for (int t = 0; t < 4; t++) {
                float[] albe = ab[(count++) % ab.length];
                int pad = (count % 3 == 0) ? 0 : 3; // both packed (ld == cols) and padded layouts
                Case cs = new Case(rng, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], albe[0], albe[1], pad);
                check(cs, cs.runFast(), cs.runNaive());
            }
        }
    }

    @Test
    void betaZeroIgnoresNaNAndBetaOneAccumulates() {
        Rng rng = new Rng(7);
        for (int t = 0; t < 4; t++) {
            Case zero = new Case(rng, (t & 1) != 0, (t & 2) != 0, 129, 300, 70, 1f, 0f, 2);
            float[] fz = zero.runFast();
            check(zero, fz, zero.runNaive());
            Case one = new Case(rng, (t & 1) != 0, (t & 2) != 0, 129, 300, 70, 1f, 1f, 2);
            check(one, one.runFast(), one.runNaive());
            // small path too
            Case small = new Case(rng, (t & 1) != 0, (t & 2) != 0, 3, 5, 2, 1f, 0f, 1);
            check(small, small.runFast(), small.runNaive());
        }
    }

    @Test
    void kZeroGivesBetaTimesC() {
        Rng rng = new Rng(3);
        Case cs = new Case(rng, false, false, 40, 50, 0, 1f, 0.5f, 1);
        float[] fast = cs.runFast();
        for (int i = 0; i < cs.m; i++) for (int j = 0; j < cs.n; j++) {
            int idx = cs.offC + i * cs.ldc + j;
            assertEquals(0.5f * cs.c0[idx], fast[idx], 0f);
        }
    }

    /**
     * The blocked kernel must give bit-identical results for any tiling (this is what makes the result independent
     * of the thread count: Parallel only assigns tiles to threads). Checked against the single-threaded simple loop
     * for several tile sizes, including tiles of 1 row and chunks narrower than a vector.
     */
    @Test
    void blockedIsBitIdenticalToSimpleForAnyTiling() {
        Rng rng = new Rng(11);
        int[][] tilings = {{32, 384}, {2, 8}, {1, 16}, {7, 24}, {64, 1000}, {8, 9}};
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            Case cs = new Case(rng, ta, tb, 67, 301, 517, 1.1f, 0.9f, 1); // k > 2*KC: three k-blocks, odd tail
            float[] ref = cs.c0.clone();
            Gemm.gemmSimple(ta, tb, cs.m, cs.n, cs.k, cs.alpha, cs.a, cs.offA, cs.lda, cs.b, cs.offB, cs.ldb,
                    cs.beta, ref, cs.offC, cs.ldc);
            for (int[] tiling : tilings) {
                for (int[] path : kernelPaths()) {
                    float[] c = cs.c0.clone();
                    Gemm.gemmBlocked(ta, tb, cs.m, cs.n, cs.k, cs.alpha, cs.a, cs.offA, cs.lda, cs.b, cs.offB, cs.ldb,
                            cs.beta, c, cs.offC, cs.ldc, tiling[0], tiling[1], path[0] == 1, path[1]);
                    for (int idx = 0; idx < c.length; idx++) {
                        if (Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(ref[idx])) {
                            fail(cs + " mc=" + tiling[0] + " ncMax=" + tiling[1] + " " + describe(path) + ": element "
                                    + idx + " blocked=" + c[idx] + " simple=" + ref[idx]);
                        }
                    }
                }
            }
        }
    }

    /**
     * Reductions shorter than the kernels' 4-step unroll (k = 1, 2, 3) and one past it (k = 5), with one and two rows
     * per tile (the paired-row loop and the single-row tail): the blocked path gives the simple loop's bits.
     */
    @Test
    void blockedHandlesReductionsShorterThanTheUnroll() {
        Rng rng = new Rng(13);
        for (int k : new int[] {1, 2, 3, 5}) {
            for (int m : new int[] {1, 2, 7}) {
                Case cs = new Case(rng, false, (k & 1) != 0, m, 37, k, 1.1f, 0.9f, 1);
                float[] ref = cs.c0.clone();
                Gemm.gemmSimple(cs.ta, cs.tb, cs.m, cs.n, cs.k, cs.alpha, cs.a, cs.offA, cs.lda, cs.b, cs.offB, cs.ldb,
                        cs.beta, ref, cs.offC, cs.ldc);
                for (int mc : new int[] {1, 2, 4, 5}) {
                    for (int[] path : kernelPaths()) {
                        float[] c = cs.c0.clone();
                        Gemm.gemmBlocked(cs.ta, cs.tb, cs.m, cs.n, cs.k, cs.alpha, cs.a, cs.offA, cs.lda, cs.b,
                                cs.offB, cs.ldb, cs.beta, c, cs.offC, cs.ldc, mc, 16, path[0] == 1, path[1]);
                        assertArrayEquals(ref, c, cs + " mc=" + mc + " " + describe(path));
                    }
                }
            }
        }
    }

    /**
     * {vector?, strip} of each kernel path: the scalar kernel on B in rows always; when this JVM has the Vector API
     * module (surefire adds it) also its kernel on rows (a convolution's columns) and the panel kernels on strips of
     * 1 and 2 vectors and of Gemm.STRIP (the production one), so narrow, partial and full strips all run.
     */
    static int[][] kernelPaths() {
        if (!Simd.vectorApi()) return new int[][] {{0, 0}};
        int l = Simd.vectorLanes();
        return new int[][] {{0, 0}, {1, 0}, {1, l}, {1, 2 * l}, {1, Gemm.STRIP}};
    }

    static String describe(int[] path) {
        return (path[0] == 1 ? "vector" : "scalar") + (path[1] > 0 ? " panels of " + path[1] : " rows");
    }

    /** The test JVM is started with the Vector API module, so the vector kernel is among the paths compared above. */
    @Test
    void vectorKernelIsExercisedWhenTheModuleIsPresent() {
        boolean expect = Simd.vectorModulePresent() && !"false".equals(System.getProperty("jprune.vector"));
        assertEquals(expect, Simd.vectorApi(), Simd.describe());
        assertTrue(Simd.describe().startsWith("cpu kernels: "), Simd.describe());
    }

    /**
     * Multiplying by a pre-packed B gives the bits of the ordinary call (same per-element fma order) at odd shapes,
     * both storage orders of B and with alpha/beta; C outside its window is untouched, and old C (poisoned with NaN)
     * is ignored for beta == 0.
     */
    @Test
    void prepackedBEqualsUnpackedBitForBit() {
        Rng rng = new Rng(23);
        int[][] shapes = {{1, 1, 1}, {1, 300, 784}, {7, 129, 7}, {8, 10, 100}, {64, 500, 800}, {129, 385, 257},
                {3, 9, 0}};
        for (int[] sh : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                float beta = t == 3 ? 0.5f : 0f;
                Case cs = new Case(rng, ta, tb, sh[0], sh[1], sh[2], 1.25f, beta, 2);
                float[] expect = cs.runFast();
                check(cs, expect, cs.runNaive());
                PackedB pb = PackedB.pack(tb, cs.k, cs.n, cs.b, cs.offB, cs.ldb);
                float[] c = cs.c0.clone();
                Gemm.gemm(ta, cs.m, cs.alpha, cs.a, cs.offA, cs.lda, pb, cs.beta, c, cs.offC, cs.ldc);
                for (int idx = 0; idx < c.length; idx++) {
                    assertEquals(Float.floatToRawIntBits(expect[idx]), Float.floatToRawIntBits(c[idx]),
                            cs + " element " + idx);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> PackedB.pack(false, 4, 4, new float[15], 0, 4));
        PackedB pb = PackedB.pack(false, 4, 3, new float[12], 0, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, 2, 1f, new float[8], 0, 4, pb, 0f, new float[5], 0, 3));
        assertTrue(e.getMessage().startsWith("Gemm:"), e.getMessage());
    }

    /**
     * gemmColumns over ranges that tile [0, n) (aligned and unaligned starts, ranges inside one vector, across a strip
     * and across column chunks of NC) writes the whole product's bits, on B in panels and in rows; one range alone
     * leaves every other element of C untouched; ranges outside [0, n] are refused naming Gemm.
     */
    @Test
    void columnRangesEqualTheWholeProductBitForBit() {
        Rng rng = new Rng(29);
        int[][] shapes = {{1, 1, 3}, {8, 100, 300}, {7, 129, 7}, {33, 2 * Gemm.NC + 5, 20}, {4, 16, 0}};
        for (int[] sh : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                Case cs = new Case(rng, ta, tb, sh[0], sh[1], sh[2], 1.25f, t == 3 ? 0.5f : 0f, 2);
                float[] expect = cs.runFast();
                PackedB rowsLayout = PackedB.allocate(cs.k, cs.n);
                rowsLayout.fill(tb, cs.b, cs.offB, cs.ldb, false);
                for (PackedB pb : new PackedB[] {PackedB.pack(tb, cs.k, cs.n, cs.b, cs.offB, cs.ldb), rowsLayout}) {
                    int n = cs.n;
                    int[] cuts = {0, Math.min(n, 5), Math.min(n, 48), Math.min(n, 64), Math.min(n, Gemm.NC + 3), n};
                    float[] c = cs.c0.clone();
                    for (int i = 0; i + 1 < cuts.length; i++) {
                        Gemm.gemmColumns(ta, cs.m, cs.alpha, cs.a, cs.offA, cs.lda, pb, cs.beta, c, cs.offC, cs.ldc,
                                cuts[i], cuts[i + 1]);
                    }
                    for (int idx = 0; idx < c.length; idx++) {
                        assertEquals(Float.floatToRawIntBits(expect[idx]), Float.floatToRawIntBits(c[idx]),
                                cs + " rows layout " + pb.rowsLayout() + " element " + idx);
                    }
                    int j0 = Math.min(n, 3), j1 = Math.min(n, 40);
                    float[] one = cs.c0.clone();
                    Gemm.gemmColumns(ta, cs.m, cs.alpha, cs.a, cs.offA, cs.lda, pb, cs.beta, one, cs.offC, cs.ldc, j0,
                            j1);
                    for (int idx = 0; idx < one.length; idx++) {
                        int r = (idx - cs.offC) / cs.ldc, col = (idx - cs.offC) % cs.ldc;
                        boolean inside = idx >= cs.offC && r < cs.m && col >= j0 && col < j1;
                        float want = inside ? expect[idx] : cs.c0[idx];
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(one[idx]),
                                cs + " range [" + j0 + ", " + j1 + ") element " + idx);
                    }
                }
            }
        }
        PackedB pb = PackedB.pack(false, 4, 3, new float[12], 0, 3);
        for (int[] bad : new int[][] {{-1, 2}, {0, 4}, {2, 1}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gemm.gemmColumns(false, 2,
                    1f, new float[8], 0, 4, pb, 0f, new float[6], 0, 3, bad[0], bad[1]));
            assertTrue(e.getMessage().startsWith("Gemm: columns"), e.getMessage());
        }
    }

    /** A sub-block of C computed alone (via offsets) equals the same block of the full product, bit for bit. */
    @Test
    void subBlockEqualsBlockOfFullProduct() {
        Rng rng = new Rng(5);
        int m = 150, n = 333, k = 300;
        float[] a = random(rng, m * k), b = random(rng, k * n);
        float[] full = new float[m * n];
        Gemm.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, full, 0, n);
        int i0 = 37, rows = 41, j0 = 101, cols = 129;
        float[] part = new float[rows * cols];
        Gemm.gemm(false, false, rows, cols, k, 1f, a, i0 * k, k, b, j0, n, 0f, part, 0, cols);
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) {
            assertEquals(Float.floatToRawIntBits(full[(i0 + i) * n + j0 + j]),
                    Float.floatToRawIntBits(part[i * cols + j]),
                    "C[" + (i0 + i) + "," + (j0 + j) + "]");
        }
    }

    @Test
    void badArgumentsThrowNamingGemmAndLeaveCUntouched() {
        float[] a = new float[12], b = new float[12], c = new float[12];
        java.util.Arrays.fill(c, 3f);
        List<Runnable> bad = new ArrayList<>();
        bad.add(() -> Gemm.gemm(false, false, -1, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 3)); // negative m
        bad.add(() -> Gemm.gemm(false, false, 3, 3, 4, 1f, a, 0, 3, b, 0, 3, 0f, c, 0, 3)); // lda 3 < k 4
        bad.add(() -> Gemm.gemm(true, false, 3, 3, 4, 1f, a, 0, 2, b, 0, 3, 0f, c, 0, 3)); // lda 2 < m 3 for A^T
        bad.add(() -> Gemm.gemm(false, false, 3, 3, 4, 1f, a, 1, 4, b, 0, 3, 0f, c, 0, 3)); // A runs past the end
        bad.add(() -> Gemm.gemm(false, false, 3, 4, 4, 1f, a, 0, 4, b, 0, 4, 0f, c, 0, 4)); // B [4,4] needs 16
        bad.add(() -> Gemm.gemm(false, true, 3, 4, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 4)); // ldb 3 < k 4 for B^T
        bad.add(() -> Gemm.gemm(false, false, 3, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 5)); // C [3,3] ldc 5 needs 13
        bad.add(() -> Gemm.gemm(false, false, 3, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, -1, 3)); // negative offset
        bad.add(() -> Gemm.gemm(false, false, 2, 2, 4, 1f, c, 0, 4, b, 0, 3, 0f, c, 2, 3)); // C overlaps A
        bad.add(() -> Gemm.gemm(false, false, 3, 3, 4, 1f, null, 0, 4, b, 0, 3, 0f, c, 0, 3)); // null A
        for (int i = 0; i < bad.size(); i++) {
            Runnable r = bad.get(i);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run, "case " + i);
            assertTrue(e.getMessage().startsWith("Gemm:"), e.getMessage());
            for (float v : c) assertEquals(3f, v, 0f, "case " + i + " modified C");
        }
        // the same call with valid arguments runs (so the cases above fail for the reason stated)
        Gemm.gemm(false, false, 3, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 3);
    }
}
