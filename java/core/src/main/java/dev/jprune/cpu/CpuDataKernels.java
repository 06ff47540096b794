package dev.jprune.cpu;

/**
 * CPU twins of the device data-movement kernels (native/data.cu): batch gathers and the bias gradient.
 * Plain loops; their order is the specification the GPU kernels reproduce bit for bit.
 */
public final class CpuDataKernels {
    private CpuDataKernels() {}

    /** dst[r, :] = src[idx[r], :] for r in [0, rows), rows of rowLen floats. Modifies {@code dst}. */
    public static void gatherRows(float[] src, int[] idx, float[] dst, int rows, int rowLen) {
        for (int r = 0; r < rows; r++) System.arraycopy(src, idx[r] * rowLen, dst, r * rowLen, rowLen);
    }

    /** dst[i] = src[idx[i]] for i in [0, n). Modifies {@code dst}. */
    public static void gatherInts(int[] src, int[] idx, int[] dst, int n) {
        for (int i = 0; i < n; i++) dst[i] = src[idx[i]];
    }

    /**
     * acc[c] += Σ_r x[r, c], rows added in index order into the running value (exactly the order of
     * {@code Linear.backward}'s bias gradient). Modifies {@code acc}.
     */
    public static void columnSumAccumulate(float[] x, float[] acc, int rows, int cols) {
        for (int c = 0; c < cols; c++) {
            float s = acc[c];
            for (int r = 0; r < rows; r++) s += x[r * cols + c];
            acc[c] = s;
        }
    }

    /**
     * sum[c] = Σ_r x[r, c], rows added in index order from +0 ({@link #columnSumAccumulate} into zeros). Overwrites
     * {@code sum}.
     */
    public static void columnSum(float[] x, float[] sum, int rows, int cols) {
        java.util.Arrays.fill(sum, 0, cols, 0f);
        columnSumAccumulate(x, sum, rows, cols);
    }
}
