package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jprune.util.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * SparseKernels against the naive double-accumulated product of the dense weight (the tolerance rule of GemmTest)
 * and, bit for bit, against Gemm on the same dense weight: the sparse kernels run Gemm's fma sequence minus the zero
 * weights.
 * Odd shapes, empty and full rows, poisoned outputs (rows outside [r0, r1) must stay untouched), with and without bias
 * and ReLU, both kernel paths.
 */
class SparseKernelsTest {

    /** A random CSR matrix [rows, cols] with the given density (row 0 empty, row rows-1 full when rows &gt; 2). */
    private static final class Mat {
        final int rows, cols;
        final float[] dense;
        final int[] rp;
        final char[] ci;
        final float[] v;

        Mat(Rng rng, int rows, int cols, double density) {
            this.rows = rows;
            this.cols = cols;
            dense = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    boolean on = r == 0 ? false : (rows > 2 && r == rows - 1) || rng.nextDouble() < density;
                    if (on) dense[r * cols + c] = 0.05f + 0.95f * rng.nextFloat() * (rng.nextDouble() < 0.5 ? -1 : 1);
                }
            }
            int nnz = 0;
            for (float x : dense) if (x != 0f) nnz++;
            rp = new int[rows + 1];
            ci = new char[nnz];
            v = new float[nnz];
            int k = 0;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    if (dense[r * cols + c] != 0f) {
                        ci[k] = (char) c;
                        v[k++] = dense[r * cols + c];
                    }
                }
                rp[r + 1] = k;
            }
        }
    }

    private static final int[][] SHAPES = {{1, 1}, {1, 7}, {7, 1}, {7, 129}, {129, 7}, {129, 129}, {300, 784},
            {10, 100}};
    private static final double[] DENSITIES = {0.0, 0.01, 0.1, 0.5, 1.0};

    /** y[s, j] over n samples x [n, cols]: Gemm on the dense weight, then bias and ReLU as the kernels apply them. */
    private static float[] gemmReference(Mat w, float[] x, int n, float[] bias, boolean relu) {
        float[] y = new float[n * w.rows];
        Gemm.gemm(false, true, n, w.rows, w.cols, 1f, x, 0, w.cols, w.dense, 0, w.cols, 0f, y, 0, w.rows);
        for (int s = 0; s < n; s++) {
            for (int j = 0; j < w.rows; j++) {
                float t = bias == null ? y[s * w.rows + j] : y[s * w.rows + j] + bias[j];
                y[s * w.rows + j] = relu ? (t > 0f ? t : 0f) : t;
            }
        }
        return y;
    }

    private static void checkNaive(String what, Mat w, float[] x, int n, float[] bias, boolean relu, float[] y) {
        double atol = 1e-5 * Math.sqrt(Math.max(1, w.cols)), rtol = 1e-5;
        for (int s = 0; s < n; s++) {
            for (int j = 0; j < w.rows; j++) {
                double acc = bias == null ? 0 : bias[j];
                for (int c = 0; c < w.cols; c++) acc += (double) w.dense[j * w.cols + c] * x[s * w.cols + c];
                if (relu) acc = Math.max(0, acc);
                float got = y[s * w.rows + j];
                if (!(Math.abs(got - acc) <= atol + rtol * Math.abs(acc))) {
                    fail(what + ": sample " + s + " row " + j + " got " + got + " naive " + acc);
                }
            }
        }
    }

    @Test
    void csrVectorMatchesNaiveAndGemmBitForBit() {
        Rng rng = new Rng(17);
        for (int[] sh : SHAPES) {
            for (double d : DENSITIES) {
                Mat w = new Mat(rng, sh[0], sh[1], d);
                float[] x = new float[w.cols], bias = new float[w.rows];
                rng.fillUniform(x, -1f, 1f);
                rng.fillUniform(bias, -1f, 1f);
                for (int variant = 0; variant < 4; variant++) {
                    boolean relu = (variant & 1) != 0;
                    float[] b = (variant & 2) != 0 ? bias : null;
                    String what = "csrVector [" + w.rows + ", " + w.cols + "] density " + d + " relu " + relu
                            + " bias " + (b != null);
                    int off = 3;
                    float[] y = new float[w.rows + 2 * off];
                    Arrays.fill(y, Float.NaN); // poisoned: every row must be written, nothing else
                    SparseKernels.csrVector(w.rp, w.ci, w.v, x, b, relu, y, off, 0, w.rows);
                    float[] got = Arrays.copyOfRange(y, off, off + w.rows);
                    checkNaive(what, w, x, 1, b, relu, got);
                    float[] ref = gemmReference(w, x, 1, b, relu);
                    for (int j = 0; j < w.rows; j++) {
                        assertEquals(Float.floatToRawIntBits(ref[j]), Float.floatToRawIntBits(got[j]),
                                what + " row " + j + " vs Gemm");
                    }
                    for (int i = 0; i < off; i++) {
                        assertEquals(Float.NaN, y[i], what + " wrote before its range");
                        assertEquals(Float.NaN, y[off + w.rows + i], what + " wrote past its range");
                    }
                }
            }
        }
    }

    /**
     * Feature-major rows, n samples: equal to csrVector sample by sample (and so to Gemm) bit for bit, on both kernel
     * paths, at batch sizes around every block size of both paths; a row range [r0, r1) leaves other rows untouched.
     */
    @Test
    void csrRowsEqualsCsrVectorPerSampleOnBothPaths() {
        Rng rng = new Rng(29);
        for (int[] sh : SHAPES) {
            for (double d : new double[] {0.0, 0.1, 1.0}) {
                Mat w = new Mat(rng, sh[0], sh[1], d);
                float[] bias = new float[w.rows];
                rng.fillUniform(bias, -1f, 1f);
                for (int n : new int[] {1, 7, 8, 9, 16, 17, 32, 33, 48, 64, 129}) {
                    float[] x = new float[n * w.cols];
                    rng.fillUniform(x, -1f, 1f);
                    float[][] xt = new float[w.cols][Gemm.padded(n)];
                    for (int s = 0; s < n; s++) for (int c = 0; c < w.cols; c++) xt[c][s] = x[s * w.cols + c];
                    float[] expect = new float[n * w.rows];
                    for (int s = 0; s < n; s++) {
                        float[] one = Arrays.copyOfRange(x, s * w.cols, (s + 1) * w.cols);
                        SparseKernels.csrVector(w.rp, w.ci, w.v, one, bias, true, expect, s * w.rows, 0, w.rows);
                    }
                    int r0 = w.rows > 2 ? 1 : 0, r1 = w.rows;
                    for (boolean scalar : new boolean[] {true, false}) {
                        float[][] yt = new float[w.rows][Gemm.padded(n)];
                        for (float[] r : yt) Arrays.fill(r, Float.NaN);
                        if (scalar) SparseKernels.csrRowsScalar(w.rp, w.ci, w.v, xt, n, bias, true, yt, r0, r1);
                        else SparseKernels.csrRows(w.rp, w.ci, w.v, xt, n, bias, true, yt, r0, r1);
                        String what = (scalar ? "scalar" : "dispatched") + " csrRows [" + w.rows + ", " + w.cols
                                + "] density " + d + " n " + n;
                        for (int j = 0; j < w.rows; j++) {
                            for (int s = 0; s < n; s++) {
                                if (j < r0) {
                                    assertEquals(Float.NaN, yt[j][s], what + ": row " + j + " outside the range");
                                } else {
                                    assertEquals(Float.floatToRawIntBits(expect[s * w.rows + j]),
                                            Float.floatToRawIntBits(yt[j][s]), what + " row " + j + " sample " + s);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Lane blocks (small batches in one flat array, stride lanesStride(n)): equal to csrVector sample by sample bit for
     * bit, at batch sizes around the 8-lane block; rows outside [r0, r1) and the padding lanes' inputs do not matter.
     */
    @Test
    void csrLanesEqualsCsrVectorPerSample() {
        Rng rng = new Rng(37);
        for (int[] sh : SHAPES) {
            for (double d : new double[] {0.0, 0.1, 1.0}) {
                Mat w = new Mat(rng, sh[0], sh[1], d);
                float[] bias = new float[w.rows];
                rng.fillUniform(bias, -1f, 1f);
                for (int n : new int[] {1, 4, 7, 8, 9, 16, 17, 31, 32}) {
                    int ld = SparseKernels.lanesStride(n);
                    assertEquals(0, ld % 8, "stride " + ld);
                    assertEquals(true, ld >= n && ld < n + 16, "stride " + ld + " for " + n);
                    float[] x = new float[n * w.cols];
                    rng.fillUniform(x, -1f, 1f);
                    float[] xl = new float[w.cols * ld];
                    Arrays.fill(xl, Float.NaN); // padding lanes: their outputs are not read
                    for (int s = 0; s < n; s++) for (int c = 0; c < w.cols; c++) xl[c * ld + s] = x[s * w.cols + c];
                    for (int variant = 0; variant < 4; variant++) {
                        boolean relu = (variant & 1) != 0;
                        float[] b = (variant & 2) != 0 ? bias : null;
                        float[] expect = new float[n * w.rows];
                        for (int s = 0; s < n; s++) {
                            float[] one = Arrays.copyOfRange(x, s * w.cols, (s + 1) * w.cols);
                            SparseKernels.csrVector(w.rp, w.ci, w.v, one, b, relu, expect, s * w.rows, 0, w.rows);
                        }
                        int r0 = w.rows > 2 ? 1 : 0, r1 = w.rows > 2 ? w.rows - 1 : w.rows;
                        String what = "csrLanes [" + w.rows + ", " + w.cols + "] density " + d + " n " + n + " relu "
                                + relu + " bias " + (b != null);
                        for (boolean scalar : new boolean[] {true, false}) {
                            float[] yl = new float[w.rows * ld];
                            Arrays.fill(yl, -7f);
                            if (scalar) SparseKernels.csrLanesScalar(w.rp, w.ci, w.v, xl, n, b, relu, yl, r0, r1);
                            else SparseKernels.csrLanes(w.rp, w.ci, w.v, xl, n, b, relu, yl, r0, r1);
                            checkLanes((scalar ? "scalar " : "dispatched ") + what, expect, yl, w.rows, n, r0, r1);
                        }
                    }
                }
            }
        }
    }

    /**
     * Non-finite and signed-zero activations: both lane paths give csrVector's values (NaN compared as NaN), ReLU
     * turning NaN and -0 into +0. And in this JVM (Vector API module present) the dispatched path is the vector one.
     */
    @Test
    void csrLanesMatchesCsrVectorOnNonFiniteActivations() {
        assertEquals(Simd.vectorApi() && VectorShape.LANES >= 8, SparseKernels.VECTOR_LANES, "lane path follows Simd");
        Rng rng = new Rng(41);
        Mat w = new Mat(rng, 13, 9, 0.6);
        int n = 8, ld = SparseKernels.lanesStride(n);
        float[] x = new float[n * w.cols];
        rng.fillUniform(x, -1f, 1f);
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f};
        for (int i = 0; i < special.length; i++) x[(i * 11) % x.length] = special[i];
        float[] xl = new float[w.cols * ld];
        for (int s = 0; s < n; s++) for (int c = 0; c < w.cols; c++) xl[c * ld + s] = x[s * w.cols + c];
        float[] bias = new float[w.rows];
        rng.fillUniform(bias, -1f, 1f);
        for (boolean relu : new boolean[] {false, true}) {
            float[] expect = new float[n * w.rows];
            for (int s = 0; s < n; s++) {
                float[] one = Arrays.copyOfRange(x, s * w.cols, (s + 1) * w.cols);
                SparseKernels.csrVector(w.rp, w.ci, w.v, one, bias, relu, expect, s * w.rows, 0, w.rows);
            }
            for (boolean scalar : new boolean[] {true, false}) {
                float[] yl = new float[w.rows * ld];
                if (scalar) SparseKernels.csrLanesScalar(w.rp, w.ci, w.v, xl, n, bias, relu, yl, 0, w.rows);
                else SparseKernels.csrLanes(w.rp, w.ci, w.v, xl, n, bias, relu, yl, 0, w.rows);
                for (int j = 0; j < w.rows; j++) {
                    for (int s = 0; s < n; s++) {
                        float e = expect[s * w.rows + j], g = yl[j * ld + s];
                        assertEquals(Float.floatToIntBits(e), Float.floatToIntBits(g),
                                (scalar ? "scalar" : "dispatched")
                                + " relu " + relu + " row " + j + " sample " + s + ": " + e + " vs " + g);
                        if (relu) assertEquals(true, Float.floatToRawIntBits(g) >= 0 && !Float.isNaN(g), "relu " + g);
                    }
                }
            }
        }
    }

    /** yl's rows [r0, r1) hold expect [n, rows] bit for bit in lane blocks; other rows keep the poison -7. */
    private static void checkLanes(String what, float[] expect, float[] yl, int rows, int n, int r0, int r1) {
        int ld = SparseKernels.lanesStride(n);
        for (int j = 0; j < rows; j++) {
            for (int s = 0; s < ld; s++) {
                float got = yl[j * ld + s];
                if (j < r0 || j >= r1) {
                    assertEquals(-7f, got, what + ": row " + j + " outside the range");
                } else if (s < n) {
                    assertEquals(Float.floatToRawIntBits(expect[s * rows + j]), Float.floatToRawIntBits(got),
                            what + " row " + j + " sample " + s);
                }
            }
        }
    }

    /** Activations taken from a packed [K, P] matrix chunk by chunk give the columns of the unpacked product. */
    @Test
    void csrPackedEqualsCsrRowsPerChunk() {
        Rng rng = new Rng(31);
        Mat w = new Mat(rng, 9, 27, 0.3);
        int p = 1000; // three chunks of the packed layout
        float[] b = new float[w.cols * p];
        rng.fillUniform(b, -1f, 1f);
        PackedB packed = PackedB.allocate(w.cols, p, Gemm.NC, 0); // the rows layout im2colPacked writes
        packed.fill(false, b, 0, p, false);
        float[][] xt = new float[w.cols][Gemm.padded(p)];
        for (int c = 0; c < w.cols; c++) System.arraycopy(b, c * p, xt[c], 0, p);
        float[][] whole = new float[w.rows][Gemm.padded(p)];
        SparseKernels.csrRows(w.rp, w.ci, w.v, xt, p, null, false, whole, 0, w.rows);
        float[][] part = new float[w.rows][Gemm.padded(packed.chunkWidth(0))];
        for (int ch = 0; ch < packed.chunks(); ch++) {
            SparseKernels.csrPacked(w.rp, w.ci, w.v, packed, ch, null, false, part, 0, w.rows);
            for (int j = 0; j < w.rows; j++) {
                for (int s = 0; s < packed.chunkWidth(ch); s++) {
                    assertEquals(Float.floatToRawIntBits(whole[j][packed.chunkStart(ch) + s]),
                            Float.floatToRawIntBits(part[j][s]), "chunk " + ch + " row " + j + " column " + s);
                }
            }
        }
        assertEquals(3, packed.chunks());
    }
}
