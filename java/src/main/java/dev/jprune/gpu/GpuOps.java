package dev.jprune.gpu;

import java.util.List;

/**
 * The GPU twins of {@link dev.jprune.cpu.CpuKernels} (and {@link dev.jprune.cpu.NaiveGemm}) on {@link DeviceBuffer}s,
 * with the same argument order and the same semantics; each method names its twin with {@link CpuTwin}.
 * Kernels are queued on the context's stream; methods returning a value (losses, sums of squares) wait for it.
 * Arguments are validated on the host first: a bad shape, type or length is an IllegalArgumentException naming the
 * op and the fault, and nothing is launched. Not thread-safe (like its context).
 */
public final class GpuOps {
    private static final String CPU = "dev.jprune.cpu.CpuKernels#";

    private final GpuContext ctx;
    private final Kernels k;

    public GpuOps(GpuContext ctx) {
        this.ctx = ctx;
        this.k = ctx.kernels();
    }

    public GpuContext context() { return ctx; }

    // ---------------------------------------------------------------- argument checks
    private void need(String op, String what, DeviceBuffer b, DeviceBuffer.Type t, long n) {
        if (b == null) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " is null");
        if (b.isClosed()) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " is closed");
        if (b.context() != ctx) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " belongs to another GpuContext");
        if (b.type() != t) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " holds " + b.type() + ", needs " + t);
        if (b.length() < n) {
            throw new IllegalArgumentException("GpuOps." + op + ": " + what + " has " + b.length() + " elements, needs " + n);
        }
    }

    private static void nonNegative(String op, String what, long v) {
        if (v < 0) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " = " + v + " is negative");
    }

    private static long product(String op, int rows, int cols) {
        nonNegative(op, "rows", rows);
        nonNegative(op, "cols", cols);
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("GpuOps." + op + ": rows*cols = " + n + " exceeds 2^31-1");
        return n;
    }

    // ---------------------------------------------------------------- elementwise
    /** y[r, c] += bias[c], y FLOAT [rows, cols], bias FLOAT [cols]. Modifies {@code y}. */
    @CpuTwin(CPU + "biasAdd")
    public void biasAdd(DeviceBuffer y, DeviceBuffer bias, int rows, int cols) {
        long n = product("biasAdd", rows, cols);
        need("biasAdd", "y", y, DeviceBuffer.Type.FLOAT, n);
        need("biasAdd", "bias", bias, DeviceBuffer.Type.FLOAT, cols);
        if (n > 0) k.biasAdd(y, bias, rows, cols);
    }

    /** y = max(y + bias, 0) per row: biasAdd then reluForward in one pass. Modifies {@code y}. */
    @CpuTwin({CPU + "biasAdd", CPU + "reluForward"})
    public void biasRelu(DeviceBuffer y, DeviceBuffer bias, int rows, int cols) {
        long n = product("biasRelu", rows, cols);
        need("biasRelu", "y", y, DeviceBuffer.Type.FLOAT, n);
        need("biasRelu", "bias", bias, DeviceBuffer.Type.FLOAT, cols);
        if (n > 0) k.biasRelu(y, bias, rows, cols);
    }

    /** y = max(x, 0) over n. Modifies {@code y} (may be {@code x}). */
    @CpuTwin(CPU + "reluForward")
    public void reluForward(DeviceBuffer x, DeviceBuffer y, int n) {
        nonNegative("reluForward", "n", n);
        need("reluForward", "x", x, DeviceBuffer.Type.FLOAT, n);
        need("reluForward", "y", y, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.reluForward(x, y, n);
    }

    /** dx = x &gt; 0 ? dy : 0 over n. Overwrites {@code dx}. */
    @CpuTwin(CPU + "reluBackward")
    public void reluBackward(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, int n) {
        nonNegative("reluBackward", "n", n);
        need("reluBackward", "x", x, DeviceBuffer.Type.FLOAT, n);
        need("reluBackward", "dy", dy, DeviceBuffer.Type.FLOAT, n);
        need("reluBackward", "dx", dx, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.reluBackward(x, dy, dx, n);
    }

    /** g *= s over n. Modifies {@code g}. */
    @CpuTwin(CPU + "scaleInPlace")
    public void scaleInPlace(DeviceBuffer g, int n, float s) {
        nonNegative("scaleInPlace", "n", n);
        need("scaleInPlace", "g", g, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.scale(g, n, s);
    }

    /** g = clamp(g, -c, c) over n. Modifies {@code g}. */
    @CpuTwin(CPU + "clampInPlace")
    public void clampInPlace(DeviceBuffer g, int n, float c) {
        nonNegative("clampInPlace", "n", n);
        need("clampInPlace", "g", g, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.clamp(g, n, c);
    }

    /** y[0, n) = value. Modifies {@code y}. */
    @CpuTwin("java.util.Arrays#fill")
    public void fill(DeviceBuffer y, int n, float value) {
        nonNegative("fill", "n", n);
        need("fill", "y", y, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.fill(y, n, value);
    }

    // ---------------------------------------------------------------- GEMM
    private void checkMatrix(String op, String what, DeviceBuffer buf, int off, int rows, int cols, int ld) {
        nonNegative(op, "offset of " + what, off);
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("GpuOps." + op + ": leading dimension of " + what + " is " + ld
                    + ", needs >= " + Math.max(1, cols) + " (stored " + rows + " x " + cols + ")");
        }
        long need = rows == 0 || cols == 0 ? off : off + (long) (rows - 1) * ld + cols;
        need(op, what + " (stored " + rows + " x " + cols + ", ld " + ld + ", offset " + off + ")", buf, DeviceBuffer.Type.FLOAT, need);
    }

    private void gemmImpl(String op, boolean tf32, boolean transA, boolean transB, int m, int n, int kk, float alpha,
                          DeviceBuffer a, int offA, int lda, DeviceBuffer b, int offB, int ldb, float beta,
                          DeviceBuffer c, int offC, int ldc, DeviceBuffer bias, boolean relu) {
        nonNegative(op, "m", m);
        nonNegative(op, "n", n);
        nonNegative(op, "k", kk);
        checkMatrix(op, "A", a, offA, transA ? kk : m, transA ? m : kk, lda);
        checkMatrix(op, "B", b, offB, transB ? n : kk, transB ? kk : n, ldb);
        checkMatrix(op, "C", c, offC, m, n, ldc);
        if (bias != null) need(op, "bias", bias, DeviceBuffer.Type.FLOAT, n);
        if (tf32 && ctx.computeCapabilityMajor() < 8) {
            throw new IllegalArgumentException("GpuOps." + op + ": TF32 needs compute capability 8.0+, this device is "
                    + ctx.computeCapabilityMajor() + "." + ctx.computeCapabilityMinor());
        }
        if (m == 0 || n == 0) return;
        k.gemm(tf32, transA, transB, m, n, kk, alpha, a.at(offA), lda, b.at(offB), ldb, beta, c.at(offC), ldc, bias, relu);
    }

    /**
     * C[m,n] = alpha·op(A)·op(B) + beta·C in fp32, row-major with offsets and leading dimensions exactly as
     * {@link dev.jprune.cpu.NaiveGemm#gemm}; beta == 0 ignores C's old contents. Modifies {@code c} only.
     */
    @CpuTwin("dev.jprune.cpu.NaiveGemm#gemm")
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, DeviceBuffer a, int offA, int lda,
                     DeviceBuffer b, int offB, int ldb, float beta, DeviceBuffer c, int offC, int ldc) {
        gemmImpl("gemm", false, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, null, false);
    }

    /** As {@link #gemm} on the tensor cores with TF32 operands (compute capability 8.0+; ~5e-4 relative error). */
    @CpuTwin("dev.jprune.cpu.NaiveGemm#gemm")
    public void gemmTf32(boolean transA, boolean transB, int m, int n, int k, float alpha, DeviceBuffer a, int offA,
                         int lda, DeviceBuffer b, int offB, int ldb, float beta, DeviceBuffer c, int offC, int ldc) {
        gemmImpl("gemmTf32", true, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, null, false);
    }

    /**
     * C = op(A)·op(B) + bias (per column), then ReLU when {@code relu}: a Linear layer's forward (transB = true:
     * Y = X·Wᵀ + b) in one kernel. Twin: NaiveGemm.gemm(alpha 1, beta 0), biasAdd, reluForward.
     * {@code bias} may be null. Modifies {@code c} only.
     */
    @CpuTwin({"dev.jprune.cpu.NaiveGemm#gemm", CPU + "biasAdd", CPU + "reluForward"})
    public void gemmBiasRelu(boolean transA, boolean transB, int m, int n, int k, DeviceBuffer a, int offA, int lda,
                             DeviceBuffer b, int offB, int ldb, DeviceBuffer c, int offC, int ldc, DeviceBuffer bias,
                             boolean relu, boolean tf32) {
        gemmImpl("gemmBiasRelu", tf32, transA, transB, m, n, k, 1f, a, offA, lda, b, offB, ldb, 0f, c, offC, ldc, bias, relu);
    }

    // ---------------------------------------------------------------- losses
    /**
     * Fused softmax + cross-entropy + gradient; logits FLOAT [rows, cols], labels INT [rows].
     * Overwrites {@code dlogits} [rows, cols] with (softmax − onehot)/rows; returns the mean loss (per-row losses in
     * double, summed in a fixed order). A label outside [0, cols) is an IllegalArgumentException naming the first
     * such row (dlogits is then partly written, as the CPU twin leaves it).
     */
    @CpuTwin(CPU + "softmaxCrossEntropy")
    public double softmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols, DeviceBuffer dlogits) {
        long n = product("softmaxCrossEntropy", rows, cols);
        if (rows == 0 || cols == 0) throw new IllegalArgumentException("GpuOps.softmaxCrossEntropy: empty batch " + rows + " x " + cols);
        need("softmaxCrossEntropy", "logits", logits, DeviceBuffer.Type.FLOAT, n);
        need("softmaxCrossEntropy", "labels", labels, DeviceBuffer.Type.INT, rows);
        need("softmaxCrossEntropy", "dlogits", dlogits, DeviceBuffer.Type.FLOAT, n);
        try (DeviceBuffer rowLoss = ctx.allocDouble(rows); DeviceBuffer out = ctx.allocDouble(1);
             DeviceBuffer bad = ctx.allocInt(1)) {
            bad.upload(new int[] {Integer.MAX_VALUE});
            k.softmaxXent(logits, labels, rows, cols, dlogits, rowLoss, 1f / rows, bad);
            k.sumDouble(rowLoss, rows, 1.0 / rows, out);
            int[] badRow = new int[1];
            bad.download(badRow);
            if (badRow[0] != Integer.MAX_VALUE) {
                int[] l = new int[Math.toIntExact(labels.length())];
                labels.download(l);
                throw new IllegalArgumentException("softmaxCrossEntropy: label " + l[badRow[0]] + " at row " + badRow[0]
                        + " outside [0, " + cols + ")");
            }
            double[] r = new double[1];
            out.download(r);
            return r[0];
        }
    }

    /** Mean squared error over n; overwrites {@code dpred} with 2(p − t)/n; returns mean((p − t)²). */
    @CpuTwin(CPU + "mse")
    public double mse(DeviceBuffer pred, DeviceBuffer target, int n, DeviceBuffer dpred) {
        if (n <= 0) throw new IllegalArgumentException("GpuOps.mse: n = " + n + ", needs > 0");
        need("mse", "pred", pred, DeviceBuffer.Type.FLOAT, n);
        need("mse", "target", target, DeviceBuffer.Type.FLOAT, n);
        need("mse", "dpred", dpred, DeviceBuffer.Type.FLOAT, n);
        int parts = Kernels.msePartials(n);
        try (DeviceBuffer partials = ctx.allocDouble(parts); DeviceBuffer out = ctx.allocDouble(1)) {
            k.mse(pred, target, n, dpred, 2f / n, partials);
            k.sumDouble(partials, parts, 1.0 / n, out);
            double[] r = new double[1];
            out.download(r);
            return r[0];
        }
    }

    // ---------------------------------------------------------------- optimizers
    /**
     * One SGD step, PyTorch semantics, as {@code CpuKernels.sgdStep}: gradient read once, scaled by
     * {@code gradScale}, clipped by value, decayed, momentum/Nesterov; where mask[i] == 0 w and mom become exactly 0.
     * Modifies {@code w} and {@code mom}. {@code mom} may be null only when momentum == 0; {@code mask} (BYTE) may be null.
     */
    @CpuTwin(CPU + "sgdStep")
    public void sgdStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer mom, DeviceBuffer mask, int n, float lr,
                        float momentum, float weightDecay, boolean nesterov, float gradScale, float clipValue) {
        nonNegative("sgdStep", "n", n);
        need("sgdStep", "w", w, DeviceBuffer.Type.FLOAT, n);
        need("sgdStep", "g", g, DeviceBuffer.Type.FLOAT, n);
        if (momentum != 0f && mom == null) throw new IllegalArgumentException("GpuOps.sgdStep: momentum " + momentum + " needs a momentum buffer");
        if (mom != null) need("sgdStep", "mom", mom, DeviceBuffer.Type.FLOAT, n);
        if (mask != null) need("sgdStep", "mask", mask, DeviceBuffer.Type.BYTE, n);
        if (n > 0) k.sgdStep(w, g, mom, mask, n, lr, momentum, weightDecay, nesterov, gradScale, clipValue);
    }

    /**
     * One Adam step, PyTorch semantics (L2 decay added to the gradient), as {@code CpuKernels.adamStep};
     * {@code step} is 1-based. Masked entries of w, m and v become exactly 0. Modifies {@code w}, {@code m}, {@code v}.
     */
    @CpuTwin(CPU + "adamStep")
    public void adamStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer m, DeviceBuffer v, DeviceBuffer mask, int n,
                         float lr, float beta1, float beta2, float eps, float weightDecay, int step,
                         float gradScale, float clipValue) {
        nonNegative("adamStep", "n", n);
        if (step < 1) throw new IllegalArgumentException("GpuOps.adamStep: step = " + step + ", is 1-based");
        need("adamStep", "w", w, DeviceBuffer.Type.FLOAT, n);
        need("adamStep", "g", g, DeviceBuffer.Type.FLOAT, n);
        need("adamStep", "m", m, DeviceBuffer.Type.FLOAT, n);
        need("adamStep", "v", v, DeviceBuffer.Type.FLOAT, n);
        if (mask != null) need("adamStep", "mask", mask, DeviceBuffer.Type.BYTE, n);
        // The bias corrections exactly as the CPU twin computes them (double pow, rounded to float), so both sides
        // run the same float arithmetic per element.
        float bc1 = (float) (1 - Math.pow(beta1, step));
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = lr / bc1;
        if (n > 0) k.adamStep(w, g, m, v, mask, n, stepSize, beta1, beta2, eps, weightDecay, bc2Sqrt, gradScale, clipValue);
    }

    // ---------------------------------------------------------------- reductions
    /** Σ x[off + i]² for i in [0, n), in double, deterministic (fixed order for given n). */
    @CpuTwin(CPU + "sumSquares")
    public double sumSquares(DeviceBuffer x, int off, int n) {
        nonNegative("sumSquares", "off", off);
        nonNegative("sumSquares", "n", n);
        need("sumSquares", "x", x, DeviceBuffer.Type.FLOAT, (long) off + n);
        return sumSquaresImpl(new DeviceBuffer[] {x}, new long[] {off}, new long[] {n}, null);
    }

    /**
     * Σ over all tensors of Σ x², one pass over many tensors (e.g. every gradient, for clip-by-norm), in double,
     * deterministic, no float atomics. When {@code perTensor} is non-null (length ≥ tensors) it receives each
     * tensor's sum. Each buffer counts with its full length. Modifies only {@code perTensor}.
     */
    @CpuTwin(CPU + "sumSquares")
    public double sumSquares(List<DeviceBuffer> tensors, double[] perTensor) {
        int t = tensors.size();
        if (t == 0) return 0.0;
        if (perTensor != null && perTensor.length < t) {
            throw new IllegalArgumentException("GpuOps.sumSquares: perTensor has " + perTensor.length + " slots for " + t + " tensors");
        }
        DeviceBuffer[] bufs = new DeviceBuffer[t];
        long[] offs = new long[t], lens = new long[t];
        for (int i = 0; i < t; i++) {
            bufs[i] = tensors.get(i);
            need("sumSquares", "tensor " + i, bufs[i], DeviceBuffer.Type.FLOAT, 0);
            lens[i] = bufs[i].length();
        }
        return sumSquaresImpl(bufs, offs, lens, perTensor);
    }

    /** Blocks per tensor: about 16 elements per thread for the longest tensor, 1..256. A function of the lengths
     *  only, so the summation order (and result) is reproducible. */
    static int blocksPerTensor(long maxLen) {
        long b = (maxLen + Kernels.THREADS * 16L - 1) / (Kernels.THREADS * 16L);
        return (int) Math.max(1, Math.min(256, b));
    }

    private double sumSquaresImpl(DeviceBuffer[] bufs, long[] offs, long[] lens, double[] perTensor) {
        int t = bufs.length;
        long maxLen = 0;
        long[] table = new long[2 * t];
        for (int i = 0; i < t; i++) {
            table[2 * i] = bufs[i].address(offs[i]);
            table[2 * i + 1] = lens[i];
            maxLen = Math.max(maxLen, lens[i]);
        }
        int bpt = blocksPerTensor(maxLen);
        try (DeviceBuffer tab = ctx.allocLong(2L * t); DeviceBuffer partials = ctx.allocDouble((long) t * bpt);
             DeviceBuffer per = perTensor == null ? null : ctx.allocDouble(t); DeviceBuffer total = ctx.allocDouble(1)) {
            tab.upload(table);
            k.sumsqPartials(tab, t, bpt, partials);
            k.sumsqFinish(partials, t, bpt, per, total);
            double[] r = new double[1];
            total.download(r);
            if (per != null) {
                double[] p = new double[t];
                per.download(p);
                System.arraycopy(p, 0, perTensor, 0, t);
            }
            return r[0];
        }
    }
}
