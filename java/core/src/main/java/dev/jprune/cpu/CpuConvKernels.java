package dev.jprune.cpu;

import dev.jprune.util.Rng;

/**
 * CPU twins of the GPU's convolution, pooling, dropout and accuracy kernels (native/conv.cu, pool.cu, dropout.cu,
 * loss.cu), as static methods on flat arrays with the GPU ops' argument order. They are the specification the GPU
 * is tested against, and each is itself pinned to the layer it stands for: im2col/col2im are built on
 * {@link Im2col}, maxPool* and dropout* reproduce {@link dev.jprune.nn.MaxPool2d} and {@link dev.jprune.nn.Dropout}
 * bit for bit, countCorrect is Trainer.countCorrect (tests check all of this on the CPU).
 * <p>Batched col layout: [C*KH*KW, N*OH*OW] row-major; image n owns the column block [n*P, (n+1)*P), P = OH*OW,
 * which holds exactly {@link Im2col#im2col}'s col of that image. A whole batch's convolution is then one GEMM
 * Y' [F, N*P] = W [F, C*KH*KW] · col, permuted to NCHW by {@link #rowsToNchw}.
 * <p>Single-threaded and unoptimised on purpose (references). Bad arguments are IllegalArgumentExceptions naming the
 * op and the fault; nothing is written before the checks pass.
 */
public final class CpuConvKernels {
    private CpuConvKernels() {}

    private static void positive(String op, String what, int v) {
        if (v < 1) throw new IllegalArgumentException("CpuConvKernels." + op + ": " + what + " = " + v
                + ", needs >= 1");
    }

    private static void length(String op, String what, int have, long need) {
        if (have < need) throw new IllegalArgumentException("CpuConvKernels." + op + ": " + what + " has " + have
                + " elements, needs " + need);
    }

    /** Checks a conv geometry and returns {OH, OW}. */
    private static int[] convGeometry(String op, int n, int c, int h, int w, int kh, int kw, int stride, int pad) {
        positive(op, "n", n); positive(op, "c", c); positive(op, "h", h); positive(op, "w", w);
        positive(op, "kh", kh); positive(op, "kw", kw); positive(op, "stride", stride);
        if (pad < 0) throw new IllegalArgumentException("CpuConvKernels." + op + ": pad = " + pad + " is negative");
        if (h + 2 * pad < kh || w + 2 * pad < kw) {
            throw new IllegalArgumentException("CpuConvKernels." + op + ": input " + h + "x" + w
                    + " with padding " + pad + " is smaller than the kernel " + kh + "x" + kw);
        }
        return new int[] {Im2col.outSize(h, kh, stride, pad), Im2col.outSize(w, kw, stride, pad)};
    }

    /**
     * Batched im2col: x [N, C, H, W] → col [C*KH*KW, N*OH*OW] (layout above; zero where the window is in the
     * padding). Overwrites col's first C*KH*KW*N*OH*OW elements; x is not modified.
     */
    public static void im2col(float[] x, int n, int c, int h, int w, int kh, int kw, int stride, int pad, float[] col) {
        int[] o = convGeometry("im2col", n, c, h, w, kh, kw, stride, pad);
        int p = o[0] * o[1], rows = c * kh * kw, np = n * p;
        length("im2col", "x", x.length, (long) n * c * h * w);
        length("im2col", "col", col.length, (long) rows * np);
        float[] one = new float[rows * p];
        for (int i = 0; i < n; i++) {
            Im2col.im2col(x, i * c * h * w, c, h, w, kh, kw, stride, pad, o[0], o[1], one);
            for (int r = 0; r < rows; r++) System.arraycopy(one, r * p, col, r * np + i * p, p);
        }
    }

