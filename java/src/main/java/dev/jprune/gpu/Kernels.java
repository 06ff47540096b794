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

    /** Kernel arguments: DeviceBuffer (pointer to element 0), DevPtr, null (null pointer), Integer, Float, Long, Double. */
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
        ctx.bind();
        CUfunction f = function(name);
        int r = JCudaDriver.cuLaunchKernel(f, gx, gy, 1, block, 1, 1, 0, ctx.stream(), params(args), null);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new GpuException("launch of " + name + " (" + shapes + ") grid (" + gx + "," + gy + ",1) block ("
                    + block + ",1,1) failed: " + Cu.name(r));
        }
        if (ctx.validate()) {
            r = JCudaDriver.cuStreamSynchronize(ctx.stream());
            if (r != CUresult.CUDA_SUCCESS) {
                throw new GpuException("kernel " + name + " (" + shapes + ") grid (" + gx + "," + gy + ",1) block ("
                        + block + ",1,1) failed while running: " + Cu.name(r));
            }
        }
    }

    // ---- elementwise.cu
    void biasAdd(DeviceBuffer y, DeviceBuffer bias, int rows, int cols) {
        launch("jp_bias_add", blocks1d((long) rows * cols), 1, THREADS, "rows=" + rows + " cols=" + cols, y, bias, rows, cols);
    }
    void biasRelu(DeviceBuffer y, DeviceBuffer bias, int rows, int cols) {
        launch("jp_bias_relu", blocks1d((long) rows * cols), 1, THREADS, "rows=" + rows + " cols=" + cols, y, bias, rows, cols);
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
        launch("jp_gather_rows", blocks1d((long) rows * rowLen), 1, THREADS, "rows=" + rows + " rowLen=" + rowLen, src, idx, dst, rows, rowLen);
    }
    void gatherInts(DeviceBuffer src, DevPtr idx, DeviceBuffer dst, int n) {
        launch("jp_gather_ints", blocks1d(n), 1, THREADS, "n=" + n, src, idx, dst, n);
    }
    void colSumAcc(DeviceBuffer x, DeviceBuffer acc, int rows, int cols) {
        launch("jp_col_sum_acc", blocks1d(cols), 1, THREADS, "rows=" + rows + " cols=" + cols, x, acc, rows, cols);
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
        String name = (tf32 ? "jp_tf32gemm_" : "jp_sgemm_") + suffix;
        int tile = tf32 ? 64 : 128;
        int gx = (n + tile - 1) / tile, gy = (m + tile - 1) / tile;
        if (gy > 65535) throw new IllegalArgumentException("gemm: m = " + m + " needs " + gy + " row tiles (max 65535)");
        String shapes = "m=" + m + " n=" + n + " k=" + k + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc + " flags=" + flags;
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

    // ---- optim.cu
    void sgdStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer mom, DeviceBuffer mask, int n, float lr, float momentum,
                 float weightDecay, boolean nesterov, float gradScale, float clipValue) {
        launch("jp_sgd_step", blocks1d(n), 1, THREADS, "n=" + n, w, g, mom, mask, n, lr, momentum, weightDecay,
                nesterov ? 1 : 0, gradScale, clipValue);
    }
    void adamStep(DeviceBuffer w, DeviceBuffer g, DeviceBuffer m, DeviceBuffer v, DeviceBuffer mask, int n,
                  float stepSize, float beta1, float beta2, float eps, float weightDecay, float bc2Sqrt,
                  float gradScale, float clipValue) {
        launch("jp_adam_step", blocks1d(n), 1, THREADS, "n=" + n, w, g, m, v, mask, n, stepSize, beta1, beta2, eps,
                weightDecay, bc2Sqrt, gradScale, clipValue);
    }

    // ---- reduce.cu
    /** table: LONG[2 * tensors] of (device address, length) pairs. */
    void sumsqPartials(DeviceBuffer table, int tensors, int blocksPerTensor, DeviceBuffer partials) {
        if (tensors > 65535) throw new IllegalArgumentException("sumSquares: " + tensors + " tensors (max 65535 per call)");
        launch("jp_sumsq_partials", blocksPerTensor, tensors, THREADS, "tensors=" + tensors + " blocksPerTensor=" + blocksPerTensor,
                table, tensors, blocksPerTensor, partials);
    }
    void sumsqFinish(DeviceBuffer partials, int tensors, int blocksPerTensor, DeviceBuffer perTensor, DeviceBuffer total) {
        launch("jp_sumsq_finish", 1, 1, THREADS, "tensors=" + tensors + " blocksPerTensor=" + blocksPerTensor,
                partials, tensors, blocksPerTensor, perTensor, total);
    }
}
