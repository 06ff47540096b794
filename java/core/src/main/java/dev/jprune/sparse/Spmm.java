package dev.jprune.sparse;

import dev.jprune.util.Parallel;

/**
 * CPU sparse-times-dense products with a CSR matrix, multi-threaded over rows of the CSR matrix (= columns of a
 * Linear's output) with {@link Parallel}. Reference twins: {@link NaiveSpmm}.
 *
 * <h2>Loop order</h2>
 * Each output element is Σ_k values[k]·x[colIdx[k]] accumulated in float in ascending k (CSR order), then the bias
 * is added — in every path, so both paths, every batch size and every thread count give bit-identical results.
 * <ul>
 *   <li>{@link #linear} (= {@link #linearGather}): threads split the CSR rows j; within a thread, blocks of 16
 *   samples; per row j, gathered dot products for 4 samples at a time, so each (value, column) pair is loaded once per
 *   4 samples and 4 independent accumulators hide the add latency; the 16 sample rows of x stay cached while the
 *   thread's W rows pass.</li>
 *   <li>{@link #linearTransposed}: x transposed once to xT [in, N], then per row j an axpy over the batch,
 *   {@code acc[0..N) += values[k]·xT[colIdx[k], 0..N)} (unit stride, auto-vectorised).</li>
 * </ul>
 * Measured (SparseInferenceBench, W [300, 784], 2 cores, batch 1..256, density 0.1 and 0.01) the gather order is faster
 * at every batch size except one noisy point (e.g. batch 256, density 0.1: 3.6 ms vs 5.3 ms; density 0.01: 0.59 vs
 * 1.31 ms; batch 1: 96 vs 131 µs), so {@link #linear} always gathers; the transposed order stays as the measured
 * alternative. The axpy order is the natural one when the dense operand is already [K, P] with long rows, which is
 * {@link #csrTimesDense}: convolution uses it on im2col columns (P = output positions of a chunk of images).
 */
public final class Spmm {
    private Spmm() {}

    /** Target multiply-adds per parallel chunk: below this the fork/join overhead outweighs the work. */
    private static final long WORK_PER_CHUNK = 1 << 15;

    /**
     * y[N, out] = x[N, in]·Wᵀ + b for W = {@code w} [out, in] — a Linear layer with a CSR weight.
     * Only {@code y} is modified (its first N·out floats are overwritten); {@code bias} [out] may be null.
     *
     * @throws IllegalArgumentException when an array is shorter than the shapes need or bias has the wrong length
     */
    public static void linear(Csr w, float[] x, int n, float[] bias, float[] y) {
        linearGather(w, x, n, bias, y);
    }

    /**
     * {@link #linear} forced onto the gather path (dot product per output element); bit-identical to it.
     * Public for benchmarks and tests. Only {@code y} is modified.
     */
    public static void linearGather(Csr w, float[] x, int n, float[] bias, float[] y) {
        checkArgs("Spmm.linear", w, x, (long) n * w.cols, "x", bias, y, (long) n * w.rows, "y", n);
        if (n == 0 || w.rows == 0) return;
        gather(w, x, n, bias, y);
    }

