package dev.jprune.gpu;

import dev.jprune.gpu.GpuReductions.NormTable;

import java.util.List;

/**
 * Optimizer steps (native/optim.cu): SGD and Adam with PyTorch semantics, per tensor or for many tensors in one
 * launch (a {@link StepTable} kept between steps), with optional fused score accumulation ({@link StepScores}).
 */
public final class GpuOptimizers extends GpuOpFamily {
    private final OptimKernels k;

    GpuOptimizers(GpuContext ctx) {
        super(ctx);
        this.k = new OptimKernels(ctx);
    }

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
            throw new IllegalArgumentException(where(op) + ": score criterion code " + acc.criterionCode()
                    + " has no per-batch formula");
        }
        if (acc.ema() && !(acc.momentum() >= 0f && acc.momentum() < 1f)) {
            throw new IllegalArgumentException(where(op) + ": EMA momentum must be in [0, 1), got "
                    + acc.momentum());
        }
        if (acc.globalOffset() < 0) throw new IllegalArgumentException(where(op) + ": negative score offset "
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
        if (momentum != 0f && mom == null) {
            throw new IllegalArgumentException(where("sgdStep") + ": momentum " + momentum
                    + " needs a momentum buffer");
        }
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
        if (step < 1) throw new IllegalArgumentException(where("adamStep") + ": step = " + step + ", is 1-based");
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
        if (table == null || table.ctx != ctx) throw new IllegalArgumentException(where(op)
                + ": the step table is null or of another GpuContext");
        if (ts.isEmpty()) throw new IllegalArgumentException(where(op) + ": no tensors");
        long[] rows = new long[ts.size() * OPT_ROW_LONGS];
        long start = 0;
        for (int t = 0; t < ts.size(); t++) {
            StepTensor x = ts.get(t);
            String at = op + " tensor " + t;
            if (x == null) throw new IllegalArgumentException(where(at) + ": null");
            nonNegative(at, "n", x.n());
            need(at, "w", x.w(), DeviceBuffer.Type.FLOAT, x.n());
            need(at, "g", x.g(), DeviceBuffer.Type.FLOAT, x.n());
            if (adam) {
                need(at, "m", x.s1(), DeviceBuffer.Type.FLOAT, x.n());
                need(at, "v", x.s2(), DeviceBuffer.Type.FLOAT, x.n());
            } else {
                if (momentum != 0f && x.s1() == null) throw new IllegalArgumentException(where(at) + ": momentum "
                        + momentum + " needs a momentum buffer");
                if (x.s1() != null) need(at, "mom", x.s1(), DeviceBuffer.Type.FLOAT, x.n());
                if (x.s2() != null) throw new IllegalArgumentException(where(at)
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
                    throw new IllegalArgumentException(where(at)
                            + ": the tensors' score accumulations differ in criterion, mode,"
                            + " momentum or fault state (one launch shares them)");
                }
            }
            long b = x.n() == 0 ? 0
                    : Math.min(OPT_MAX_BLOCKS_PER_TENSOR,
                            (x.n() + KernelLauncher.THREADS - 1) / KernelLauncher.THREADS);
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
        if (start > Integer.MAX_VALUE) throw new IllegalArgumentException(where(op) + ": " + start + " blocks");
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
     * {@link GpuReductions#clipScaleAsync}): no host round trip for clip-by-norm. A step whose scale is NaN (a
     * non-finite gradient norm, recorded in the NormTable) changes nothing. Modifies every w, s1 and score buffer.
     */
    @CpuTwin({CPU + "sgdStep", "dev.jprune.prune.ScoreAccumulator#accumulate", "dev.jprune.optim.GradClip#normScale"})
    public void sgdSteps(StepTable table, List<StepTensor> ts, float lr, float momentum, float weightDecay,
                         boolean nesterov, NormTable clip, float clipValue) {
        needTable("sgdSteps", clip);
        sgdStepsImpl(table, ts, lr, momentum, weightDecay, nesterov, 1f, clip.scale, clipValue);
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
        if (step < 1) throw new IllegalArgumentException(where("adamSteps") + ": step = " + step + ", is 1-based");
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
}
