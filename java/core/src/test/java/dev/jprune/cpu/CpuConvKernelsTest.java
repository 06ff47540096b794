package dev.jprune.cpu;

import dev.jprune.nn.Dropout;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.tensor.Tensor;
import dev.jprune.testutil.Close;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.jprune.testutil.TestArrays.nan;
import static dev.jprune.testutil.TestArrays.random;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The GPU's CPU twins (CpuConvKernels) against the layers and references they stand for, on the CPU: the batched
 * conv pipeline (im2col → GEMM → rowsToNchw, and the backward) against NaiveConv2d, maxPool* bit for bit against
 * MaxPool2d and NaiveMaxPool2d's argmax, dropout* bit for bit against Dropout.
 */
class CpuConvKernelsTest {
    private static void assertBits(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    // {n, c, h, w, f, k, stride, pad}
    static final int[][] CONV_SHAPES = {
            {1, 1, 1, 1, 1, 1, 1, 0}, {2, 3, 7, 5, 4, 3, 1, 1}, {3, 2, 9, 9, 5, 3, 2, 0}, {1, 1, 28, 28, 6, 5, 1, 2},
            {2, 6, 14, 14, 16, 5, 1, 0}, {2, 3, 8, 7, 3, 4, 3, 2}, {1, 2, 3, 3, 2, 5, 1, 2}};

    @Test
    void batchedConvPipelineEqualsNaiveConv2d() {
        Rng r = new Rng(11);
        for (int[] s : CONV_SHAPES) {
            int n = s[0], c = s[1], h = s[2], w = s[3], f = s[4], k = s[5], st = s[6], pad = s[7];
            int oh = Im2col.outSize(h, k, st, pad), ow = Im2col.outSize(w, k, st, pad), p = oh * ow, np = n * p,
                    ckk = c * k * k;
            String tag = Arrays.toString(s);
            Tensor x = Tensor.wrap(random(r, n * c * h * w), n, c, h, w);
            Tensor wt = Tensor.wrap(random(r, f * ckk), f, c, k, k);
            Tensor b = Tensor.wrap(random(r, f), f);
            Tensor dy = Tensor.wrap(random(r, n * f * p), n, f, oh, ow);

            float[] col = nan(ckk * np), rows = nan(f * np), y = nan(n * f * p);
            CpuConvKernels.im2col(x.data, n, c, h, w, k, k, st, pad, col);
            NaiveGemm.gemm(false, false, f, np, ckk, 1f, wt.data, 0, ckk, col, 0, np, 0f, rows, 0, np);
            CpuConvKernels.rowsToNchw(rows, b.data, n, f, p, y);
            double tol = 1e-6 * Math.sqrt(ckk);
            Close.assertClose("forward " + tag, NaiveConv2d.forward(x, wt, b, st, pad).data, y, 1e-5, tol);

            float[] dyRows = nan(f * np);
            CpuConvKernels.nchwToRows(dy.data, n, f, p, dyRows);
            float[] dw = random(r, f * ckk), dw0 = dw.clone(), db = random(r, f), db0 = db.clone();
            NaiveGemm.gemm(false, true, f, ckk, np, 1f, dyRows, 0, np, col, 0, np, 1f, dw, 0, ckk);
            CpuConvKernels.biasGradNchw(dy.data, n, f, p, db);
            float[] dcol = nan(ckk * np), dx = nan(n * c * h * w);
            NaiveGemm.gemm(true, false, ckk, np, f, 1f, wt.data, 0, ckk, dyRows, 0, np, 0f, dcol, 0, np);
            CpuConvKernels.col2im(dcol, n, c, h, w, k, k, st, pad, dx);

            float[] gw = NaiveConv2d.gradWeight(x, dy, k, st, pad).data, gb = NaiveConv2d.gradBias(dy).data;
            for (int i = 0; i < gw.length; i++) gw[i] += dw0[i];  // dw and db accumulate
            for (int i = 0; i < gb.length; i++) gb[i] += db0[i];
            Close.assertClose("dW " + tag, gw, dw, 1e-5, 1e-6 * Math.sqrt(np));
            Close.assertClose("db " + tag, gb, db, 1e-6, 1e-6);
            Close.assertClose("dx " + tag, NaiveConv2d.gradInput(dy, wt, x.shape(), st, pad).data, dx, 1e-5,
                    1e-6 * Math.sqrt(f * k * k));
        }
    }

    @Test
    void batchedColumnsHoldThePerImageIm2colAndCol2imIsItsAdjoint() {
        Rng r = new Rng(12);
        int n = 3, c = 2, h = 7, w = 6, kh = 3, kw = 2, st = 2, pad = 1;
        int oh = Im2col.outSize(h, kh, st, pad), ow = Im2col.outSize(w, kw, st, pad), p = oh * ow, rows = c * kh * kw;
        float[] x = random(r, n * c * h * w), col = nan(rows * n * p);
        CpuConvKernels.im2col(x, n, c, h, w, kh, kw, st, pad, col);
        for (int i = 0; i < n; i++) {
            float[] one = new float[rows * p];
            Im2col.im2col(x, i * c * h * w, c, h, w, kh, kw, st, pad, oh, ow, one);
            for (int row = 0; row < rows; row++) {
                for (int q = 0; q < p; q++)
                    assertEquals(one[row * p + q], col[row * n * p + i * p + q],
                            "image " + i + " row " + row + " col " + q);
            }
        }
        // <im2col(x), g> == <x, col2im(g)>
        float[] g = random(r, col.length), dx = nan(x.length);
        CpuConvKernels.col2im(g, n, c, h, w, kh, kw, st, pad, dx);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < col.length; i++) lhs += (double) col[i] * g[i];
        for (int i = 0; i < x.length; i++) rhs += (double) x[i] * dx[i];
        assertEquals(lhs, rhs, 1e-5 * Math.max(1, Math.abs(lhs)));
    }