    /**
     * {@link #linear} forced onto the transposed path (axpy over the batch); bit-identical to it.
     * Public for benchmarks and tests. Only {@code y} is modified.
     */
    public static void linearTransposed(Csr w, float[] x, int n, float[] bias, float[] y) {
        checkArgs("Spmm.linear", w, x, (long) n * w.cols, "x", bias, y, (long) n * w.rows, "y", n);
        if (n == 0 || w.rows == 0) return;
        // xT [in, N]: x's column c becomes a contiguous row, so the inner loop over the batch is unit-stride.
        int in = w.cols;
        float[] xt = new float[Math.multiplyExact(in, n)];
        for (int s = 0; s < n; s++) {
            int xo = s * in;
            for (int c = 0; c < in; c++) xt[c * n + s] = x[xo + c];
        }
        rowsAxpy(w, xt, n, bias, y, true);
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

    /** Samples per block of the gather path: 16 rows of x (≤ 16·in floats) stay in L1/L2 while a chunk of W rows passes. */
    private static final int SAMPLE_BLOCK = 16;

    // x [N, in], y [N, out]: per block of samples, per CSR row j, gathered dots for 4 samples at a time (each W entry
    // and column index loaded once per 4 samples; 4 independent accumulators). Each accumulator still sums in k order.
    private static void gather(Csr w, float[] x, int n, float[] bias, float[] y) {
        final int[] rp = w.rowPtr, ci = w.colIdx;
        final float[] v = w.values;
        final int in = w.cols, out = w.rows;
        Parallel.forRange(out, grainRows(w, n), (from, to) -> {
            for (int s0 = 0; s0 < n; s0 += SAMPLE_BLOCK) {
                int s1 = Math.min(n, s0 + SAMPLE_BLOCK);
                for (int j = from; j < to; j++) {
                    int a = rp[j], e = rp[j + 1];
                    float b = bias == null ? 0f : bias[j];
                    int s = s0;
                    for (; s + 4 <= s1; s += 4) {
                        int x0 = s * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
                        float acc0 = 0f, acc1 = 0f, acc2 = 0f, acc3 = 0f;
                        for (int k = a; k < e; k++) {
                            float vk = v[k];
                            int c = ci[k];
                            acc0 += vk * x[x0 + c];
                            acc1 += vk * x[x1 + c];
                            acc2 += vk * x[x2 + c];
                            acc3 += vk * x[x3 + c];
                        }
                        y[s * out + j] = acc0 + b;
                        y[(s + 1) * out + j] = acc1 + b;
                        y[(s + 2) * out + j] = acc2 + b;
                        y[(s + 3) * out + j] = acc3 + b;
                    }
                    for (; s < s1; s++) {
                        int xo = s * in;
                        float acc = 0f;
                        for (int k = a; k < e; k++) acc += v[k] * x[xo + ci[k]];
                        y[s * out + j] = acc + b;
                    }
                }
            }
        });
    }

    /** Bytes of the dense operand's column tile [K, PT] to keep cache-resident (about half a typical L2). */
    private static final int TILE_BYTES = 1 << 19;

    // dense [K, P] (K = w.cols); per CSR row j: acc[0..P) = Σ_k v[k]·dense[ci[k], 0..P), then + bias[j].
    // The P columns are processed in tiles of PT so that dense[:, tile] (K·PT floats) stays in cache while all of the
    // thread's rows j pass over it — without tiling each row j streams its rows of dense from memory again.
    // Tiling does not change any element's summation order.
    // transposedOut: write y[s·rows + j] (Linear's [N, out]); otherwise c[j·P + s] ([rows, P]).
    private static void rowsAxpy(Csr w, float[] dense, int p, float[] bias, float[] y, boolean transposedOut) {
        final int[] rp = w.rowPtr, ci = w.colIdx;
        final float[] v = w.values;
        final int rows = w.rows;
        final int pt = (int) Math.max(64, Math.min(p, (TILE_BYTES / 4) / Math.max(1, w.cols)));
        Parallel.forRange(rows, grainRows(w, p), (from, to) -> {
            float[] acc = new float[Math.min(p, pt)];
            for (int t0 = 0; t0 < p; t0 += pt) {
                final int tl = Math.min(pt, p - t0);
                for (int j = from; j < to; j++) {
                    java.util.Arrays.fill(acc, 0, tl, 0f);
                    for (int k = rp[j], e = rp[j + 1]; k < e; k++) {
                        float vk = v[k];
                        int bo = ci[k] * p + t0;
                        for (int s = 0; s < tl; s++) acc[s] += vk * dense[bo + s];
                    }
                    float b = bias == null ? 0f : bias[j];
                    if (transposedOut) {
                        for (int s = 0; s < tl; s++) y[(t0 + s) * rows + j] = acc[s] + b;
                    } else {
                        int co = j * p + t0;
                        for (int s = 0; s < tl; s++) y[co + s] = acc[s] + b;
                    }
                }
            }
        });
    }
}
