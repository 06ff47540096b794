package dev.jprune.gpu;

import dev.jprune.cpu.CpuConvKernels;
import dev.jprune.cpu.Im2col;
import dev.jprune.cpu.NaiveConv2d;
import dev.jprune.nn.Dropout;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.jprune.testutil.TestArrays.nan;
import static dev.jprune.testutil.TestArrays.random;
import static org.junit.jupiter.api.Assertions.*;

/**
 * GPU ≡ CPU for the CNN layer families {@link GpuConvolution}, {@link GpuPooling} and {@link GpuDropout}: fresh random
 * inputs, shapes including 1, 7, 129 and odd sizes, outputs poisoned with NaN first, |gpu − cpu| ≤ atol + rtol·|cpu|
 * with the worst element printed. The data-movement ops (im2col, col2im, permutes, pooling, dropout) must match bit
 * for bit. Skips without a GPU.
 */
@Tag("gpu")
class GpuConvOpsTest extends GpuTestBase {
    // {n, c, h, w, f, k, stride, pad}: 1x1, odd sizes, stride 2/3, padding, LeNet conv1/conv2, 129 wide, kernel > input
    private static final int[][] CONV = {
            {1, 1, 1, 1, 1, 1, 1, 0}, {2, 3, 7, 5, 4, 3, 1, 1}, {3, 2, 9, 9, 5, 3, 2, 0}, {7, 1, 28, 28, 6, 5, 1, 2},
            {5, 6, 14, 14, 16, 5, 1, 0}, {2, 3, 8, 7, 3, 4, 3, 2}, {1, 2, 3, 3, 2, 5, 1, 2},
            {1, 1, 7, 129, 7, 3, 1, 1}};

    @Test
    void im2colCol2imAndPermutesAreExact() {
        Rng r = new Rng(31);
        for (int[] s : CONV) {
            int n = s[0], c = s[1], h = s[2], w = s[3], f = s[4], k = s[5], st = s[6], pad = s[7];
            for (int kw : new int[] {k, Math.max(1, k - 1)}) {  // a non-square kernel too
                if (w + 2 * pad < kw) continue;
                int oh = Im2col.outSize(h, k, st, pad), ow = Im2col.outSize(w, kw, st, pad), np = n * oh * ow;
                int colLen = c * k * kw * np, xLen = n * c * h * w;
                String tag = Arrays.toString(s) + " kw=" + kw;
                float[] x = random(r, xLen), g = random(r, colLen);
                float[] col = nan(colLen), dx = nan(xLen);
                CpuConvKernels.im2col(x, n, c, h, w, k, kw, st, pad, col);
                CpuConvKernels.col2im(g, n, c, h, w, k, kw, st, pad, dx);
                try (DeviceBuffer dxIn = ctx.upload(x); DeviceBuffer dcol = ctx.upload(nan(colLen));
                     DeviceBuffer dg = ctx.upload(g); DeviceBuffer ddx = ctx.upload(nan(xLen))) {
                    ops.convolution().im2col(dxIn, n, c, h, w, k, kw, st, pad, dcol);
                    assertClose("im2col " + tag, col, dcol.toFloatArray(), 0, 0);
                    ops.convolution().col2im(dg, n, c, h, w, k, kw, st, pad, ddx);
                    assertClose("col2im " + tag, dx, ddx.toFloatArray(), 0, 0);
                }
            }
        }
        for (int[] s : new int[][] {{1, 1, 1}, {7, 3, 129}, {129, 7, 1}, {3, 16, 100}}) {
            int n = s[0], f = s[1], p = s[2], len = n * f * p;
            float[] rows = random(r, len), y = random(r, len), bias = random(r, f);
            float[] cpuY = nan(len), cpuYnb = nan(len), cpuRows = nan(len);
            CpuConvKernels.rowsToNchw(rows, bias, n, f, p, cpuY);
            CpuConvKernels.rowsToNchw(rows, null, n, f, p, cpuYnb);
            CpuConvKernels.nchwToRows(y, n, f, p, cpuRows);
            try (DeviceBuffer dr = ctx.upload(rows); DeviceBuffer dy = ctx.upload(y);
                 DeviceBuffer db = ctx.upload(bias);
                 DeviceBuffer out = ctx.upload(nan(len))) {
                ops.convolution().rowsToNchw(dr, db, n, f, p, out);
                assertClose("rowsToNchw " + Arrays.toString(s), cpuY, out.toFloatArray(), 0, 0);
                out.upload(nan(len));
                ops.convolution().rowsToNchw(dr, null, n, f, p, out);
                assertClose("rowsToNchw no bias " + Arrays.toString(s), cpuYnb, out.toFloatArray(), 0, 0);
                out.upload(nan(len));
                ops.convolution().nchwToRows(dy, n, f, p, out);
                assertClose("nchwToRows " + Arrays.toString(s), cpuRows, out.toFloatArray(), 0, 0);
            }
        }
    }

