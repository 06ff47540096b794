package dev.jprune.sparse;

import dev.jprune.cpu.NaiveGemm;

/**
 * Reference twins of {@link Spmm}: densify the CSR matrix and run the plain {@link NaiveGemm} (double accumulation),
 * then add the bias. Slow and obviously right; it is what the sparse kernels are tested against.
 */
public final class NaiveSpmm {
    private NaiveSpmm() {}

    /**
     * y[N, out] = x[N, in]·Wᵀ + b with W = {@code w} [out, in]. Only {@code y} is modified; bias may be null.
     *
     * @throws IllegalArgumentException as {@link Spmm#linear}: a null argument, a negative n, x or y too short, a bias
     *     of another length than W's rows, or x and y the same array
     */
    public static void linear(Csr w, float[] x, int n, float[] bias, float[] y) {
        Spmm.checkArgs("NaiveSpmm.linear", w, x, (long) n * (w == null ? 0 : w.cols), "x", bias, y,
                (long) n * (w == null ? 0 : w.rows), "y", n);
        if (n == 0 || w.rows == 0) return;
        NaiveGemm.gemm(false, true, n, w.rows, w.cols, 1f, x, 0, Math.max(1, w.cols), w.toDense(), 0,
                Math.max(1, w.cols), 0f, y, 0, w.rows);
        if (bias != null) for (int s = 0; s < n; s++) for (int j = 0; j < w.rows; j++) y[s * w.rows + j] += bias[j];
    }

}