    /**
     * Batched col2im, the adjoint of {@link #im2col}: dx [N, C, H, W] = Σ of the col entries copied from each pixel,
     * added in {@link Im2col#col2im}'s order into a zeroed image. OVERWRITES dx; col is not modified.
     */
    public static void col2im(float[] col, int n, int c, int h, int w, int kh, int kw, int stride, int pad,
            float[] dx) {
        int[] o = convGeometry("col2im", n, c, h, w, kh, kw, stride, pad);
        int p = o[0] * o[1], rows = c * kh * kw, np = n * p, chw = c * h * w;
        length("col2im", "col", col.length, (long) rows * np);
        length("col2im", "dx", dx.length, (long) n * chw);
        float[] one = new float[rows * p];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < rows; r++) System.arraycopy(col, r * np + i * p, one, r * p, p);
            java.util.Arrays.fill(dx, i * chw, (i + 1) * chw, 0f);
            Im2col.col2im(one, c, h, w, kh, kw, stride, pad, o[0], o[1], dx, i * chw);
        }
    }

    /**
     * y [N, F, P] from the GEMM result rows [F, N*P]: y[n, f, q] = rows[f, n*P + q] + bias[f] (bias may be null:
     * no add). Overwrites y; rows and bias are not modified.
     */
    public static void rowsToNchw(float[] rows, float[] bias, int n, int f, int p, float[] y) {
        positive("rowsToNchw", "n", n); positive("rowsToNchw", "f", f); positive("rowsToNchw", "p", p);
        length("rowsToNchw", "rows", rows.length, (long) n * f * p);
        length("rowsToNchw", "y", y.length, (long) n * f * p);
        if (bias != null) length("rowsToNchw", "bias", bias.length, f);
        int np = n * p;
        for (int i = 0; i < n; i++) for (int ch = 0; ch < f; ch++) for (int q = 0; q < p; q++) {
            float v = rows[ch * np + i * p + q];
            if (bias != null) v += bias[ch];
            y[(i * f + ch) * p + q] = v;
        }
    }

    /** rows [F, N*P] from y [N, F, P]: the inverse permutation of {@link #rowsToNchw} without bias. Overwrites rows. */
    public static void nchwToRows(float[] y, int n, int f, int p, float[] rows) {
        positive("nchwToRows", "n", n); positive("nchwToRows", "f", f); positive("nchwToRows", "p", p);
        length("nchwToRows", "y", y.length, (long) n * f * p);
        length("nchwToRows", "rows", rows.length, (long) n * f * p);
        int np = n * p;
        for (int i = 0; i < n; i++) for (int ch = 0; ch < f; ch++) for (int q = 0; q < p; q++) {
            rows[ch * np + i * p + q] = y[(i * f + ch) * p + q];
        }
    }

    /** db[f] += (float) Σ over n, q of dy[n, f, q] (summed in double), dy [N, F, P]. ACCUMULATES into db, as Conv2d. */
    public static void biasGradNchw(float[] dy, int n, int f, int p, float[] db) {
        positive("biasGradNchw", "n", n); positive("biasGradNchw", "f", f); positive("biasGradNchw", "p", p);
        length("biasGradNchw", "dy", dy.length, (long) n * f * p);
        length("biasGradNchw", "db", db.length, f);
        for (int ch = 0; ch < f; ch++) {
            double s = 0;
            for (int i = 0; i < n; i++) for (int q = 0; q < p; q++) s += dy[(i * f + ch) * p + q];
            db[ch] += (float) s;
        }
    }

    private static int[] poolGeometry(String op, int n, int c, int h, int w, int k, int s) {
        positive(op, "n", n); positive(op, "c", c); positive(op, "kernel", k); positive(op, "stride", s);
        if (h < k || w < k) throw new IllegalArgumentException("CpuConvKernels." + op + ": input " + h + "x" + w
                + " smaller than the window " + k);
        if ((long) n * c * h * w > Integer.MAX_VALUE) throw new IllegalArgumentException("CpuConvKernels." + op
                + ": input exceeds 2^31-1 elements");
        return new int[] {(h - k) / s + 1, (w - k) / s + 1};
    }

    /**
     * Max pooling of x [N, C, H, W] over k×k windows with stride s (no padding): y [N, C, OH, OW] and argmax (flat
     * index into x of each window's maximum; ties → lowest index, NaN counts as the maximum), MaxPool2d's rule.
     * Overwrites y and argmax.
     */
    public static void maxPoolForward(float[] x, int n, int c, int h, int w, int k, int s, float[] y, int[] argmax) {
        int[] o = poolGeometry("maxPoolForward", n, c, h, w, k, s);
        int oh = o[0], ow = o[1], outs = n * c * oh * ow;
        length("maxPoolForward", "x", x.length, (long) n * c * h * w);
        length("maxPoolForward", "y", y.length, outs);
        length("maxPoolForward", "argmax", argmax.length, outs);
        for (int pl = 0; pl < n * c; pl++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
            int best = (pl * h + oy * s) * w + ox * s;
            float bv = x[best];
            for (int ky = 0; ky < k; ky++) {
                int row = (pl * h + oy * s + ky) * w + ox * s;
                for (int kx = 0; kx < k; kx++) {
                    float v = x[row + kx];
                    if (v > bv || (v != v && bv == bv)) { bv = v; best = row + kx; }
                }
            }
            int idx = (pl * oh + oy) * ow + ox;
            y[idx] = bv;
            argmax[idx] = best;
        }
    }

    /**
     * dx [N, C, H, W] = Σ dy[o] over the outputs o whose argmax is that element, added in ascending o into zero
     * (MaxPool2d.backward's order). OVERWRITES dx. argmax entries must lie in [0, N*C*H*W).
     */
    public static void maxPoolBackward(float[] dy, int[] argmax, int n, int c, int h, int w, int k, int s, float[] dx) {
        int[] o = poolGeometry("maxPoolBackward", n, c, h, w, k, s);
        int outs = n * c * o[0] * o[1], size = n * c * h * w;
        length("maxPoolBackward", "dy", dy.length, outs);
        length("maxPoolBackward", "argmax", argmax.length, outs);
        length("maxPoolBackward", "dx", dx.length, size);
        for (int i = 0; i < outs; i++) {
            if (argmax[i] < 0 || argmax[i] >= size) {
                throw new IllegalArgumentException("CpuConvKernels.maxPoolBackward: argmax[" + i + "] = " + argmax[i]
                        + " outside [0, " + size + ")");
            }
        }
        java.util.Arrays.fill(dx, 0, size, 0f);
        for (int i = 0; i < outs; i++) dx[argmax[i]] += dy[i];
    }

    private static void dropoutP(String op, float p) {
        if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("CpuConvKernels." + op
                + ": p must be in [0, 1), got " + p);
    }

    /**
     * Inverted dropout as Dropout's training forward number {@code stream} (its call counter, 0-based):
     * keep[i] = Rng.hashUniform(seed, stream, i) ≥ p; y[i] = keep ? x[i]·(1/(1−p)) : 0. Overwrites y and keep
     * (1 keep / 0 drop); y may be x.
     */
    public static void dropoutForward(float[] x, int n, float p, long seed, long stream, float[] y, byte[] keep) {
        dropoutP("dropoutForward", p);
        if (n < 0) throw new IllegalArgumentException("CpuConvKernels.dropoutForward: n = " + n + " is negative");
        length("dropoutForward", "x", x.length, n);
        length("dropoutForward", "y", y.length, n);
        length("dropoutForward", "keep", keep.length, n);
        float scale = 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            boolean k = Rng.hashUniform(seed, stream, i) >= p;
            keep[i] = (byte) (k ? 1 : 0);
            y[i] = k ? x[i] * scale : 0f;
        }
    }

    /** dx[i] = keep[i] != 0 ? dy[i]·(1/(1−p)) : 0. Overwrites dx (may be dy). */
    public static void dropoutBackward(float[] dy, byte[] keep, int n, float p, float[] dx) {
        dropoutP("dropoutBackward", p);
        if (n < 0) throw new IllegalArgumentException("CpuConvKernels.dropoutBackward: n = " + n + " is negative");
        length("dropoutBackward", "dy", dy.length, n);
        length("dropoutBackward", "keep", keep.length, n);
        length("dropoutBackward", "dx", dx.length, n);
        float scale = 1f / (1f - p);
        for (int i = 0; i < n; i++) dx[i] = keep[i] != 0 ? dy[i] * scale : 0f;
    }

    /**
     * Rows of logits [rows, cols] whose argmax equals the label: best = 0, then column j wins when
     * logits[j] &gt; logits[best] (ties → lower index; NaN never wins unless at column 0), as Trainer.countCorrect.
     */
    public static long countCorrect(float[] logits, int[] labels, int rows, int cols) {
        positive("countCorrect", "rows", rows); positive("countCorrect", "cols", cols);
        length("countCorrect", "logits", logits.length, (long) rows * cols);
        length("countCorrect", "labels", labels.length, rows);
        long correct = 0;
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int j = 1; j < cols; j++) if (logits[r * cols + j] > logits[r * cols + best]) best = j;
            if (best == labels[r]) correct++;
        }
        return correct;
    }
}
