package dev.jprune.gpu;

import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.util.HashMap;
import java.util.Map;

/**
 * Typed launchers, one method per {@code extern "C"} kernel in native/*.cu (a test checks the two lists match).
 * They pick grid and block shapes and marshal arguments; argument validation is the caller's ({@link GpuOps}).
 * CUfunction handles are looked up once per name and cached. Every failure, at launch or (validate mode) when
 * the kernel runs, is a {@link GpuException} naming the kernel, the shapes and the grid/block.
 */
final class Kernels {
    /** Threads per block of the 1-D kernels; must equal JP_THREADS in native/common.cuh. */
    static final int THREADS = 256;
    /** Grid-stride kernels need no more blocks than this to fill any current GPU. */
    static final int MAX_BLOCKS = 8192;
    // Must match GEMM_* in native/gemm.cu.
    static final int GEMM_RELU = 1, GEMM_VEC_A = 2, GEMM_VEC_B = 4, GEMM_VEC_C = 8;

    private final GpuContext ctx;
    private final Map<String, CUfunction> functions = new HashMap<>();

    Kernels(GpuContext ctx) { this.ctx = ctx; }

    CUfunction function(String name) {
        CUfunction f = functions.get(name);
        if (f == null) {
            f = new CUfunction();
            Cu.check(JCudaDriver.cuModuleGetFunction(f, ctx.module(), name), "cuModuleGetFunction(" + name + ")");
            functions.put(name, f);
        }
        return f;
    }

