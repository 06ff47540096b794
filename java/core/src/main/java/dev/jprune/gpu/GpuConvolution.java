package dev.jprune.gpu;

/**
 * Convolution on the whole batch (native/conv.cu + one GEMM of {@link GpuGemm}): im2col/col2im, the NCHW &lt;-&gt; rows
 * permutations, the bias gradient, and Conv2d forward and backward.
 */
public final class GpuConvolution extends GpuOpFamily {
    private final ConvKernels k;
    private final GpuGemm gemm;

    GpuConvolution(GpuContext ctx, GpuGemm gemm) {
        super(ctx);
        this.k = new ConvKernels(ctx);
        this.gemm = gemm;
    }

    /** Checks a convolution geometry; returns {OH, OW}. */
    private int[] convGeometry(String op, int n, int c, int h, int w, int kh, int kw, int stride, int pad) {
        String[] names = {"n", "c", "h", "w", "kh", "kw", "stride"};
        int[] vals = {n, c, h, w, kh, kw, stride};
        for (int i = 0; i < vals.length; i++) {
            if (vals[i] < 1) throw new IllegalArgumentException(where(op) + ": " + names[i] + " = "
                    + vals[i] + ", needs >= 1");
        }
        nonNegative(op, "pad", pad);
        if ((long) h + 2L * pad < kh || (long) w + 2L * pad < kw) {
            throw new IllegalArgumentException(where(op) + ": input " + h + "x" + w + " with padding " + pad
                    + " is smaller than the kernel " + kh + "x" + kw);
        }
        int oh = (int) (((long) h + 2L * pad - kh) / stride + 1), ow = (int) (((long) w + 2L * pad - kw) / stride + 1);
        checkedInt(op, "N*C*H*W", (long) n * c * h * w);
        checkedInt(op, "N*OH*OW", (long) n * oh * ow);
        checkedInt(op, "C*KH*KW", (long) c * kh * kw);
        return new int[] {oh, ow};
    }

    /**
     * Batched im2col: x FLOAT [N, C, H, W] → col FLOAT [C·KH·KW, N·OH·OW] (image n owns columns [n·P, (n+1)·P),
     * P = OH·OW, row (c·KH + ky)·KW + kx; zero in the padding), OH = (H + 2·pad − KH)/stride + 1.
     * Overwrites {@code col}.
     */
    @CpuTwin(CONV + "im2col")
    public void im2col(DeviceBuffer x, int n, int c, int h, int w, int kh, int kw, int stride,
                       int pad, DeviceBuffer col) {
        int[] o = convGeometry("im2col", n, c, h, w, kh, kw, stride, pad);
        need("im2col", "x", x, DeviceBuffer.Type.FLOAT, (long) n * c * h * w);
        need("im2col", "col", col, DeviceBuffer.Type.FLOAT, (long) c * kh * kw * n * o[0] * o[1]);
        k.im2col(x, n, c, h, w, kh, kw, stride, pad, o[0], o[1], col);
    }

    /**
     * Batched col2im (the adjoint of {@link #im2col}) in gather form, bit-identical to the CPU twin: each dx element
     * is the sum, in a fixed order, of the col entries copied from it. Overwrites {@code dx} [N, C, H, W].
     */
    @CpuTwin(CONV + "col2im")
    public void col2im(DeviceBuffer col, int n, int c, int h, int w, int kh, int kw, int stride,
                       int pad, DeviceBuffer dx) {
        int[] o = convGeometry("col2im", n, c, h, w, kh, kw, stride, pad);
        need("col2im", "col", col, DeviceBuffer.Type.FLOAT, (long) c * kh * kw * n * o[0] * o[1]);
        need("col2im", "dx", dx, DeviceBuffer.Type.FLOAT, (long) n * c * h * w);
        k.col2im(col, n, c, h, w, kh, kw, stride, pad, o[0], o[1], dx);
    }

    private long nfp(String op, int n, int f, int p) {
        if (n < 1 || f < 1 || p < 1) throw new IllegalArgumentException(where(op) + ": n, f, p = " + n + ", " + f
                + ", " + p + ", all need >= 1");
        return checkedInt(op, "N*F*P", (long) n * f * p);
    }

