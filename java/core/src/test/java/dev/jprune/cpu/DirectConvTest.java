package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DirectConv (both paths) bit for bit against the im2col kernels it replaces ({@link Im2col#im2colPacked} +
 * {@link SparseKernels#csrPacked}, the same fma sequence), and against {@link NaiveConv2d} within the tolerance rule
 * of GemmTest (atol 1e-5·sqrt(k), rtol 1e-5). Odd shapes (1x1 images, 1x1 kernels, positions that end in every kind
 * of tile), padding 0-2, empty and full filters, a filter range [f0, f1) with poisoned outputs outside it, NaN and
 * ±Inf pixels.
 */
class DirectConvTest {

    /** c, h, w, k, pad, filters. */
    private static final int[][] SHAPES = {
        {1, 1, 1, 1, 0, 1}, {1, 5, 5, 5, 0, 3}, {1, 7, 9, 3, 1, 7}, {3, 7, 7, 3, 2, 5}, {2, 12, 12, 5, 0, 9},
        {1, 28, 28, 5, 0, 20}, {20, 12, 12, 5, 0, 50}, {3, 32, 32, 3, 1, 8}, {2, 9, 31, 1, 0, 6}, {4, 13, 6, 3, 1, 129},
    };

    /** A weight [f, c·k·k] with the given density, filter 0 empty and the last one full (when f &gt; 2). */
    private static float[] weight(Rng rng, int f, int cols, double density) {
        float[] d = new float[f * cols];
        for (int r = 0; r < f; r++) {
            for (int j = 0; j < cols; j++) {
                boolean on = r != 0 && ((f > 2 && r == f - 1) || rng.nextDouble() < density);
                if (on) d[r * cols + j] = 0.05f + 0.95f * rng.nextFloat() * (rng.nextDouble() < 0.5 ? -1 : 1);
            }
        }
        return d;
    }

    /** {rowPtr, colIdx (int), colIdx (char), values} of a dense [rows, cols] matrix. */
    private static Object[] csr(float[] d, int rows, int cols) {
        int nnz = 0;
        for (float x : d) if (x != 0f) nnz++;
        int[] rp = new int[rows + 1], ci = new int[nnz];
        char[] c16 = new char[nnz];
        float[] v = new float[nnz];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                if (d[r * cols + j] != 0f) {
                    ci[k] = j;
                    c16[k] = (char) j;
                    v[k++] = d[r * cols + j];
                }
            }
            rp[r + 1] = k;
        }
        return new Object[] {rp, ci, c16, v};
    }

    /** The im2col route for one image: y[f, oh·ow] for every filter. */
    private static float[] im2colRoute(Object[] w, int f, float[] x, int c, int h, int wd, int k, int pad,
                                       float[] bias, boolean relu) {
        int oh = h + 2 * pad - k + 1, ow = wd + 2 * pad - k + 1, p = oh * ow, cols = c * k * k;
        PackedB packed = PackedB.allocate(cols, p);
        Im2col.im2colPacked(x, 0, c, h, wd, k, k, 1, pad, oh, ow, packed, 0);
        float[] y = new float[f * p];
        for (int ch = 0; ch < packed.chunks(); ch++) {
            float[][] rows = new float[f][Gemm.padded(packed.chunkWidth(ch))];
            SparseKernels.csrPacked((int[]) w[0], (char[]) w[2], (float[]) w[3], packed, ch, bias, relu, rows, 0, f);
            for (int r = 0; r < f; r++) {
                System.arraycopy(rows[r], 0, y, r * p + packed.chunkStart(ch), packed.chunkWidth(ch));
            }
        }
        return y;
    }

    private interface Kernel {
        void run(int[] rp, int[] off, float[] v, float[] x, int xOff, int wp, int oh, int ow, float[] bias,
                 boolean relu, float[] y, int yOff, int f0, int f1);
    }

    private static List<Kernel> paths() {
        List<Kernel> paths = new ArrayList<>(List.of(DirectConv::convScalar, DirectConv::conv));
        if (Gemm.VECTOR) paths.add(VectorDirectConv::conv);
        return paths;
    }

    @Test
    void bothPathsEqualTheIm2colKernelsBitForBitAndLeaveOtherFiltersAlone() {
        Rng rng = new Rng(41);
        int cases = 0;
        for (int[] s : SHAPES) {
            int c = s[0], h = s[1], wd = s[2], k = s[3], pad = s[4], f = s[5], cols = c * k * k;
            int hp = h + 2 * pad, wp = wd + 2 * pad, oh = hp - k + 1, ow = wp - k + 1;
            for (double density : new double[] {0.0, 0.1, 0.5, 1.0}) {
                Object[] w = csr(weight(rng, f, cols, density), f, cols);
                int[] off = DirectConv.offsets((int[]) w[1], ((int[]) w[1]).length, k, k, hp, wp);
                float[] x = new float[c * h * wd];
                rng.fillUniform(x, -1f, 1f);
                float[] bias = new float[f];
                rng.fillUniform(bias, -0.5f, 0.5f);
                // the image at an offset inside a larger buffer, the rest poisoned: the kernels read only the slack
                int xOff = 5;
                float[] xp = new float[xOff + (int) DirectConv.paddedLength(c, hp, wp, k) + 3];
                Arrays.fill(xp, Float.NaN);
                DirectConv.pad(x, 0, c, h, wd, pad, k, xp, xOff);
                for (boolean relu : new boolean[] {false, true}) {
                    float[] want = im2colRoute(w, f, x, c, h, wd, k, pad, bias, relu);
                    int f0 = f > 2 ? 1 : 0, f1 = f > 3 ? f - 1 : f, yOff = 3;
                    for (Kernel kern : paths()) {
                        float[] y = new float[yOff + f * oh * ow + 2];
                        Arrays.fill(y, -7f);
                        kern.run((int[]) w[0], off, (float[]) w[3], xp, xOff, wp, oh, ow, bias, relu, y, yOff, f0, f1);
                        String at = Arrays.toString(s) + " density " + density + " relu " + relu;
                        for (int i = 0; i < y.length; i++) {
                            int fi = (i - yOff) / (oh * ow);
                            boolean inside = i >= yOff && i < yOff + f * oh * ow && fi >= f0 && fi < f1;
                            if (!inside) {
                                assertEquals(-7f, y[i], at + ": element " + i + " outside filters [f0, f1) written");
                            } else if (Float.floatToRawIntBits(y[i]) != Float.floatToRawIntBits(want[i - yOff])) {
                                fail(at + ": element " + (i - yOff) + " is " + y[i] + ", the im2col kernels give "
                                        + want[i - yOff]);
                            }
                        }
                        cases++;
                    }
                }
            }
        }
        assertTrue(cases >= SHAPES.length * 4 * 2 * 2, "cases run: " + cases);
    }

    @Test
    void matchesTheNaiveConvolutionWithinTheToleranceRule() {
        Rng rng = new Rng(42);
        for (int[] s : SHAPES) {
            int c = s[0], h = s[1], wd = s[2], k = s[3], pad = s[4], f = s[5], cols = c * k * k;
            int hp = h + 2 * pad, wp = wd + 2 * pad, oh = hp - k + 1, ow = wp - k + 1;
            float[] dense = weight(rng, f, cols, 0.3);
            Object[] w = csr(dense, f, cols);
            Tensor x = Tensor.zeros(1, c, h, wd);
            rng.fillUniform(x.data, -1f, 1f);
            Tensor bias = Tensor.zeros(f);
            rng.fillUniform(bias.data, -0.5f, 0.5f);
            float[] want = NaiveConv2d.forward(x, Tensor.wrap(dense, f, c, k, k), bias, 1, pad).data;
            float[] xp = new float[(int) DirectConv.paddedLength(c, hp, wp, k)];
            DirectConv.pad(x.data, 0, c, h, wd, pad, k, xp, 0);
            int[] off = DirectConv.offsets((int[]) w[1], ((int[]) w[1]).length, k, k, hp, wp);
            for (Kernel kern : paths()) {
                float[] y = new float[f * oh * ow];
                Arrays.fill(y, Float.NaN);
                kern.run((int[]) w[0], off, (float[]) w[3], xp, 0, wp, oh, ow, bias.data, false, y, 0, 0, f);
                for (int i = 0; i < y.length; i++) {
                    // GemmTest's rule: atol + rtol·|ref|, atol = 1e-5·sqrt(k), rtol = 1e-5
                    double tol = 1e-5 * Math.sqrt(cols) + 1e-5 * Math.abs(want[i]);
                    if (!(Math.abs(y[i] - want[i]) <= tol)) {
                        fail(Arrays.toString(s) + ": output " + i + " is " + y[i] + ", naive " + want[i]);
                    }
                }
            }
        }
    }

    @Test
    void nanAndInfinitePixelsReachTheSameOutputsAsTheIm2colKernels() {
        Rng rng = new Rng(43);
        int c = 2, h = 9, wd = 11, k = 3, pad = 1, f = 6, cols = c * k * k, hp = h + 2, wp = wd + 2;
        Object[] w = csr(weight(rng, f, cols, 0.6), f, cols);
        int[] off = DirectConv.offsets((int[]) w[1], ((int[]) w[1]).length, k, k, hp, wp);
        float[] x = new float[c * h * wd];
        rng.fillUniform(x, -1f, 1f);
        x[4] = Float.NaN;
        x[h * wd + 20] = Float.POSITIVE_INFINITY;
        x[h * wd + 57] = Float.NEGATIVE_INFINITY;
        x[wd * (h - 1)] = -0f;
        float[] bias = new float[f];
        float[] xp = new float[(int) DirectConv.paddedLength(c, hp, wp, k)];
        DirectConv.pad(x, 0, c, h, wd, pad, k, xp, 0);
        for (boolean relu : new boolean[] {false, true}) {
            float[] want = im2colRoute(w, f, x, c, h, wd, k, pad, bias, relu);
            int nonFinite = 0;
            for (float v : want) if (!Float.isFinite(v)) nonFinite++;
            assertTrue(relu || nonFinite > 0, "the fixture must produce non-finite outputs");
            for (Kernel kern : paths()) {
                float[] y = new float[want.length];
                kern.run((int[]) w[0], off, (float[]) w[3], xp, 0, wp, h, wd, bias, relu, y, 0, 0, f);
                for (int i = 0; i < y.length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(y[i]),
                            "relu " + relu + ", output " + i + ": " + y[i] + " vs " + want[i]);
                }
            }
        }
    }

    @Test
    void offsetsAndPaddingLayOutTheImageAsTheKernelsReadIt() {
        // column (c, ky, kx) of a 2-channel 3x3 filter in 6x7 padded planes
        int[] off = DirectConv.offsets(new int[] {0, 4, 8, 9, 17}, 5, 3, 3, 6, 7);
        assertEquals(List.of(0, 7 + 1, 2 * 7 + 2, 6 * 7, 6 * 7 + 2 * 7 + 2), Arrays.stream(off).boxed().toList());
        float[] x = {1, 2, 3, 4, 5, 6}; // one 2x3 plane
        float[] dst = new float[(int) DirectConv.paddedLength(1, 4, 5, 3) + 2];
        Arrays.fill(dst, 9f);
        DirectConv.pad(x, 0, 1, 2, 3, 1, 3, dst, 0);
        float[] want = {0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0};
        assertEquals(Arrays.toString(want), Arrays.toString(Arrays.copyOf(dst, 20)));
        for (int i = 20; i < 20 + DirectConv.slack(3); i++) assertEquals(0f, dst[i], "slack " + i + " zeroed");
        assertEquals(9f, dst[dst.length - 1], "nothing written past the slack");
    }
}