    @Test
    void biasGradIsDeterministicAndMatches() {
        Rng r = new Rng(32);
        for (int[] s : new int[][] {{1, 1, 1}, {7, 3, 129}, {129, 7, 1}, {256, 6, 784}, {3, 129, 7}}) {
            int n = s[0], f = s[1], p = s[2];
            float[] dy = random(r, n * f * p), db = random(r, f);
            float[] cpu = db.clone();
            CpuConvKernels.biasGradNchw(dy, n, f, p, cpu);
            try (DeviceBuffer ddy = ctx.upload(dy); DeviceBuffer ddb = ctx.upload(db)) {
                ops.convolution().biasGradNchw(ddy, n, f, p, ddb);
                float[] gpu = ddb.toFloatArray();
                assertClose("biasGrad " + Arrays.toString(s), cpu, gpu, 1e-6, 1e-6);
                ddb.upload(db);
                ops.convolution().biasGradNchw(ddy, n, f, p, ddb);
                float[] again = ddb.toFloatArray();
                for (int i = 0; i < f; i++) assertEquals(Float.floatToRawIntBits(gpu[i]),
                        Float.floatToRawIntBits(again[i]), "deterministic db[" + i + "]");
            }
        }
    }

    @Test
    void conv2dForwardAndBackwardMatchNaiveConv2d() {
        Rng r = new Rng(33);
        for (int[] s : CONV) {
            int n = s[0], c = s[1], h = s[2], w = s[3], f = s[4], k = s[5], st = s[6], pad = s[7];
            int oh = Im2col.outSize(h, k, st, pad), ow = Im2col.outSize(w, k, st, pad), p = oh * ow, ckk = c * k * k;
            String tag = Arrays.toString(s);
            Tensor x = Tensor.wrap(random(r, n * c * h * w), n, c, h, w);
            Tensor wt = Tensor.wrap(random(r, f * ckk), f, c, k, k);
            Tensor b = Tensor.wrap(random(r, f), f);
            Tensor dy = Tensor.wrap(random(r, n * f * p), n, f, oh, ow);
            float[] dw0 = random(r, f * ckk), db0 = random(r, f);
            float[] refW = NaiveConv2d.gradWeight(x, dy, k, st, pad).data, refB = NaiveConv2d.gradBias(dy).data;
            for (int i = 0; i < refW.length; i++) refW[i] += dw0[i];  // dw and db accumulate
            for (int i = 0; i < refB.length; i++) refB[i] += db0[i];
            try (DeviceBuffer dx = ctx.upload(x.data); DeviceBuffer dwt = ctx.upload(wt.data);
                 DeviceBuffer dbias = ctx.upload(b.data);
                 DeviceBuffer dyb = ctx.upload(dy.data); DeviceBuffer y = ctx.upload(nan(n * f * p));
                 DeviceBuffer gx = ctx.upload(nan(x.size())); DeviceBuffer gw = ctx.upload(dw0);
                 DeviceBuffer gb = ctx.upload(db0)) {
                ops.convolution().conv2dForward(dx, n, c, h, w, dwt, f, k, dbias, st, pad, y);
                assertClose("conv forward " + tag, NaiveConv2d.forward(x, wt, b, st, pad).data, y.toFloatArray(),
                        1e-5 * Math.sqrt(ckk), 1e-5);
                ops.convolution().conv2dBackward(dx, n, c, h, w, dwt, f, k, st, pad, dyb, gx, gw, gb);
                assertClose("conv dx " + tag, NaiveConv2d.gradInput(dy, wt, x.shape(), st, pad).data, gx.toFloatArray(),
                        1e-5 * Math.sqrt(f * k * k), 1e-5);
                assertClose("conv dW " + tag, refW, gw.toFloatArray(), 1e-5 * Math.sqrt(n * p), 1e-5);
                assertClose("conv db " + tag, refB, gb.toFloatArray(), 1e-6, 1e-6);
                // dx == null skips the input gradient and leaves the rest as before
                gw.upload(dw0);
                ops.convolution().conv2dBackward(dx, n, c, h, w, dwt, f, k, st, pad, dyb, null, gw, null);
                assertClose("conv dW (no dx) " + tag, refW, gw.toFloatArray(), 1e-5 * Math.sqrt(n * p), 1e-5);
            }
        }
    }