    /**
     * y [N, F, P] from rows [F, N·P]: y[n, f, q] = rows[f, n·P + q] + bias[f] ({@code bias} may be null). Overwrites
     * {@code y}.
     */
    @CpuTwin(CONV + "rowsToNchw")
    public void rowsToNchw(DeviceBuffer rows, DeviceBuffer bias, int n, int f, int p, DeviceBuffer y) {
        long t = nfp("rowsToNchw", n, f, p);
        need("rowsToNchw", "rows", rows, DeviceBuffer.Type.FLOAT, t);
        need("rowsToNchw", "y", y, DeviceBuffer.Type.FLOAT, t);
        if (bias != null) need("rowsToNchw", "bias", bias, DeviceBuffer.Type.FLOAT, f);
        k.rowsToNchw(rows, bias, n, f, p, y);
    }

    /** rows [F, N·P] from y [N, F, P] (inverse of {@link #rowsToNchw} without bias). Overwrites {@code rows}. */
    @CpuTwin(CONV + "nchwToRows")
    public void nchwToRows(DeviceBuffer y, int n, int f, int p, DeviceBuffer rows) {
        long t = nfp("nchwToRows", n, f, p);
        need("nchwToRows", "y", y, DeviceBuffer.Type.FLOAT, t);
        need("nchwToRows", "rows", rows, DeviceBuffer.Type.FLOAT, t);
        k.nchwToRows(y, n, f, p, rows);
    }

    /**
     * db[f] += Σ over n, q of dy[n, f, q], dy FLOAT [N, F, P], in double with a fixed two-stage order (blocks per
     * channel from N·P only), no atomics. ACCUMULATES into {@code db} (as Layer.backward does for parameters).
     */
    @CpuTwin(CONV + "biasGradNchw")
    public void biasGradNchw(DeviceBuffer dy, int n, int f, int p, DeviceBuffer db) {
        long t = nfp("biasGradNchw", n, f, p);
        need("biasGradNchw", "dy", dy, DeviceBuffer.Type.FLOAT, t);
        need("biasGradNchw", "db", db, DeviceBuffer.Type.FLOAT, f);
        int b = ConvKernels.biasGradBlocks((long) n * p);
        try (DeviceBuffer partials = ctx.allocDouble((long) f * b)) {
            k.biasGradPartials(dy, n, f, p, b, partials);
            k.biasGradFinish(partials, f, b, db);
        }
    }

    /** A checked Conv2d geometry: output OH x OW, P = OH·OW, N·P, C·K·K, and yLen = N·F·P (the length of y and dy). */
    private record ConvShape(int oh, int ow, int p, int np, int ckk, long yLen) { }

    /** The checks conv2dForward and conv2dBackward share: geometry, f, x [N, C, H, W] and weight [F, C·K·K]. */
    private ConvShape conv2dShape(String op, DeviceBuffer x, int n, int c, int h, int w, DeviceBuffer weight, int f,
                                  int kernel, int stride, int pad) {
        if (f < 1) throw new IllegalArgumentException(where(op) + ": f = " + f + ", needs >= 1");
        int[] o = convGeometry(op, n, c, h, w, kernel, kernel, stride, pad);
        int p = o[0] * o[1], ckk = c * kernel * kernel;
        long yLen = nfp(op, n, f, p);
        need(op, "x", x, DeviceBuffer.Type.FLOAT, (long) n * c * h * w);
        need(op, "weight", weight, DeviceBuffer.Type.FLOAT, (long) f * ckk);
        return new ConvShape(o[0], o[1], p, n * p, ckk, yLen);
    }

