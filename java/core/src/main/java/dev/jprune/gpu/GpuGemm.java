package dev.jprune.gpu;

/**
 * fp32 and TF32 GEMM (native/gemm.cu), with the bias + ReLU epilogue of a Linear layer; twin
 * {@link dev.jprune.cpu.NaiveGemm#gemm}.
 */
public final class GpuGemm extends GpuOpFamily {
    private final GemmKernels k;

    GpuGemm(GpuContext ctx) {
        super(ctx);
        this.k = new GemmKernels(ctx);
    }

    private static void checkMatrix(GpuOpFamily caller, String op, String what, DeviceBuffer buf, int off, int rows,
                                    int cols, int ld) {
        caller.nonNegative(op, "offset of " + what, off);
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(caller.where(op) + ": leading dimension of " + what + " is " + ld
                    + ", needs >= " + Math.max(1, cols) + " (stored " + rows + " x " + cols + ")");
        }
        long need = rows == 0 || cols == 0 ? off : off + (long) (rows - 1) * ld + cols;
        caller.need(op, what + " (stored " + rows + " x " + cols + ", ld " + ld + ", offset " + off + ")", buf,
                DeviceBuffer.Type.FLOAT, need);
    }

    /**
     * The checked GEMM every op here and {@link GpuConvolution}'s use: an argument error names {@code caller}'s
     * family and {@code op} (what the user called), not this class.
     */
    void gemmImpl(GpuOpFamily caller, String op, boolean tf32, boolean transA, boolean transB, int m, int n, int kk,
                  float alpha, DeviceBuffer a, int offA, int lda, DeviceBuffer b, int offB, int ldb, float beta,
                  DeviceBuffer c, int offC, int ldc, DeviceBuffer bias, boolean relu) {
        caller.nonNegative(op, "m", m);
        caller.nonNegative(op, "n", n);
        caller.nonNegative(op, "k", kk);
        checkMatrix(caller, op, "A", a, offA, transA ? kk : m, transA ? m : kk, lda);
        checkMatrix(caller, op, "B", b, offB, transB ? n : kk, transB ? kk : n, ldb);
        checkMatrix(caller, op, "C", c, offC, m, n, ldc);
        if (bias != null) caller.need(op, "bias", bias, DeviceBuffer.Type.FLOAT, n);
        if (tf32 && ctx.computeCapabilityMajor() < 8) {
            throw new IllegalArgumentException(caller.where(op) + ": TF32 needs compute capability 8.0+, this device"
                    + " is " + ctx.computeCapabilityMajor() + "." + ctx.computeCapabilityMinor());
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
        gemmImpl(this, "gemm", false, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta,
                c, offC, ldc, null, false);
    }

    /** As {@link #gemm} on the tensor cores with TF32 operands (compute capability 8.0+; ~5e-4 relative error). */
    @CpuTwin("dev.jprune.cpu.NaiveGemm#gemm")
    public void gemmTf32(boolean transA, boolean transB, int m, int n, int k, float alpha, DeviceBuffer a, int offA,
                         int lda, DeviceBuffer b, int offB, int ldb, float beta, DeviceBuffer c, int offC, int ldc) {
        gemmImpl(this, "gemmTf32", true, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta,
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
        gemmImpl(this, "gemmBiasRelu", tf32, transA, transB, m, n, k, 1f, a, offA, lda, b, offB, ldb, 0f,
                c, offC, ldc, bias, relu);
    }
}