    @Test
    void maxPoolTwinsEqualMaxPool2dBitForBit() {
        Rng r = new Rng(13);
        // {n, c, h, w, k, s}: non-overlapping, overlapping (s < k), gaps (s > k), window == input, odd sizes
        int[][] shapes = {{1, 1, 1, 1, 1, 1}, {2, 3, 8, 8, 2, 2}, {1, 2, 7, 9, 3, 2}, {2, 1, 7, 7, 2, 3},
                {1, 1, 5, 5, 5, 1}, {3, 2, 129, 7, 3, 1}};
        for (int[] s : shapes) {
            int n = s[0], c = s[1], h = s[2], w = s[3], k = s[4], st = s[5];
            float[] x = random(r, n * c * h * w);
            // Ties and NaN: quantise some values so windows hold equal maxima, poison a few with NaN.
            for (int i = 0; i < x.length; i++) {
                if (i % 3 == 0) x[i] = Math.round(x[i] * 2) / 2f;
                if (i % 17 == 5) x[i] = Float.NaN;
            }
            MaxPool2d layer = new MaxPool2d(k, st);
            Tensor xt = Tensor.wrap(x.clone(), n, c, h, w);
            Tensor yl = layer.forward(xt, true);
            float[] y = nan(yl.size());
            int[] am = new int[yl.size()];
            Arrays.fill(am, -7);
            CpuConvKernels.maxPoolForward(x, n, c, h, w, k, st, y, am);
            assertBits("maxpool y " + Arrays.toString(s), yl.data, y);
            assertArrayEquals(NaiveMaxPool2d.argmax(xt, k, st), am, "argmax vs NaiveMaxPool2d " + Arrays.toString(s));

            float[] dy = random(r, yl.size());
            Tensor dxl = layer.backward(Tensor.wrap(dy.clone(), yl.shape()));
            float[] dx = nan(x.length);
            CpuConvKernels.maxPoolBackward(dy, am, n, c, h, w, k, st, dx);
            assertBits("maxpool dx " + Arrays.toString(s), dxl.data, dx);
        }
    }

    @Test
    void dropoutTwinsEqualDropoutBitForBit() {
        Rng r = new Rng(14);
        for (int size : new int[] {1, 7, 129, 1000, 4099}) {
            for (float p : new float[] {0f, 0.1f, 0.5f, 0.9f}) {
                long seed = r.nextLong();
                Dropout layer = new Dropout(p, seed);
                for (long stream = 0; stream < 3; stream++) {  // the layer's call counter is the stream
                    float[] x = random(r, size);
                    Tensor yl = layer.forward(Tensor.wrap(x.clone(), size), true);
                    float[] y = nan(size);
                    byte[] keep = new byte[size];
                    Arrays.fill(keep, (byte) 7);
                    CpuConvKernels.dropoutForward(x, size, p, seed, stream, y, keep);
                    assertBits("dropout y n=" + size + " p=" + p + " stream " + stream, yl.data, y);
                    float[] dy = random(r, size);
                    Tensor dxl = layer.backward(Tensor.wrap(dy.clone(), size));
                    float[] dx = nan(size);
                    CpuConvKernels.dropoutBackward(dy, keep, size, p, dx);
                    assertBits("dropout dx n=" + size + " p=" + p, dxl.data, dx);
                    int kept = 0;
                    for (int i = 0; i < size; i++) {
                        assertTrue(keep[i] == 0 || keep[i] == 1, "mask byte " + keep[i]);
                        kept += keep[i];
                        // the mask is what the layer dropped: y == 0 exactly where keep == 0 (x is never 0 here)
                        assertEquals(keep[i] == 0, yl.data[i] == 0f, "mask vs layer output at " + i);
                    }
                    if (p == 0f) assertEquals(size, kept);
                    if (size >= 1000) assertEquals(1 - p, kept / (double) size, 0.06, "keep rate");
                }
            }
        }
    }

    @Test
    void badArgumentsAreRejected() {
        float[] a = new float[100];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuConvKernels.im2col(a, 1, 1, 2, 2, 5, 5, 1, 0, a));
        assertTrue(e.getMessage().contains("smaller than the kernel"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CpuConvKernels.im2col(a, 1, 1, 10, 10, 3, 3, 1, 1, new float[10]));
        assertThrows(IllegalArgumentException.class,
                () -> CpuConvKernels.maxPoolBackward(a, new int[] {100}, 1, 1, 10, 10, 10, 10, a));
        assertThrows(IllegalArgumentException.class,
                () -> CpuConvKernels.dropoutForward(a, 10, 1f, 0, 0, a, new byte[10]));
    }
}