    /**
     * Conv2d forward for the whole batch: y [N, F, OH, OW] = W [F, C, K, K] ⊛ x [N, C, H, W] + bias [F] (bias may be
     * null), as im2col → one fp32 GEMM Y' [F, N·P] = W · col → {@link #rowsToNchw}. Overwrites {@code y}; workspace
     * (C·K²·N·P + F·N·P floats) comes from the pool.
     */
    @CpuTwin(NAIVE_CONV + "forward")
    public void conv2dForward(DeviceBuffer x, int n, int c, int h, int w, DeviceBuffer weight, int f, int kernel,
                              DeviceBuffer bias, int stride, int pad, DeviceBuffer y) {
        String op = "conv2dForward";
        ConvShape s = conv2dShape(op, x, n, c, h, w, weight, f, kernel, stride, pad);
        int p = s.p, np = s.np, ckk = s.ckk;
        if (bias != null) need(op, "bias", bias, DeviceBuffer.Type.FLOAT, f);
        need(op, "y", y, DeviceBuffer.Type.FLOAT, s.yLen);
        try (DeviceBuffer col = ctx.allocFloat((long) ckk * np); DeviceBuffer rows = ctx.allocFloat(s.yLen)) {
            k.im2col(x, n, c, h, w, kernel, kernel, stride, pad, s.oh, s.ow, col);
            gemm.gemmImpl(this, op, false, false, false, f, np, ckk, 1f, weight, 0, ckk, col, 0, np, 0f, rows, 0, np,
                    null, false);
            k.rowsToNchw(rows, bias, n, f, p, y);
        }
    }

    /**
     * Conv2d backward for the whole batch, given the forward's input x and dy [N, F, OH, OW]:
     * dW [F, C·K·K] += dY' [F, N·P] · colᵀ (one GEMM, its k-loop over the batch), db += Σ dy (may be null),
     * dx = col2im(Wᵀ · dY') (may be null: the first layer needs no dx). Modifies {@code dw} and {@code db}
     * (ACCUMULATE, like Layer.backward) and overwrites {@code dx}.
     */
    @CpuTwin({NAIVE_CONV + "gradInput", NAIVE_CONV + "gradWeight", NAIVE_CONV + "gradBias"})
    public void conv2dBackward(DeviceBuffer x, int n, int c, int h, int w, DeviceBuffer weight, int f, int kernel,
                               int stride, int pad, DeviceBuffer dy, DeviceBuffer dx,
                               DeviceBuffer dw, DeviceBuffer db) {
        String op = "conv2dBackward";
        ConvShape s = conv2dShape(op, x, n, c, h, w, weight, f, kernel, stride, pad);
        int p = s.p, np = s.np, ckk = s.ckk;
        need(op, "dy", dy, DeviceBuffer.Type.FLOAT, s.yLen);
        if (dx != null) need(op, "dx", dx, DeviceBuffer.Type.FLOAT, (long) n * c * h * w);
        need(op, "dw", dw, DeviceBuffer.Type.FLOAT, (long) f * ckk);
        if (db != null) need(op, "db", db, DeviceBuffer.Type.FLOAT, f);
        try (DeviceBuffer col = ctx.allocFloat((long) ckk * np); DeviceBuffer dyRows = ctx.allocFloat(s.yLen)) {
            k.nchwToRows(dy, n, f, p, dyRows);
            k.im2col(x, n, c, h, w, kernel, kernel, stride, pad, s.oh, s.ow, col);
            // dW [F, CKK] += dY' [F, NP] · col^T   (col stored [CKK, NP] = B^T)
            gemm.gemmImpl(this, op, false, false, true, f, ckk, np, 1f, dyRows, 0, np, col, 0, np, 1f, dw, 0, ckk,
                    null, false);
            if (db != null) biasGradNchw(dy, n, f, p, db);
            if (dx != null) {
                // dcol [CKK, NP] = W^T · dY' (W stored [F, CKK] = A^T), written over col: the stream orders it after
                // the dW GEMM that reads col.
                gemm.gemmImpl(this, op, false, true, false, ckk, np, f, 1f, weight, 0, ckk, dyRows, 0, np, 0f,
                        col, 0, np, null, false);
                k.col2im(col, n, c, h, w, kernel, kernel, stride, pad, s.oh, s.ow, dx);
            }
        }
    }
}
