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
    private static final String CONV = "dev.jprune.cpu.CpuConvKernels#";
    private static final String NAIVE_CONV = "dev.jprune.cpu.NaiveConv2d#";

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
        if (b.context() != ctx) throw new IllegalArgumentException("GpuOps." + op + ": " + what
                + " belongs to another GpuContext");
        if (b.type() != t) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " holds "
                + b.type() + ", needs " + t);
        if (b.length() < n) {
            throw new IllegalArgumentException("GpuOps." + op + ": " + what + " has " + b.length()
                    + " elements, needs " + n);
        }
    }

    private static void nonNegative(String op, String what, long v) {
        if (v < 0) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " = " + v + " is negative");
    }

    private static long product(String op, int rows, int cols) {
        nonNegative(op, "rows", rows);
        nonNegative(op, "cols", cols);
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("GpuOps." + op + ": rows*cols = "
                + n + " exceeds 2^31-1");
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
        need(op, what + " (stored " + rows + " x " + cols + ", ld " + ld + ", offset " + off + ")", buf,
                DeviceBuffer.Type.FLOAT, need);
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
        k.gemm(tf32, transA, transB, m, n, kk, alpha, a.at(offA), lda, b.at(offB), ldb, beta,
                c.at(offC), ldc, bias, relu);
    }

    /**
     * C[m,n] = alpha·op(A)·op(B) + beta·C in fp32, row-major with offsets and leading dimensions exactly as
     * {@link dev.jprune.cpu.NaiveGemm#gemm}; beta == 0 ignores C's old contents. Modifies {@code c} only.
     */
    @CpuTwin("dev.jprune.cpu.NaiveGemm#gemm")
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, int offA, int lda, DeviceBuffer b, int offB, int ldb, float beta, DeviceBuffer c,
                     int offC, int ldc) {
        gemmImpl("gemm", false, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta,
                c, offC, ldc, null, false);
    }

    /** As {@link #gemm} on the tensor cores with TF32 operands (compute capability 8.0+; ~5e-4 relative error). */
    @CpuTwin("dev.jprune.cpu.NaiveGemm#gemm")
    public void gemmTf32(boolean transA, boolean transB, int m, int n, int k, float alpha, DeviceBuffer a, int offA,
                         int lda, DeviceBuffer b, int offB, int ldb, float beta, DeviceBuffer c, int offC, int ldc) {
        gemmImpl("gemmTf32", true, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta,
                c, offC, ldc, null, false);
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
        gemmImpl("gemmBiasRelu", tf32, transA, transB, m, n, k, 1f, a, offA, lda, b, offB, ldb, 0f,
                c, offC, ldc, bias, relu);
    }

    // ---------------------------------------------------------------- losses
    /**
     * Fused softmax + cross-entropy + gradient; logits FLOAT [rows, cols], labels INT [rows].
     * Overwrites {@code dlogits} [rows, cols] with (softmax − onehot)/rows; returns the mean loss (per-row losses in
     * double, summed in a fixed order). A label outside [0, cols) is an IllegalArgumentException naming the first
     * such row (dlogits is then partly written, as the CPU twin leaves it).
     */
    @CpuTwin(CPU + "softmaxCrossEntropy")
    public double softmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols,
                                      DeviceBuffer dlogits) {
        long n = product("softmaxCrossEntropy", rows, cols);
        if (rows == 0 || cols == 0) throw new IllegalArgumentException("GpuOps.softmaxCrossEntropy: empty batch "
                + rows + " x " + cols);
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

    // ---------------------------------------------------------------- losses without host synchronisation
    private void needSlot(String op, String what, DeviceBuffer b, DeviceBuffer.Type t, int slot) {
        nonNegative(op, "slot", slot);
        need(op, what, b, t, (long) slot + 1);
    }

    /**
     * {@link #softmaxCrossEntropy} for a training step that must not wait for the GPU: the mean loss goes to
     * {@code lossOut[slot]} (DOUBLE), the number of rows whose argmax equals the label to {@code correctOut[slot]}
     * (LONG, may be null; argmax ties → lower index, as Trainer.countCorrect) and the first row whose label is outside
     * [0, cols) to {@code badRowOut[slot]} (INT, −1 when none; may be null). A bad label cannot be thrown without
     * waiting: that row's loss and gradient are NaN, so lossOut[slot] is NaN, and the host should check
     * badRowOut when it reads the loss. Overwrites {@code dlogits} [rows, cols] with (softmax − onehot)/rows and
     * the three slots; queues work and returns at once (nothing is copied to or from the host). The same bits as
     * {@link #softmaxCrossEntropy} for the loss.
     */
    @CpuTwin({CPU + "softmaxCrossEntropy", CONV + "countCorrect"})
    public void softmaxCrossEntropyAsync(DeviceBuffer logits, DeviceBuffer labels, int rows,
                                         int cols, DeviceBuffer dlogits, DeviceBuffer lossOut, DeviceBuffer correctOut,
                                         DeviceBuffer badRowOut, int slot) {
        String op = "softmaxCrossEntropyAsync";
        long n = product(op, rows, cols);
        if (rows == 0 || cols == 0) throw new IllegalArgumentException("GpuOps." + op + ": empty batch "
                + rows + " x " + cols);
        need(op, "logits", logits, DeviceBuffer.Type.FLOAT, n);
        need(op, "labels", labels, DeviceBuffer.Type.INT, rows);
        need(op, "dlogits", dlogits, DeviceBuffer.Type.FLOAT, n);
        needSlot(op, "lossOut", lossOut, DeviceBuffer.Type.DOUBLE, slot);
        if (correctOut != null) needSlot(op, "correctOut", correctOut, DeviceBuffer.Type.LONG, slot);
        if (badRowOut != null) needSlot(op, "badRowOut", badRowOut, DeviceBuffer.Type.INT, slot);
        // The scratch goes back to the pool at once; reuse is ordered after these launches on the one stream.
        try (DeviceBuffer rowLoss = ctx.allocDouble(rows); DeviceBuffer rowFlag = ctx.allocInt(rows)) {
            k.softmaxXentAcc(logits, labels, rows, cols, dlogits, rowLoss, 1f / rows, rowFlag);
            k.xentFinish(rowLoss, rowFlag, rows, 1.0 / rows, lossOut.at(slot),
                    correctOut == null ? null : correctOut.at(slot), badRowOut == null ? null : badRowOut.at(slot));
        }
    }

    /**
     * {@link #mse} without waiting: mean((p − t)²) goes to {@code lossOut[slot]} (DOUBLE); overwrites {@code dpred}
     * with 2(p − t)/n. Same summation (and bits) as {@link #mse}. Returns at once.
     */
    @CpuTwin(CPU + "mse")
    public void mseAsync(DeviceBuffer pred, DeviceBuffer target, int n, DeviceBuffer dpred,
                         DeviceBuffer lossOut, int slot) {
        if (n <= 0) throw new IllegalArgumentException("GpuOps.mseAsync: n = " + n + ", needs > 0");
        need("mseAsync", "pred", pred, DeviceBuffer.Type.FLOAT, n);
        need("mseAsync", "target", target, DeviceBuffer.Type.FLOAT, n);
        need("mseAsync", "dpred", dpred, DeviceBuffer.Type.FLOAT, n);
        needSlot("mseAsync", "lossOut", lossOut, DeviceBuffer.Type.DOUBLE, slot);
        int parts = Kernels.msePartials(n);
        try (DeviceBuffer partials = ctx.allocDouble(parts)) {
            k.mse(pred, target, n, dpred, 2f / n, partials);
            k.sumDouble(partials, parts, 1.0 / n, lossOut.at(slot));
        }
    }

    // ---------------------------------------------------------------- optimizers
    /**
     * Score accumulation fused into an optimizer step (native/optim.cu): before the update, element i's statistic
     * x = criterion(w[i], g[i]) (raw gradient: before the step's scale, clip and decay) is added into {@code scores[i]}
     * exactly as {@link dev.jprune.prune.ScoreAccumulator#accumulate} does (SUM, or EMA with {@code momentum}), masked
     * elements included. {@code criterionCode}: a JP_CRIT_* code other than BUFFER
     * ({@code dev.jprune.gpu.prune.PruneTable#criterionCode}). A non-finite input stores the lowest
     * {@code globalOffset + i} into slot 0 of {@code faultState} (LONG; unsigned minimum, so the host initialises it
     * to Long.MAX_VALUE): the sums are then invalid and the host must report it.
     */
    public record StepScores(DeviceBuffer scores, int criterionCode, boolean ema, float momentum,
                             DeviceBuffer faultState, long globalOffset) {}

    private void checkScores(String op, StepScores acc, int n) {
        if (acc == null) return;
        need(op, "scores", acc.scores(), DeviceBuffer.Type.FLOAT, n);
        need(op, "faultState", acc.faultState(), DeviceBuffer.Type.LONG, 1);
        if (acc.criterionCode() < 0 || acc.criterionCode() > 4) {
            throw new IllegalArgumentException("GpuOps." + op + ": score criterion code " + acc.criterionCode()
                    + " has no per-batch formula");
        }
        if (acc.ema() && !(acc.momentum() >= 0f && acc.momentum() < 1f)) {
            throw new IllegalArgumentException("GpuOps." + op + ": EMA momentum must be in [0, 1), got "
                    + acc.momentum());
        }
        if (acc.globalOffset() < 0) throw new IllegalArgumentException("GpuOps." + op + ": negative score offset "
                + acc.globalOffset());
    }

    /**
     * One SGD step, PyTorch semantics, as {@code CpuKernels.sgdStep}: gradient read once, scaled by
     * {@code gradScale}, clipped by value, decayed, momentum/Nesterov; where mask[i] == 0 w and mom become exactly 0.
     * Modifies {@code w} and {@code mom}. {@code mom} may be null only when momentum == 0; {@code mask} (BYTE) may be
     * null.
     */
    @CpuTwin(CPU + "sgdStep")
    public void sgdStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer mom, DeviceBuffer mask, int n, float lr,
                        float momentum, float weightDecay, boolean nesterov, float gradScale, float clipValue) {
        sgdStep(w, g, mom, mask, n, lr, momentum, weightDecay, nesterov, gradScale, clipValue, null);
    }

    /** {@link #sgdStep} with fused score accumulation ({@code scores} null: none). Also modifies the score buffer. */
    @CpuTwin({CPU + "sgdStep", "dev.jprune.prune.ScoreAccumulator#accumulate"})
    public void sgdStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer mom, DeviceBuffer mask, int n, float lr,
                        float momentum, float weightDecay, boolean nesterov, float gradScale, float clipValue,
                        StepScores scores) {
        nonNegative("sgdStep", "n", n);
        need("sgdStep", "w", w, DeviceBuffer.Type.FLOAT, n);
        need("sgdStep", "g", g, DeviceBuffer.Type.FLOAT, n);
        if (momentum != 0f && mom == null) throw new IllegalArgumentException("GpuOps.sgdStep: momentum " + momentum
                + " needs a momentum buffer");
        if (mom != null) need("sgdStep", "mom", mom, DeviceBuffer.Type.FLOAT, n);
        if (mask != null) need("sgdStep", "mask", mask, DeviceBuffer.Type.BYTE, n);
        checkScores("sgdStep", scores, n);
        if (n > 0) k.sgdStep(w, g, mom, mask, n, lr, momentum, weightDecay, nesterov, gradScale, clipValue, scores);
    }

    /**
     * One Adam step, PyTorch semantics (L2 decay added to the gradient), as {@code CpuKernels.adamStep};
     * {@code step} is 1-based. Masked entries of w, m and v become exactly 0. Modifies {@code w}, {@code m}, {@code v}.
     */
    @CpuTwin(CPU + "adamStep")
    public void adamStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer m, DeviceBuffer v, DeviceBuffer mask, int n,
                         float lr, float beta1, float beta2, float eps, float weightDecay, int step,
                         float gradScale, float clipValue) {
        adamStep(w, g, m, v, mask, n, lr, beta1, beta2, eps, weightDecay, step, gradScale, clipValue, null);
    }

    /** {@link #adamStep} with fused score accumulation ({@code scores} null: none). Also modifies the score buffer. */
    @CpuTwin({CPU + "adamStep", "dev.jprune.prune.ScoreAccumulator#accumulate"})
    public void adamStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer m, DeviceBuffer v, DeviceBuffer mask, int n,
                         float lr, float beta1, float beta2, float eps, float weightDecay, int step,
                         float gradScale, float clipValue, StepScores scores) {
        nonNegative("adamStep", "n", n);
        if (step < 1) throw new IllegalArgumentException("GpuOps.adamStep: step = " + step + ", is 1-based");
        need("adamStep", "w", w, DeviceBuffer.Type.FLOAT, n);
        need("adamStep", "g", g, DeviceBuffer.Type.FLOAT, n);
        need("adamStep", "m", m, DeviceBuffer.Type.FLOAT, n);
        need("adamStep", "v", v, DeviceBuffer.Type.FLOAT, n);
        if (mask != null) need("adamStep", "mask", mask, DeviceBuffer.Type.BYTE, n);
        checkScores("adamStep", scores, n);
        // The bias corrections exactly as the CPU twin computes them (double pow, rounded to float), so both sides
        // run the same float arithmetic per element.
        float bc1 = (float) (1 - Math.pow(beta1, step));
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = lr / bc1;
        if (n > 0) k.adamStep(w, g, m, v, mask, n, stepSize, beta1, beta2, eps, weightDecay, bc2Sqrt,
                gradScale, clipValue, scores);
    }

    // ---------------------------------------------------------------- multi-tensor optimizer steps
    /** Words per row of the multi-tensor step table (JP_OPT_ROW_LONGS in native/optim.cu). */
    static final int OPT_ROW_LONGS = 10;
    /** Blocks per tensor of a multi-tensor step are at most this many (each grid-strides over its tensor). */
    static final int OPT_MAX_BLOCKS_PER_TENSOR = 1024;

    /**
     * One tensor of {@link #sgdSteps} / {@link #adamSteps}: parameter {@code w} and gradient {@code g} (FLOAT), state
     * {@code s1} (SGD momentum — null only for momentum 0 — or Adam m) and {@code s2} (Adam v; null for SGD), mask
     * (BYTE or null), {@code n} elements, fused score accumulation (null: none).
     */
    public record StepTensor(DeviceBuffer w, DeviceBuffer g, DeviceBuffer s1, DeviceBuffer s2, DeviceBuffer mask, int n,
                             StepScores scores) {}

    /**
     * The device copy of a multi-tensor step's table (pointers and lengths), kept between steps: it is uploaded again
     * only when a pointer or length changes (a prune replaces the masks, the first step allocates the states), so a
     * training step copies nothing to the device. Owns device memory; not shared between threads.
     */
    public static final class StepTable implements AutoCloseable {
        private final GpuContext ctx;
        private long[] rows = new long[0];
        private DeviceBuffer dev;

        private StepTable(GpuContext ctx) { this.ctx = ctx; }

        private DeviceBuffer update(long[] encoded) {
            if (dev == null || !java.util.Arrays.equals(encoded, rows)) {
                // A fresh buffer, never an overwrite: steps queued earlier may still read the old table (the pool
                // hands a released buffer only to work queued after its release).
                DeviceBuffer next = ctx.upload(encoded);
                if (dev != null) dev.close();
                dev = next;
                rows = encoded;
            }
            return dev;
        }

        @Override
        public void close() {
            if (dev != null) dev.close();
            dev = null;
            rows = new long[0];
        }
    }

    /** A table for {@link #sgdSteps} / {@link #adamSteps} (one per parameter list, e.g. per trainer). */
    public StepTable stepTable() { return new StepTable(ctx); }

    /**
     * Validates the tensors and returns the encoded table; the total of its blocks goes to blocks[0], the shared score
     * settings to shared[0].
     */
    private long[] encodeSteps(String op, StepTable table, List<StepTensor> ts, boolean adam, float momentum,
                               StepScores[] shared, long[] blocks) {
        if (table == null || table.ctx != ctx) throw new IllegalArgumentException("GpuOps." + op
                + ": the step table is null or of another GpuContext");
        if (ts.isEmpty()) throw new IllegalArgumentException("GpuOps." + op + ": no tensors");
        long[] rows = new long[ts.size() * OPT_ROW_LONGS];
        long start = 0;
        for (int t = 0; t < ts.size(); t++) {
            StepTensor x = ts.get(t);
            String at = op + " tensor " + t;
            if (x == null) throw new IllegalArgumentException("GpuOps." + at + ": null");
            nonNegative(at, "n", x.n());
            need(at, "w", x.w(), DeviceBuffer.Type.FLOAT, x.n());
            need(at, "g", x.g(), DeviceBuffer.Type.FLOAT, x.n());
            if (adam) {
                need(at, "m", x.s1(), DeviceBuffer.Type.FLOAT, x.n());
                need(at, "v", x.s2(), DeviceBuffer.Type.FLOAT, x.n());
            } else {
                if (momentum != 0f && x.s1() == null) throw new IllegalArgumentException("GpuOps." + at + ": momentum "
                        + momentum + " needs a momentum buffer");
                if (x.s1() != null) need(at, "mom", x.s1(), DeviceBuffer.Type.FLOAT, x.n());
                if (x.s2() != null) throw new IllegalArgumentException("GpuOps." + at
                        + ": SGD has no second state buffer");
            }
            if (x.mask() != null) need(at, "mask", x.mask(), DeviceBuffer.Type.BYTE, x.n());
            StepScores sc = x.scores();
            checkScores(at, sc, x.n());
            if (sc != null) {
                StepScores first = shared[0];
                if (first == null) shared[0] = sc;
                else if (first.faultState() != sc.faultState() || first.criterionCode() != sc.criterionCode()
                        || first.ema() != sc.ema() || first.momentum() != sc.momentum()) {
                    throw new IllegalArgumentException("GpuOps." + at
                            + ": the tensors' score accumulations differ in criterion, mode,"
                            + " momentum or fault state (one launch shares them)");
                }
            }
            long b = x.n() == 0 ? 0
                    : Math.min(OPT_MAX_BLOCKS_PER_TENSOR, (x.n() + Kernels.THREADS - 1) / Kernels.THREADS);
            int r = t * OPT_ROW_LONGS;
            rows[r] = x.w().address(0);
            rows[r + 1] = x.g().address(0);
            rows[r + 2] = x.s1() == null ? 0 : x.s1().address(0);
            rows[r + 3] = x.s2() == null ? 0 : x.s2().address(0);
            rows[r + 4] = x.mask() == null ? 0 : x.mask().address(0);
            rows[r + 5] = sc == null ? 0 : sc.scores().address(0);
            rows[r + 6] = x.n();
            rows[r + 7] = sc == null ? 0 : sc.globalOffset();
            rows[r + 8] = start;
            rows[r + 9] = b;
            start += b;
        }
        if (start > Integer.MAX_VALUE) throw new IllegalArgumentException("GpuOps." + op + ": " + start + " blocks");
        blocks[0] = start;
        return rows;
    }

    /**
     * {@link #sgdStep} on every tensor of {@code ts} in ONE launch (the same per-element arithmetic, so the same bits
     * as a loop of sgdStep calls); the scalars are shared, and so are the score accumulations' criterion, mode,
     * momentum and fault state. {@code table} caches the device table between calls. Modifies every w, s1 and score
     * buffer.
     */
    @CpuTwin({CPU + "sgdStep", "dev.jprune.prune.ScoreAccumulator#accumulate"})
    public void sgdSteps(StepTable table, List<StepTensor> ts, float lr, float momentum,
                         float weightDecay, boolean nesterov, float gradScale, float clipValue) {
        sgdStepsImpl(table, ts, lr, momentum, weightDecay, nesterov, gradScale, null, clipValue);
    }

    /**
     * {@link #sgdSteps} with the gradient scale read on the device from {@code clip}'s scale (written by
     * {@link #clipScaleAsync}): no host round trip for clip-by-norm. A step whose scale is NaN (a non-finite gradient
     * norm, recorded in the NormTable) changes nothing. Modifies every w, s1 and score buffer.
     */
    @CpuTwin({CPU + "sgdStep", "dev.jprune.prune.ScoreAccumulator#accumulate", "dev.jprune.optim.GradClip#normScale"})
    public void sgdSteps(StepTable table, List<StepTensor> ts, float lr, float momentum, float weightDecay,
                         boolean nesterov, NormTable clip, float clipValue) {
        needTable("sgdSteps", clip);
        sgdStepsImpl(table, ts, lr, momentum, weightDecay, nesterov, 1f, clip.scale, clipValue);
    }

    private void needTable(String op, NormTable clip) {
        if (clip == null || clip.ctx != ctx) {
            throw new IllegalArgumentException("GpuOps." + op + ": the norm table is null or of another GpuContext");
        }
    }

    private void sgdStepsImpl(StepTable table, List<StepTensor> ts, float lr, float momentum, float weightDecay,
                              boolean nesterov, float gradScale, DeviceBuffer scaleDev, float clipValue) {
        StepScores[] shared = new StepScores[1];
        long[] blocks = new long[1];
        long[] rows = encodeSteps("sgdSteps", table, ts, false, momentum, shared, blocks);
        if (blocks[0] == 0) return;
        k.sgdStepMulti(table.update(rows), ts.size(), blocks[0], lr, momentum, weightDecay, nesterov, gradScale,
                scaleDev, clipValue, shared[0]);
    }

    /**
     * {@link #adamStep} on every tensor of {@code ts} in ONE launch; as {@link #sgdSteps}. Modifies every w, m, v and
     * score buffer.
     */
    @CpuTwin({CPU + "adamStep", "dev.jprune.prune.ScoreAccumulator#accumulate"})
    public void adamSteps(StepTable table, List<StepTensor> ts, float lr, float beta1, float beta2,
                          float eps, float weightDecay, int step, float gradScale, float clipValue) {
        adamStepsImpl(table, ts, lr, beta1, beta2, eps, weightDecay, step, gradScale, null, clipValue);
    }

    /** {@link #adamSteps} with the gradient scale read on the device from {@code clip} (as the SGD overload). */
    @CpuTwin({CPU + "adamStep", "dev.jprune.prune.ScoreAccumulator#accumulate", "dev.jprune.optim.GradClip#normScale"})
    public void adamSteps(StepTable table, List<StepTensor> ts, float lr, float beta1, float beta2, float eps,
                          float weightDecay, int step, NormTable clip, float clipValue) {
        needTable("adamSteps", clip);
        adamStepsImpl(table, ts, lr, beta1, beta2, eps, weightDecay, step, 1f, clip.scale, clipValue);
    }

    private void adamStepsImpl(StepTable table, List<StepTensor> ts, float lr, float beta1, float beta2, float eps,
                               float weightDecay, int step, float gradScale, DeviceBuffer scaleDev, float clipValue) {
        if (step < 1) throw new IllegalArgumentException("GpuOps.adamSteps: step = " + step + ", is 1-based");
        StepScores[] shared = new StepScores[1];
        long[] blocks = new long[1];
        long[] rows = encodeSteps("adamSteps", table, ts, true, 0f, shared, blocks);
        if (blocks[0] == 0) return;
        float bc1 = (float) (1 - Math.pow(beta1, step));  // exactly as adamStep (and its twin)
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = lr / bc1;
        k.adamStepMulti(table.update(rows), ts.size(), blocks[0], stepSize, beta1, beta2, eps, weightDecay, bc2Sqrt,
                gradScale, scaleDev, clipValue, shared[0]);
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
            throw new IllegalArgumentException("GpuOps.sumSquares: perTensor has " + perTensor.length
                    + " slots for " + t + " tensors");
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

    /**
     * {@link #sumSquares(List, double[])} over views of one buffer (a flat parameter or gradient buffer): tensor i is
     * {@code flat[offsets[i], offsets[i] + lengths[i])}; views may overlap. Same pass, same order, same results as
     * separate buffers of those contents. Modifies only {@code perTensor}.
     */
    @CpuTwin(CPU + "sumSquares")
    public double sumSquares(DeviceBuffer flat, long[] offsets, long[] lengths, double[] perTensor) {
        if (offsets == null || lengths == null || offsets.length != lengths.length) {
            throw new IllegalArgumentException("GpuOps.sumSquares: " + (offsets == null ? "null" : offsets.length)
                    + " offsets for " + (lengths == null ? "null" : lengths.length) + " lengths");
        }
        int t = offsets.length;
        if (perTensor != null && perTensor.length < t) {
            throw new IllegalArgumentException("GpuOps.sumSquares: perTensor has " + perTensor.length
                    + " slots for " + t + " tensors");
        }
        need("sumSquares", "flat", flat, DeviceBuffer.Type.FLOAT, 0);
        for (int i = 0; i < t; i++) {
            if (offsets[i] < 0 || lengths[i] < 0 || offsets[i] + lengths[i] > flat.length()) {
                throw new IllegalArgumentException("GpuOps.sumSquares: view " + i + " [" + offsets[i] + ", "
                        + (offsets[i] + lengths[i]) + ") outside a buffer of " + flat.length() + " elements");
            }
        }
        if (t == 0) return 0.0;
        DeviceBuffer[] bufs = new DeviceBuffer[t];
        java.util.Arrays.fill(bufs, flat);
        return sumSquaresImpl(bufs, offsets.clone(), lengths.clone(), perTensor);
    }

    /** Most blocks one tensor gets: 1024 x 256 threads fill any current GPU several times over. */
    static final int MAX_SUMSQ_BLOCKS = 1024;

    /** Blocks of one tensor: about 16 elements per thread, 1..1024. A function of the length only, so the summation
     *  order (and result) is reproducible. */
    static int sumSquaresBlocks(long len) {
        long b = (len + Kernels.THREADS * 16L - 1) / (Kernels.THREADS * 16L);
        return (int) Math.max(1, Math.min(MAX_SUMSQ_BLOCKS, b));
    }

    /** Table rows of reduce.cu's JpTensorRef: pointer, length, first block, blocks (4 longs per tensor). */
    static final int SUMSQ_ROW_LONGS = 4;

    /** reduce.cu's table for the given views; the total of the blocks column goes to blocks[0]. */
    private static long[] encodeSumSquares(DeviceBuffer[] bufs, long[] offs, long[] lens, long[] blocks) {
        int t = bufs.length;
        long[] table = new long[SUMSQ_ROW_LONGS * t];
        long total = 0;
        for (int i = 0; i < t; i++) {
            int nb = sumSquaresBlocks(lens[i]);
            table[SUMSQ_ROW_LONGS * i] = bufs[i].address(offs[i]);
            table[SUMSQ_ROW_LONGS * i + 1] = lens[i];
            table[SUMSQ_ROW_LONGS * i + 2] = total;
            table[SUMSQ_ROW_LONGS * i + 3] = nb;
            total += nb;
        }
        blocks[0] = total;
        return table;
    }

    private double sumSquaresImpl(DeviceBuffer[] bufs, long[] offs, long[] lens, double[] perTensor) {
        int t = bufs.length;
        long[] nb = new long[1];
        long[] table = encodeSumSquares(bufs, offs, lens, nb);
        long blocks = nb[0];
        try (DeviceBuffer tab = ctx.allocLong((long) SUMSQ_ROW_LONGS * t);
             DeviceBuffer partials = ctx.allocDouble(blocks);
             DeviceBuffer per = perTensor == null ? null : ctx.allocDouble(t);
             DeviceBuffer total = ctx.allocDouble(1)) {
            tab.upload(table);
            k.sumsqPartials(tab, t, blocks, partials);
            k.sumsqFinish(tab, partials, t, blocks, per, total);
            double[] r = new double[1];
            double[] p = per == null ? null : new double[t];
            if (per == null) ctx.download(total.into(r)); else ctx.download(total.into(r), per.into(p));
            if (p != null) System.arraycopy(p, 0, perTensor, 0, t);
            return r[0];
        }
    }

    /**
     * The device side of clip-by-norm for one list of gradient buffers (a model's), kept between steps: the
     * sum-of-squares table (uploaded again only when a buffer changes), its partial sums, and the results that
     * {@link #clipScaleAsync} writes and the optimizer steps read: the scale (FLOAT[1]), the last norm (DOUBLE[1]) and
     * the first step with a non-finite norm (LONG[1], −1 when none). So a training step with clip-by-norm allocates,
     * uploads and waits for nothing. Owns device memory; not shared between threads.
     */
    public static final class NormTable implements AutoCloseable {
        private final GpuContext ctx;
        private long[] rows = new long[0];
        private long blocks;
        private DeviceBuffer dev, partials;
        final DeviceBuffer scale, norm, fault, total;

        private NormTable(GpuContext ctx) {
            this.ctx = ctx;
            DeviceBuffer s = null, n = null, f = null, t = null;
            try {
                s = ctx.allocFloat(1);
                n = ctx.allocDouble(1);
                f = ctx.allocLong(1);
                t = ctx.allocDouble(1);
            } catch (RuntimeException e) {
                for (DeviceBuffer b : new DeviceBuffer[] {s, n, f, t}) if (b != null) b.close();
                throw e;
            }
            scale = s;
            norm = n;
            fault = f;
            total = t;
            norm.upload(new double[] {Double.NaN});
            resetFault();
        }

        /** Forgets a recorded non-finite norm (queued: no wait), so that the following steps update again. */
        public void resetFault() { fault.upload(new long[] {-1L}); }

        /** Pending copies of the last norm (the faulting one after a fault) and the faulting step (−1: none), for
         *  {@link GpuContext#download} with the other values the host reads at the end of an epoch. */
        public DeviceBuffer.Transfer normInto(double[] dst) { return norm.into(dst); }
        public DeviceBuffer.Transfer faultInto(long[] dst) { return fault.into(dst); }

        private DeviceBuffer update(long[] encoded, long totalBlocks) {
            if (dev == null || !java.util.Arrays.equals(encoded, rows)) {
                // Fresh buffers, never overwrites: steps queued earlier may still read the old ones.
                DeviceBuffer next = ctx.upload(encoded);
                DeviceBuffer nextPartials;
                try {
                    nextPartials = ctx.allocDouble(Math.max(1, totalBlocks));
                } catch (RuntimeException e) {
                    next.close();
                    throw e;
                }
                if (dev != null) dev.close();
                if (partials != null) partials.close();
                dev = next;
                partials = nextPartials;
                rows = encoded;
                blocks = totalBlocks;
            }
            return dev;
        }

        @Override
        public void close() {
            for (DeviceBuffer b : new DeviceBuffer[] {dev, partials, scale, norm, fault, total}) {
                if (b != null) b.close();
            }
            dev = partials = null;
            rows = new long[0];
        }
    }

    /** A clip-by-norm table for {@link #clipScaleAsync} (one per gradient list, e.g. per trainer). */
    public NormTable normTable() { return new NormTable(ctx); }

    /**
     * Queues clip_grad_norm_'s factor for the gradients {@code tensors} (their full lengths), computed on the device in
     * GradClip's operations: norm = sqrt(Σ Σ g²) (the sum of {@link #sumSquares(List, double[])}, same order),
     * scale = GradClip.normScale(norm, maxNorm) — the same bits as reading the norm back and computing the scale on
     * the host, without the wait. The optimizer overloads that take {@code table} read it. A non-finite norm records
     * {@code step} as the table's fault (the first one) and makes every later scale NaN until
     * {@link NormTable#resetFault}. Modifies only the table's buffers.
     */
    @CpuTwin({CPU + "sumSquares", "dev.jprune.optim.GradClip#normScale"})
    public void clipScaleAsync(NormTable table, List<DeviceBuffer> tensors, double maxNorm, long step) {
        needTable("clipScaleAsync", table);
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("GpuOps.clipScaleAsync: max norm must be positive, got " + maxNorm);
        }
        int t = tensors.size();
        if (t == 0) throw new IllegalArgumentException("GpuOps.clipScaleAsync: no tensors");
        DeviceBuffer[] bufs = new DeviceBuffer[t];
        long[] offs = new long[t], lens = new long[t];
        for (int i = 0; i < t; i++) {
            bufs[i] = tensors.get(i);
            need("clipScaleAsync", "tensor " + i, bufs[i], DeviceBuffer.Type.FLOAT, 0);
            lens[i] = bufs[i].length();
        }
        long[] nb = new long[1];
        long[] encoded = encodeSumSquares(bufs, offs, lens, nb);
        DeviceBuffer tab = table.update(encoded, nb[0]);
        k.sumsqPartials(tab, t, nb[0], table.partials);
        k.sumsqFinishClip(tab, table.partials, t, nb[0], table.total, maxNorm, step, table.scale, table.norm,
                table.fault);
    }

    // ---------------------------------------------------------------- convolution (native/conv.cu + GEMM)
    private static int checkedInt(String op, String what, long v) {
        if (v > Integer.MAX_VALUE) throw new IllegalArgumentException("GpuOps." + op + ": " + what + " = "
                + v + " exceeds 2^31-1");
        return (int) v;
    }

    /** Checks a convolution geometry; returns {OH, OW}. */
    private static int[] convGeometry(String op, int n, int c, int h, int w, int kh, int kw, int stride, int pad) {
        String[] names = {"n", "c", "h", "w", "kh", "kw", "stride"};
        int[] vals = {n, c, h, w, kh, kw, stride};
        for (int i = 0; i < vals.length; i++) {
            if (vals[i] < 1) throw new IllegalArgumentException("GpuOps." + op + ": " + names[i] + " = "
                    + vals[i] + ", needs >= 1");
        }
        nonNegative(op, "pad", pad);
        if ((long) h + 2L * pad < kh || (long) w + 2L * pad < kw) {
            throw new IllegalArgumentException("GpuOps." + op + ": input " + h + "x" + w + " with padding " + pad
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

    private static long nfp(String op, int n, int f, int p) {
        if (n < 1 || f < 1 || p < 1) throw new IllegalArgumentException("GpuOps." + op + ": n, f, p = " + n + ", " + f
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
        int b = Kernels.biasGradBlocks((long) n * p);
        try (DeviceBuffer partials = ctx.allocDouble((long) f * b)) {
            k.biasGradPartials(dy, n, f, p, b, partials);
            k.biasGradFinish(partials, f, b, db);
        }
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
        if (f < 1) throw new IllegalArgumentException("GpuOps." + op + ": f = " + f + ", needs >= 1");
        int[] o = convGeometry(op, n, c, h, w, kernel, kernel, stride, pad);
        int p = o[0] * o[1], np = n * p, ckk = c * kernel * kernel;
        long yLen = nfp(op, n, f, p);
        need(op, "x", x, DeviceBuffer.Type.FLOAT, (long) n * c * h * w);
        need(op, "weight", weight, DeviceBuffer.Type.FLOAT, (long) f * ckk);
        if (bias != null) need(op, "bias", bias, DeviceBuffer.Type.FLOAT, f);
        need(op, "y", y, DeviceBuffer.Type.FLOAT, yLen);
        try (DeviceBuffer col = ctx.allocFloat((long) ckk * np); DeviceBuffer rows = ctx.allocFloat(yLen)) {
            k.im2col(x, n, c, h, w, kernel, kernel, stride, pad, o[0], o[1], col);
            gemmImpl(op, false, false, false, f, np, ckk, 1f, weight, 0, ckk, col, 0, np, 0f, rows, 0, np, null, false);
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
        if (f < 1) throw new IllegalArgumentException("GpuOps." + op + ": f = " + f + ", needs >= 1");
        int[] o = convGeometry(op, n, c, h, w, kernel, kernel, stride, pad);
        int p = o[0] * o[1], np = n * p, ckk = c * kernel * kernel;
        long yLen = nfp(op, n, f, p);
        need(op, "x", x, DeviceBuffer.Type.FLOAT, (long) n * c * h * w);
        need(op, "weight", weight, DeviceBuffer.Type.FLOAT, (long) f * ckk);
        need(op, "dy", dy, DeviceBuffer.Type.FLOAT, yLen);
        if (dx != null) need(op, "dx", dx, DeviceBuffer.Type.FLOAT, (long) n * c * h * w);
        need(op, "dw", dw, DeviceBuffer.Type.FLOAT, (long) f * ckk);
        if (db != null) need(op, "db", db, DeviceBuffer.Type.FLOAT, f);
        try (DeviceBuffer col = ctx.allocFloat((long) ckk * np); DeviceBuffer dyRows = ctx.allocFloat(yLen)) {
            k.nchwToRows(dy, n, f, p, dyRows);
            k.im2col(x, n, c, h, w, kernel, kernel, stride, pad, o[0], o[1], col);
            // dW [F, CKK] += dY' [F, NP] · col^T   (col stored [CKK, NP] = B^T)
            gemmImpl(op, false, false, true, f, ckk, np, 1f, dyRows, 0, np, col, 0, np, 1f, dw, 0, ckk, null, false);
            if (db != null) biasGradNchw(dy, n, f, p, db);
            if (dx != null) {
                // dcol [CKK, NP] = W^T · dY' (W stored [F, CKK] = A^T), written over col: the stream orders it after
                // the dW GEMM that reads col.
                gemmImpl(op, false, true, false, ckk, np, f, 1f, weight, 0, ckk, dyRows, 0, np, 0f,
                        col, 0, np, null, false);
                k.col2im(col, n, c, h, w, kernel, kernel, stride, pad, o[0], o[1], dx);
            }
        }
    }

    // ---------------------------------------------------------------- max pooling (native/pool.cu)
    private static int[] poolGeometry(String op, int n, int c, int h, int w, int kernel, int stride) {
        if (n < 1 || c < 1 || kernel < 1 || stride < 1) {
            throw new IllegalArgumentException("GpuOps." + op + ": n, c, kernel, stride = " + n + ", " + c + ", "
                    + kernel + ", " + stride + ", all need >= 1");
        }
        if (h < kernel || w < kernel) throw new IllegalArgumentException("GpuOps." + op + ": input " + h + "x" + w
                + " smaller than the window " + kernel);
        checkedInt(op, "N*C*H*W", (long) n * c * h * w);
        return new int[] {(h - kernel) / stride + 1, (w - kernel) / stride + 1};
    }

    /**
     * Max pooling of x FLOAT [N, C, H, W], k×k windows, stride s, no padding: y FLOAT [N, C, OH, OW] and argmax INT
     * (flat index into x; ties → lowest index; NaN counts as the maximum), exactly as MaxPool2d. Overwrites
     * {@code y} and {@code argmax}.
     */
    @CpuTwin(CONV + "maxPoolForward")
    public void maxPoolForward(DeviceBuffer x, int n, int c, int h, int w, int kernel, int stride, DeviceBuffer y,
                               DeviceBuffer argmax) {
        int[] o = poolGeometry("maxPoolForward", n, c, h, w, kernel, stride);
        long outs = (long) n * c * o[0] * o[1];
        need("maxPoolForward", "x", x, DeviceBuffer.Type.FLOAT, (long) n * c * h * w);
        need("maxPoolForward", "y", y, DeviceBuffer.Type.FLOAT, outs);
        need("maxPoolForward", "argmax", argmax, DeviceBuffer.Type.INT, outs);
        k.maxPoolForward(x, n * c, h, w, o[0], o[1], kernel, stride, y, argmax);
    }

    /**
     * dx [N, C, H, W] = Σ of dy over the outputs whose argmax (from {@link #maxPoolForward} with the same geometry)
     * is that element, gathered by one thread per element in ascending output order: bit-identical to MaxPool2d,
     * overlapping windows included, no atomics. Overwrites {@code dx}.
     */
    @CpuTwin(CONV + "maxPoolBackward")
    public void maxPoolBackward(DeviceBuffer dy, DeviceBuffer argmax, int n, int c, int h, int w, int kernel,
                                int stride, DeviceBuffer dx) {
        int[] o = poolGeometry("maxPoolBackward", n, c, h, w, kernel, stride);
        long outs = (long) n * c * o[0] * o[1];
        need("maxPoolBackward", "dy", dy, DeviceBuffer.Type.FLOAT, outs);
        need("maxPoolBackward", "argmax", argmax, DeviceBuffer.Type.INT, outs);
        need("maxPoolBackward", "dx", dx, DeviceBuffer.Type.FLOAT, (long) n * c * h * w);
        k.maxPoolBackward(dy, argmax, n * c, h, w, o[0], o[1], kernel, stride, dx);
    }

    // ---------------------------------------------------------------- dropout (native/dropout.cu)
    private static void dropoutP(String op, float p) {
        if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("GpuOps." + op
                + ": p must be in [0, 1), got " + p);
    }

    /**
     * Inverted dropout, training forward number {@code stream} of a Dropout(p, seed) layer: keep[i] =
     * Rng.hashUniform(seed, stream, i) ≥ p (bit-identical to the CPU), y = keep ? x/(1−p) : 0.
     * Overwrites {@code y} (FLOAT, may be x) and {@code keep} (BYTE, 1 keep / 0 drop).
     */
    @CpuTwin(CONV + "dropoutForward")
    public void dropoutForward(DeviceBuffer x, int n, float p, long seed, long stream, DeviceBuffer y,
                               DeviceBuffer keep) {
        dropoutP("dropoutForward", p);
        nonNegative("dropoutForward", "n", n);
        need("dropoutForward", "x", x, DeviceBuffer.Type.FLOAT, n);
        need("dropoutForward", "y", y, DeviceBuffer.Type.FLOAT, n);
        need("dropoutForward", "keep", keep, DeviceBuffer.Type.BYTE, n);
        if (n > 0) k.dropoutForward(x, y, keep, n, p, 1f / (1f - p), seed, stream);
    }

    /** dx = keep ? dy/(1−p) : 0 with the mask of {@link #dropoutForward}. Overwrites {@code dx} (may be dy). */
    @CpuTwin(CONV + "dropoutBackward")
    public void dropoutBackward(DeviceBuffer dy, DeviceBuffer keep, int n, float p, DeviceBuffer dx) {
        dropoutP("dropoutBackward", p);
        nonNegative("dropoutBackward", "n", n);
        need("dropoutBackward", "dy", dy, DeviceBuffer.Type.FLOAT, n);
        need("dropoutBackward", "keep", keep, DeviceBuffer.Type.BYTE, n);
        need("dropoutBackward", "dx", dx, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.dropoutBackward(dy, keep, dx, n, 1f / (1f - p));
    }
}
