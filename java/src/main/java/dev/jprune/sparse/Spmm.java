package dev.jprune.sparse;

import dev.jprune.util.Parallel;

/**
 * CPU sparse-times-dense products with a CSR matrix, multi-threaded over rows of the CSR matrix (= columns of a
 * Linear's output) with {@link Parallel}. Reference twins: {@link NaiveSpmm}.
 *
 * <h2>Loop order</h2>
 * Each output element is Σ_k values[k]·x[colIdx[k]] accumulated in float in ascending k (CSR order), then the bias
 * is added — in every path, so all paths and all thread counts give bit-identical results.
 * <ul>
 *   <li>batch &lt; {@link #TRANSPOSE_MIN_BATCH}: for each CSR row j, for each sample n, a gathered dot product over
 *   the row's nonzeros. The row's (values, colIdx) stay in L1 across the n loop and x's rows are short enough to stay
 *   cached; there is too little batch to vectorise over.</li>
 *   <li>larger batches: x is transposed once to xT [in, N], then for each CSR row j the accumulator acc[0..N) gets
 *   {@code acc += values[k]·xT[colIdx[k], 0..N)} — a contiguous, auto-vectorised axpy per nonzero, so each weight is
 *   loaded once per batch instead of once per sample, and x's columns are read as whole cache lines.</li>
 * </ul>
 * {@link #csrTimesDense} is the second path without the transposes (its dense operand is already [K, P]); convolution
 * uses it on im2col columns.
 */
public final class Spmm {
    private Spmm() {}

    /** Batches from this size use the transposed (axpy over the batch) path; measured in SparseInferenceBench. */
    public static final int TRANSPOSE_MIN_BATCH = 8;

    /** Target multiply-adds per parallel chunk: below this the fork/join overhead outweighs the work. */
    private static final long WORK_PER_CHUNK = 1 << 15;

    /**
     * y[N, out] = x[N, in]·Wᵀ + b for W = {@code w} [out, in] — a Linear layer with a CSR weight.
     * Only {@code y} is modified (its first N·out floats are overwritten); {@code bias} [out] may be null.
     *
     * @throws IllegalArgumentException when an array is shorter than the shapes need or bias has the wrong length
     */
    public static void linear(Csr w, float[] x, int n, float[] bias, float[] y) {
        checkArgs("Spmm.linear", w, x, (long) n * w.cols, "x", bias, y, (long) n * w.rows, "y", n);
        if (n == 0 || w.rows == 0) return;
        if (n < TRANSPOSE_MIN_BATCH) {
            linearGather(w, x, n, bias, y);
        } else {
            // xT [in, N]: x's column c becomes a contiguous row, so the inner loop over the batch is unit-stride.
            int in = w.cols;
            float[] xt = new float[Math.multiplyExact(in, n)];
            for (int s = 0; s < n; s++) {
                int xo = s * in;
                for (int c = 0; c < in; c++) xt[c * n + s] = x[xo + c];
            }
            rowsAxpy(w, xt, n, bias, y, true);
        }
    }

    /**
     * c[rows, P] = A·B + bias[row] (bias broadcast along each row) for A = {@code a} [rows, K] and dense row-major
     * B = {@code b} [K, P]. Only {@code c} is modified (its first rows·P floats are overwritten); {@code bias} [rows]
     * may be null.
     *
     * @throws IllegalArgumentException when an array is shorter than the shapes need or bias has the wrong length
     */
    public static void csrTimesDense(Csr a, float[] b, int p, float[] bias, float[] c) {
        checkArgs("Spmm.csrTimesDense", a, b, (long) a.cols * p, "b", bias, c, (long) a.rows * p, "c", p);
        if (p == 0 || a.rows == 0) return;
        rowsAxpy(a, b, p, bias, c, false);
    }

    private static void checkArgs(String op, Csr w, float[] x, long xNeed, String xName, float[] bias, float[] y, long yNeed,
                                  String yName, int n) {
        if (w == null || x == null || y == null) throw new IllegalArgumentException(op + ": null argument");
        if (n < 0) throw new IllegalArgumentException(op + ": negative size " + n);
        if (x.length < xNeed) throw new IllegalArgumentException(op + ": " + xName + " has " + x.length + " floats but needs " + xNeed
                + " for W [" + w.rows + ", " + w.cols + "] and size " + n);
        if (y.length < yNeed) throw new IllegalArgumentException(op + ": " + yName + " has " + y.length + " floats but needs " + yNeed
                + " for W [" + w.rows + ", " + w.cols + "] and size " + n);
        if (bias != null && bias.length != w.rows) {
            throw new IllegalArgumentException(op + ": bias has " + bias.length + " entries but W has " + w.rows + " rows");
        }
        if (x == y) throw new IllegalArgumentException(op + ": input and output must not alias");
    }

    private static int grainRows(Csr w, int n) {
        long workPerRow = Math.max(1, (long) w.nnz() * n / Math.max(1, w.rows));
        return (int) Math.max(1, Math.min(w.rows, WORK_PER_CHUNK / workPerRow));
    }

    // x [N, in], y [N, out]: per CSR row j, gathered dots for every sample.
    private static void linearGather(Csr w, float[] x, int n, float[] bias, float[] y) {
        final int[] rp = w.rowPtr, ci = w.colIdx;
        final float[] v = w.values;
        final int in = w.cols, out = w.rows;
        Parallel.forRange(out, grainRows(w, n), (from, to) -> {
            for (int j = from; j < to; j++) {
                int a = rp[j], e = rp[j + 1];
                float b = bias == null ? 0f : bias[j];
                for (int s = 0; s < n; s++) {
                    int xo = s * in;
                    float acc = 0f;
                    for (int k = a; k < e; k++) acc += v[k] * x[xo + ci[k]];
                    y[s * out + j] = acc + b;
                }
            }
        });
    }

    // dense [K, P] (K = w.cols); per CSR row j: acc[0..P) = Σ_k v[k]·dense[ci[k], 0..P), then + bias[j].
    // transposedOut: write y[s·rows + j] (Linear's [N, out]); otherwise c[j·P + s] ([rows, P]).
    private static void rowsAxpy(Csr w, float[] dense, int p, float[] bias, float[] y, boolean transposedOut) {
        final int[] rp = w.rowPtr, ci = w.colIdx;
        final float[] v = w.values;
        final int rows = w.rows;
        Parallel.forRange(rows, grainRows(w, p), (from, to) -> {
            float[] acc = new float[p];
            for (int j = from; j < to; j++) {
                java.util.Arrays.fill(acc, 0f);
                for (int k = rp[j], e = rp[j + 1]; k < e; k++) {
                    float vk = v[k];
                    int bo = ci[k] * p;
                    for (int s = 0; s < p; s++) acc[s] += vk * dense[bo + s];
                }
                float b = bias == null ? 0f : bias[j];
                if (transposedOut) {
                    for (int s = 0; s < p; s++) y[s * rows + j] = acc[s] + b;
                } else {
                    int co = j * p;
                    for (int s = 0; s < p; s++) y[co + s] = acc[s] + b;
                }
            }
        });
    }
}