    static int blocks1d(long n) { return (int) Math.max(1, Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS)); }

    /**
     * The guarantee of the kernels that index in 32 bits (jp_tid32 in native/common.cuh): the element count, and every
     * product they index or divide with, is below 2^31 (grids come from {@link #blocks1d}: at most MAX_BLOCKS x THREADS
     * threads, so i + stride cannot wrap). The ops check their shapes first; this is the launch's own assertion.
     */
    static void fits32(String kernel, String what, long n) {
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(kernel + ": " + what + " = " + n
                    + " is outside [0, 2^31-1], the kernel's 32-bit index range");
        }
    }

    /**
     * Kernel arguments: DeviceBuffer (pointer to element 0), DevPtr, null (null pointer), Integer, Float, Long, Double.
     */
    private static Pointer params(Object... args) {
        Pointer[] p = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) p[i] = Pointer.to(new long[] {0L});
            else if (a instanceof DeviceBuffer) p[i] = Pointer.to(((DeviceBuffer) a).ptr());
            else if (a instanceof DevPtr) p[i] = Pointer.to((DevPtr) a);
            else if (a instanceof Integer) p[i] = Pointer.to(new int[] {(Integer) a});
            else if (a instanceof Float) p[i] = Pointer.to(new float[] {(Float) a});
            else if (a instanceof Long) p[i] = Pointer.to(new long[] {(Long) a});
            else if (a instanceof Double) p[i] = Pointer.to(new double[] {(Double) a});
            else throw new IllegalArgumentException("kernel argument " + i + " of unsupported type " + a.getClass());
        }
        return Pointer.to(p);
    }

    private void launch(String name, int gx, int gy, int block, String shapes, Object... args) {
        launchZ(name, gx, gy, 1, block, shapes, args);
    }

    private void launchZ(String name, int gx, int gy, int gz, int block, String shapes, Object... args) {
        ctx.bind();
        CUfunction f = function(name);
        int r = JCudaDriver.cuLaunchKernel(f, gx, gy, gz, block, 1, 1, 0, ctx.stream(), params(args), null);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new GpuException("launch of " + name + " (" + shapes + ") grid (" + gx + "," + gy
                    + "," + gz + ") block (" + block + ",1,1) failed: " + Cu.name(r));
        }
        if (ctx.validate()) {
            r = JCudaDriver.cuStreamSynchronize(ctx.stream());
            if (r != CUresult.CUDA_SUCCESS) {
                throw new GpuException("kernel " + name + " (" + shapes + ") grid (" + gx + "," + gy
                        + "," + gz + ") block (" + block + ",1,1) failed while running: " + Cu.name(r));
            }
        }
    }

    // ---- elementwise.cu
    void biasAdd(DeviceBuffer y, DeviceBuffer bias, int rows, int cols) {
        fits32("jp_bias_add", "rows*cols", (long) rows * cols);
        launch("jp_bias_add", blocks1d((long) rows * cols), 1, THREADS, "rows=" + rows + " cols=" + cols,
                y, bias, rows, cols);
    }
    void biasRelu(DeviceBuffer y, DeviceBuffer bias, int rows, int cols) {
        fits32("jp_bias_relu", "rows*cols", (long) rows * cols);
        launch("jp_bias_relu", blocks1d((long) rows * cols), 1, THREADS, "rows=" + rows + " cols=" + cols,
                y, bias, rows, cols);
    }
    void reluForward(DeviceBuffer x, DeviceBuffer y, int n) {
        launch("jp_relu_fwd", blocks1d(n), 1, THREADS, "n=" + n, x, y, n);
    }
    void reluBackward(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, int n) {
        launch("jp_relu_bwd", blocks1d(n), 1, THREADS, "n=" + n, x, dy, dx, n);
    }
    void scale(DeviceBuffer g, int n, float s) { launch("jp_scale", blocks1d(n), 1, THREADS, "n=" + n, g, n, s); }
    void clamp(DeviceBuffer g, int n, float c) { launch("jp_clamp", blocks1d(n), 1, THREADS, "n=" + n, g, n, c); }
    void fill(DeviceBuffer y, int n, float v) { launch("jp_fill", blocks1d(n), 1, THREADS, "n=" + n, y, n, v); }

    // ---- data.cu
    void gatherRows(DeviceBuffer src, DevPtr idx, DeviceBuffer dst, int rows, int rowLen) {
        fits32("jp_gather_rows", "rows*rowLen", (long) rows * rowLen);
        launch("jp_gather_rows", blocks1d((long) rows * rowLen), 1, THREADS, "rows=" + rows + " rowLen=" + rowLen, src,
                idx, dst, rows, rowLen);
    }
    void gatherInts(DeviceBuffer src, DevPtr idx, DeviceBuffer dst, int n) {
        launch("jp_gather_ints", blocks1d(n), 1, THREADS, "n=" + n, src, idx, dst, n);
    }
    void colSumAcc(DeviceBuffer x, DeviceBuffer acc, int rows, int cols, boolean overwrite) {
        launch("jp_col_sum_acc", blocks1d(cols), 1, THREADS, "rows=" + rows + " cols=" + cols
                + " overwrite=" + overwrite, x, acc, rows, cols, overwrite ? 1 : 0);
    }

    // ---- gemm.cu
    /** a, b, c: pointers to the first element; shapes as NaiveGemm. bias: null or FLOAT[n]. */
    void gemm(boolean tf32, boolean transA, boolean transB, int m, int n, int k, float alpha, DevPtr a, int lda,
              DevPtr b, int ldb, float beta, DevPtr c, int ldc, DeviceBuffer bias, boolean relu) {
        int flags = (relu ? GEMM_RELU : 0)
                | (a.address() % 16 == 0 && lda % 4 == 0 ? GEMM_VEC_A : 0)
                | (b.address() % 16 == 0 && ldb % 4 == 0 ? GEMM_VEC_B : 0)
                | (c.address() % 16 == 0 && ldc % 4 == 0 ? GEMM_VEC_C : 0);
        String suffix = (transA ? "t" : "n") + (transB ? "t" : "n");
        if (!tf32 && useSmallTiles(m, n)) {
            gemmSmall(suffix, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, flags);
            return;
        }
        String name = (tf32 ? "jp_tf32gemm_" : "jp_sgemm_") + suffix;
        int tile = tf32 ? 64 : 128;
        int gx = (n + tile - 1) / tile, gy = (m + tile - 1) / tile;
        if (gy > 65535) throw new IllegalArgumentException("gemm: m = " + m + " needs " + gy
                + " row tiles (max 65535)");
        String shapes = "m=" + m + " n=" + n + " k=" + k + " lda=" + lda + " ldb=" + ldb + " ldc="
                + ldc + " flags=" + flags;
        // The names are spelled out so that the kernel-name check finds every variant.
        switch (name) {
            case "jp_sgemm_nn": case "jp_sgemm_nt": case "jp_sgemm_tn": case "jp_sgemm_tt":
            case "jp_tf32gemm_nn": case "jp_tf32gemm_nt": case "jp_tf32gemm_tn": case "jp_tf32gemm_tt":
                break;
            default: throw new AssertionError(name);
        }
        launch(name, Math.max(gx, 1), Math.max(gy, 1), tf32 ? 128 : 256, shapes,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, flags);
    }

    /** Tiles of 32x32 when forced, or (automatic) when the 128x128 tiles would not give every SM a block. */
    private boolean useSmallTiles(int m, int n) {
        GpuContext.GemmKernel forced = ctx.gemmKernel();
        if (forced != GpuContext.GemmKernel.AUTO) return forced == GpuContext.GemmKernel.SMALL;
        long large = (long) ((m + 127) / 128) * ((n + 127) / 128);
        return large < Math.max(1, ctx.multiprocessors());
    }

    /**
     * K-splits for a small-tile GEMM of m x n outputs: enough blocks for two per SM, each split at least 64 deep, at
     * most 256, and partial sums of at most 2^24 floats (they cost splits * m * n floats written and read). A conv
     * layer's dW (64 x 27 outputs, k = batch x 1024 positions) needs the many splits; a Linear layer's few.
     */
    static int autoSplits(long tiles, long m, long n, int k, int sms) {
        long want = Math.max(1, (2L * sms + tiles - 1) / tiles);
        long cap = Math.min(256, Math.max(1, (1L << 24) / Math.max(1, m * n)));
        return (int) Math.max(1, Math.min(Math.min(cap, want), k / 64));
    }

    private void gemmSmall(String suffix, int m, int n, int k, float alpha, DevPtr a, int lda,
                           DevPtr b, int ldb, float beta, DevPtr c, int ldc, DeviceBuffer bias, int flags) {
        int gx = Math.max(1, (n + 31) / 32), gy = Math.max(1, (m + 31) / 32);
        if (gy > 65535) throw new IllegalArgumentException("gemm: m = " + m + " needs " + gy
                + " row tiles of 32 (max 65535)");
        int splits = ctx.gemmSplits() > 0 && ctx.gemmKernel() == GpuContext.GemmKernel.SMALL ? ctx.gemmSplits()
                : autoSplits((long) gx * gy, m, n, k, Math.max(1, ctx.multiprocessors()));
        splits = Math.max(1, Math.min(splits, Math.max(1, (k + 15) / 16)));
        // kSplit: a multiple of 16; recount the splits so that none is empty.
        int kSplit = Math.max(16, ((k + splits - 1) / splits + 15) / 16 * 16);
        int gz = Math.max(1, (k + kSplit - 1) / kSplit);
        String shapes = "m=" + m + " n=" + n + " k=" + k + " splits=" + gz + " kSplit=" + kSplit + " lda=" + lda
                + " ldb=" + ldb + " ldc=" + ldc + " flags=" + flags;
        if (gz == 1) {
            sgemmSmall("jp_sgemm_small_" + suffix, gx, gy, 1, shapes, m, n, k, kSplit, alpha, a, lda, b, ldb, beta,
                    c, ldc, bias, flags, null);
            return;
        }
        // Partial sums [gz][m][n], added in z order by the reduce kernel: deterministic, no atomics.
        try (DeviceBuffer work = ctx.allocFloat((long) gz * m * n)) {
            sgemmSmall("jp_sgemm_small_" + suffix, gx, gy, gz, shapes, m, n, k, kSplit, alpha, a, lda, b, ldb, beta,
                    c, ldc, bias, flags, work);
            splitkReduce(shapes, m, n, gz, work, alpha, beta, c, ldc, bias, flags);
        }
    }

    void sgemmSmall(String name, int gx, int gy, int gz, String shapes, int m, int n, int k, int kSplit,
                    float alpha, DevPtr a, int lda, DevPtr b, int ldb, float beta, DevPtr c, int ldc, DeviceBuffer bias,
                    int flags, DeviceBuffer work) {
        switch (name) {
            case "jp_sgemm_small_nn": case "jp_sgemm_small_nt": case "jp_sgemm_small_tn": case "jp_sgemm_small_tt":
                break;
            default: throw new AssertionError(name);
        }
        launchZ(name, gx, gy, gz, THREADS, shapes, m, n, k, kSplit, alpha, a, lda, b, ldb, beta,
                c, ldc, bias, flags, work);
    }

    void splitkReduce(String shapes, int m, int n, int splits, DeviceBuffer work, float alpha,
                      float beta, DevPtr c, int ldc, DeviceBuffer bias, int flags) {
        fits32("jp_sgemm_splitk_reduce", "m*n", (long) m * n);
        launch("jp_sgemm_splitk_reduce", blocks1d((long) m * n), 1, THREADS, shapes, m, n, splits, work, alpha,
                beta, c, ldc, bias, flags);
    }

    // ---- loss.cu
    void softmaxXent(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols, DeviceBuffer dlogits,
                     DeviceBuffer rowLoss, float invRows, DeviceBuffer badRow) {
        launch("jp_softmax_xent", rows, 1, THREADS, "rows=" + rows + " cols=" + cols,
                logits, labels, rows, cols, dlogits, rowLoss, invRows, badRow);
    }
    /** Number of partial sums jp_mse writes for n elements (a function of n only: reproducible results). */
    static int msePartials(int n) { return (int) Math.max(1, Math.min(1024, ((long) n + THREADS - 1) / THREADS)); }
    void mse(DeviceBuffer pred, DeviceBuffer target, int n, DeviceBuffer dpred, float scale, DeviceBuffer partials) {
        launch("jp_mse", msePartials(n), 1, THREADS, "n=" + n, pred, target, n, dpred, scale, partials);
    }
    void sumDouble(DeviceBuffer x, int n, double scale, DeviceBuffer out) {
        launch("jp_sum_double", 1, 1, THREADS, "n=" + n, x, n, scale, out);
    }

    // ---- loss.cu, training-step variants (no host sync)
    void softmaxXentAcc(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols, DeviceBuffer dlogits,
                        DeviceBuffer rowLoss, float invRows, DeviceBuffer rowFlag) {
        launch("jp_softmax_xent_acc", rows, 1, THREADS, "rows=" + rows + " cols=" + cols,
                logits, labels, rows, cols, dlogits, rowLoss, invRows, rowFlag);
    }
    /** lossOut, correctOut, badRowOut: pointers to one element each; the last two may be null. */
    void xentFinish(DeviceBuffer rowLoss, DeviceBuffer rowFlag, int rows, double scale, DevPtr lossOut,
                    DevPtr correctOut, DevPtr badRowOut) {
        launch("jp_xent_finish", 1, 1, THREADS, "rows=" + rows, rowLoss, rowFlag, rows, scale, lossOut,
                correctOut, badRowOut);
    }
    void sumDouble(DeviceBuffer x, int n, double scale, DevPtr out) {
        launch("jp_sum_double", 1, 1, THREADS, "n=" + n, x, n, scale, out);
    }

    // ---- conv.cu
    private static String convShapes(int n, int c, int h, int w, int kh, int kw, int stride, int pad) {
        return "n=" + n + " c=" + c + " h=" + h + " w=" + w + " k=" + kh + "x" + kw + " stride="
                + stride + " pad=" + pad;
    }
    void im2col(DeviceBuffer x, int n, int c, int h, int w, int kh, int kw, int stride, int pad, int oh, int ow,
                DeviceBuffer col) {
        // col may pass 2^31 elements (the kernel steps its 64-bit index); its rows, columns and x may not.
        fits32("jp_im2col", "C*KH*KW", (long) c * kh * kw);
        fits32("jp_im2col", "N*OH*OW", (long) n * oh * ow);
        fits32("jp_im2col", "N*C*H*W", (long) n * c * h * w);
        launch("jp_im2col", blocks1d((long) c * kh * kw * n * oh * ow), 1, THREADS,
                convShapes(n, c, h, w, kh, kw, stride, pad), x, n, c, h, w, kh, kw, stride, pad, oh, ow, col);
    }
    void col2im(DeviceBuffer col, int n, int c, int h, int w, int kh, int kw, int stride, int pad, int oh, int ow,
                DeviceBuffer dx) {
        fits32("jp_col2im", "N*C*H*W", (long) n * c * h * w);
        launch("jp_col2im", blocks1d((long) n * c * h * w), 1, THREADS, convShapes(n, c, h, w, kh, kw, stride, pad),
                col, n, c, h, w, kh, kw, stride, pad, oh, ow, dx);
    }
    void rowsToNchw(DeviceBuffer rows, DeviceBuffer bias, int n, int f, int p, DeviceBuffer y) {
        fits32("jp_rows_to_nchw", "N*F*P", (long) n * f * p);
        launch("jp_rows_to_nchw", blocks1d((long) n * f * p), 1, THREADS, "n=" + n + " f=" + f + " p=" + p,
                rows, bias, n, f, p, y);
    }
    void nchwToRows(DeviceBuffer y, int n, int f, int p, DeviceBuffer rows) {
        fits32("jp_nchw_to_rows", "N*F*P", (long) n * f * p);
        launch("jp_nchw_to_rows", blocks1d((long) n * f * p), 1, THREADS, "n=" + n + " f=" + f + " p=" + p,
                y, n, f, p, rows);
    }
    /**
     * Bias-gradient blocks per channel: about 16 elements per thread, 1..256; a function of N*P only (reproducible).
     */
    static int biasGradBlocks(long np) {
        return (int) Math.max(1, Math.min(256, (np + THREADS * 16L - 1) / (THREADS * 16L)));
    }
    void biasGradPartials(DeviceBuffer dy, int n, int f, int p, int blocksPerChannel, DeviceBuffer partials) {
        if (f > 65535) throw new IllegalArgumentException("biasGradNchw: " + f + " channels (max 65535)");
        fits32("jp_bias_grad_partials", "N*F*P", (long) n * f * p);
        launch("jp_bias_grad_partials", blocksPerChannel, f, THREADS, "n=" + n + " f=" + f + " p=" + p
                + " blocks=" + blocksPerChannel, dy, n, f, p, blocksPerChannel, partials);
    }
    void biasGradFinish(DeviceBuffer partials, int f, int blocksPerChannel, DeviceBuffer db) {
        launch("jp_bias_grad_finish", blocks1d(f), 1, THREADS, "f=" + f + " blocks=" + blocksPerChannel, partials,
                f, blocksPerChannel, db);
    }

    // ---- pool.cu
    void maxPoolForward(DeviceBuffer x, int planes, int h, int w, int oh, int ow, int k, int s, DeviceBuffer y,
                        DeviceBuffer argmax) {
        fits32("jp_maxpool_fwd", "planes*H*W", (long) planes * h * w);  // the argmax indices are ints too
        launch("jp_maxpool_fwd", blocks1d((long) planes * oh * ow), 1, THREADS,
                "planes=" + planes + " h=" + h + " w=" + w + " k=" + k + " s=" + s, x, planes, h, w,
                oh, ow, k, s, y, argmax);
    }
    void maxPoolBackward(DeviceBuffer dy, DeviceBuffer argmax, int planes, int h, int w, int oh, int ow, int k,
                         int s, DeviceBuffer dx) {
        fits32("jp_maxpool_bwd", "planes*H*W", (long) planes * h * w);
        launch("jp_maxpool_bwd", blocks1d((long) planes * h * w), 1, THREADS,
                "planes=" + planes + " h=" + h + " w=" + w + " k=" + k + " s=" + s, dy, argmax, planes,
                h, w, oh, ow, k, s, dx);
    }

    // ---- dropout.cu
    void dropoutForward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer keep, int n, float p, float scale,
                        long seed, long stream) {
        launch("jp_dropout_fwd", blocks1d(n), 1, THREADS, "n=" + n + " p=" + p, x, y, keep, n, p, scale, seed, stream);
    }
    void dropoutBackward(DeviceBuffer dy, DeviceBuffer keep, DeviceBuffer dx, int n, float scale) {
        launch("jp_dropout_bwd", blocks1d(n), 1, THREADS, "n=" + n, dy, keep, dx, n, scale);
    }

    // ---- optim.cu
    void sgdStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer mom, DeviceBuffer mask, int n, float lr, float momentum,
                 float weightDecay, boolean nesterov, float gradScale, float clipValue, GpuOps.StepScores acc) {
        DeviceBuffer accS = acc == null ? null : acc.scores(), accState = acc == null ? null : acc.faultState();
        int accCrit = acc == null ? 0 : acc.criterionCode(), accEma = acc != null && acc.ema() ? 1 : 0;
        float accM = acc == null ? 0f : acc.momentum(),
                accC1m = 1f - accM;  // (1 - m) rounded once, as ScoreAccumulator
        long accOffset = acc == null ? 0L : acc.globalOffset();
        launch("jp_sgd_step", blocks1d(n), 1, THREADS, "n=" + n + (acc == null ? "" : " +scores"), w, g,
                mom, mask, n, lr, momentum, weightDecay, nesterov ? 1 : 0, gradScale, clipValue, accS, accCrit, accEma,
                accM, accC1m, accState, accOffset);
    }
    void adamStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer m, DeviceBuffer v, DeviceBuffer mask, int n,
                  float stepSize, float beta1, float beta2, float eps, float weightDecay, float bc2Sqrt,
                  float gradScale, float clipValue, GpuOps.StepScores acc) {
        DeviceBuffer accS = acc == null ? null : acc.scores(), accState = acc == null ? null : acc.faultState();
        int accCrit = acc == null ? 0 : acc.criterionCode(), accEma = acc != null && acc.ema() ? 1 : 0;
        float accM = acc == null ? 0f : acc.momentum(), accC1m = 1f - accM;
        long accOffset = acc == null ? 0L : acc.globalOffset();
        launch("jp_adam_step", blocks1d(n), 1, THREADS, "n=" + n + (acc == null ? "" : " +scores"), w, g, m, v,
                mask, n, stepSize, beta1, beta2, eps, weightDecay, bc2Sqrt, gradScale, clipValue, accS, accCrit, accEma,
                accM, accC1m, accState, accOffset);
    }

    /** table: LONG[OPT_ROW_LONGS * tensors] (GpuOps.StepTable), blocks = Σ its blocks column. */
    /** scaleDev: null (gradScale applies) or FLOAT[1] on the device holding the scale (NaN: the step is skipped). */
    void sgdStepMulti(DeviceBuffer table, int tensors, long blocks, float lr, float momentum,
                      float weightDecay, boolean nesterov, float gradScale, DeviceBuffer scaleDev, float clipValue,
                      GpuOps.StepScores acc) {
        int accCrit = acc == null ? 0 : acc.criterionCode(), accEma = acc != null && acc.ema() ? 1 : 0;
        float accM = acc == null ? 0f : acc.momentum(), accC1m = 1f - accM;
        DeviceBuffer accState = acc == null ? null : acc.faultState();
        String shapes = "tensors=" + tensors + " blocks=" + blocks + (acc == null ? "" : " +scores");
        launch("jp_sgd_step_multi", (int) blocks, 1, THREADS, shapes, table, tensors, lr, momentum, weightDecay,
                nesterov ? 1 : 0, gradScale, scaleDev, clipValue, accCrit, accEma, accM, accC1m, accState);
    }
    void adamStepMulti(DeviceBuffer table, int tensors, long blocks, float stepSize, float beta1,
                       float beta2, float eps, float weightDecay, float bc2Sqrt, float gradScale,
                       DeviceBuffer scaleDev, float clipValue, GpuOps.StepScores acc) {
        int accCrit = acc == null ? 0 : acc.criterionCode(), accEma = acc != null && acc.ema() ? 1 : 0;
        float accM = acc == null ? 0f : acc.momentum(), accC1m = 1f - accM;
        DeviceBuffer accState = acc == null ? null : acc.faultState();
        String shapes = "tensors=" + tensors + " blocks=" + blocks + (acc == null ? "" : " +scores");
        launch("jp_adam_step_multi", (int) blocks, 1, THREADS, shapes, table, tensors, stepSize, beta1, beta2, eps,
                weightDecay, bc2Sqrt, gradScale, scaleDev, clipValue, accCrit, accEma, accM, accC1m, accState);
    }

    // ---- reduce.cu
    /** table: {@link GpuOps#sumSquares}'s rows (pointer, n, first block, blocks); blocks = the total over rows. */
    void sumsqPartials(DeviceBuffer table, int tensors, long blocks, DeviceBuffer partials) {
        if (blocks > Integer.MAX_VALUE) throw new IllegalArgumentException("sumSquares: " + blocks
                + " blocks (max 2^31-1)");
        launch("jp_sumsq_partials", (int) blocks, 1, THREADS, "tensors=" + tensors + " blocks=" + blocks,
                table, tensors, partials);
    }
    void sumsqFinish(DeviceBuffer table, DeviceBuffer partials, int tensors, long blocks, DeviceBuffer perTensor,
                     DeviceBuffer total) {
        launch("jp_sumsq_finish", 1, 1, THREADS, "tensors=" + tensors + " blocks=" + blocks, table, partials, tensors,
                perTensor, total, 0.0, 0L, null, null, null);
    }
    /** sumsqFinish plus the clip-by-norm factor: scale FLOAT[1], norm DOUBLE[1], fault LONG[1] (jp_clip_scale). */
    void sumsqFinishClip(DeviceBuffer table, DeviceBuffer partials, int tensors, long blocks, DeviceBuffer total,
                         double maxNorm, long step, DeviceBuffer scale, DeviceBuffer norm, DeviceBuffer fault) {
        String shapes = "tensors=" + tensors + " blocks=" + blocks + " clip=" + maxNorm + " step=" + step;
        launch("jp_sumsq_finish", 1, 1, THREADS, shapes, table, partials, tensors, null, total, maxNorm, step, scale,
                norm, fault);
    }
}
