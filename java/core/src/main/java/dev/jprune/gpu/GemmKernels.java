package dev.jprune.gpu;

/**
 * Launchers of native/gemm.cu: 128x128-tile SGEMM, 64x64-tile TF32 GEMM, and 32x32-tile SGEMM with a
 * deterministic split-K reduction; picks the kernel and the splits per call.
 */
final class GemmKernels extends KernelLauncher {
    // Must match GEMM_* in native/gemm.cu.
    static final int GEMM_RELU = 1, GEMM_VEC_A = 2, GEMM_VEC_B = 4, GEMM_VEC_C = 8;

    GemmKernels(GpuContext ctx) { super(ctx); }

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
}