    @Test
    void maxPoolIsExactWithArgmax() {
        Rng r = new Rng(34);
        int[][] shapes = {{1, 1, 1, 1, 1, 1}, {2, 3, 8, 8, 2, 2}, {1, 2, 7, 9, 3, 2}, {2, 1, 7, 7, 2, 3},
                {1, 1, 5, 5, 5, 1},
                {3, 2, 129, 7, 3, 1}, {7, 6, 28, 28, 2, 2}};
        for (int[] s : shapes) {
            int n = s[0], c = s[1], h = s[2], w = s[3], k = s[4], st = s[5];
            int oh = (h - k) / st + 1, ow = (w - k) / st + 1, outs = n * c * oh * ow, size = n * c * h * w;
            float[] x = random(r, size);
            for (int i = 0; i < size; i++) {
                if (i % 3 == 0) x[i] = Math.round(x[i] * 2) / 2f;  // ties
                if (i % 17 == 5) x[i] = Float.NaN;                // NaN counts as the maximum
            }
            float[] y = nan(outs), dy = random(r, outs), dx = nan(size);
            int[] am = new int[outs];
            CpuConvKernels.maxPoolForward(x, n, c, h, w, k, st, y, am);
            CpuConvKernels.maxPoolBackward(dy, am, n, c, h, w, k, st, dx);
            int[] poison = new int[outs];
            Arrays.fill(poison, -1);
            try (DeviceBuffer dxIn = ctx.upload(x); DeviceBuffer dyOut = ctx.upload(nan(outs));
                 DeviceBuffer dam = ctx.upload(poison);
                 DeviceBuffer ddy = ctx.upload(dy); DeviceBuffer ddx = ctx.upload(nan(size))) {
                ops.pooling().maxPoolForward(dxIn, n, c, h, w, k, st, dyOut, dam);
                assertClose("maxpool y " + Arrays.toString(s), y, dyOut.toFloatArray(), 0, 0);
                int[] gam = new int[outs];
                dam.download(gam);
                assertArrayEquals(am, gam, "argmax " + Arrays.toString(s));
                ops.pooling().maxPoolBackward(ddy, dam, n, c, h, w, k, st, ddx);
                assertClose("maxpool dx " + Arrays.toString(s), dx, ddx.toFloatArray(), 0, 0);
            }
        }
    }

    @Test
    void dropoutMaskEqualsTheCpuLayersMask() {
        Rng r = new Rng(35);
        for (int size : new int[] {1, 7, 129, 1000, 65536 + 3}) {
            for (float p : new float[] {0f, 0.2f, 0.5f}) {
                long seed = r.nextLong();
                Dropout layer = new Dropout(p, seed);
                for (long stream = 0; stream < 2; stream++) {
                    float[] x = random(r, size), dyv = random(r, size);
                    Tensor yl = layer.forward(Tensor.wrap(x.clone(), size), true);
                    Tensor dxl = layer.backward(Tensor.wrap(dyv.clone(), size));
                    float[] cpuY = nan(size);
                    byte[] cpuKeep = new byte[size];
                    CpuConvKernels.dropoutForward(x, size, p, seed, stream, cpuY, cpuKeep);
                    byte[] poison = new byte[size];
                    Arrays.fill(poison, (byte) 7);
                    try (DeviceBuffer dxIn = ctx.upload(x); DeviceBuffer dy = ctx.upload(nan(size));
                         DeviceBuffer keep = ctx.upload(poison);
                         DeviceBuffer ddy = ctx.upload(dyv); DeviceBuffer ddx = ctx.upload(nan(size))) {
                        ops.dropout().dropoutForward(dxIn, size, p, seed, stream, dy, keep);
                        byte[] gk = new byte[size];
                        keep.download(gk);
                        assertArrayEquals(cpuKeep, gk, "keep mask n=" + size + " p=" + p + " stream " + stream);
                        assertClose("dropout y (layer) n=" + size, yl.data, dy.toFloatArray(), 0, 0);
                        ops.dropout().dropoutBackward(ddy, keep, size, p, ddx);
                        assertClose("dropout dx (layer) n=" + size, dxl.data, ddx.toFloatArray(), 0, 0);
                    }
                }
            }
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeLaunch() {
        try (DeviceBuffer f = ctx.allocFloat(100); DeviceBuffer i = ctx.allocInt(100);
             DeviceBuffer d = ctx.allocDouble(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ops.convolution().im2col(f, 1, 1, 2, 2, 5, 5, 1, 0, f));
            assertTrue(e.getMessage().contains("smaller than the kernel"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> ops.convolution().im2col(f, 1, 1, 10, 10, 3, 3, 1, 1, f));  // col too short
            assertThrows(IllegalArgumentException.class,
                    () -> ops.pooling().maxPoolForward(f, 1, 1, 10, 10, 2, 2, f, f));  // argmax not INT
            assertThrows(IllegalArgumentException.class, () -> ops.dropout().dropoutForward(f, 10, 1f, 0, 0, f, i));
            assertThrows(IllegalArgumentException.class,
                    () -> ops.losses().softmaxCrossEntropyAsync(f, i, 2, 5, f, d, null, null, 1));  // slot 1 of 1
        }
    }
}
