package dev.jprune.sparse;

import dev.jprune.cpu.Gemm;
import dev.jprune.cpu.SparseKernels;
import dev.jprune.util.Parallel;

/**
 * CPU sparse-times-dense products with a CSR matrix for one-off calls (tests, benchmarks, the GPU twins); a
 * {@link SparseModel} runs the same kernels ({@link SparseKernels}) with prepared buffers and no allocation.
 * Reference twins: {@link NaiveSpmm}.
 *
 * <h2>Arithmetic</h2>
 * Each output element is {@code acc = 0; acc = fma(values[k], x[colIdx[k]], acc)} for the row's nonzeros in CSR order,
 * then {@code + bias} — in every path, so every path, batch size and thread count gives the same bits, and those are
 * the bits of {@link dev.jprune.cpu.Gemm} on the masked dense weight for finite inputs (a zero weight's fma leaves a
 * finite acc unchanged). Paths:
 * <ul>
 *   <li>{@link #linearGather}: per sample, dot products over each row's nonzeros, four rows at a time.</li>
 *   <li>{@link #linearTransposed}: x transposed to feature-major rows xT [in][N], then per nonzero an axpy over the
 *   batch, {@code acc[0..N) += v·xT[c][0..N)} (contiguous, vectorised; no gathers).</li>
 * </ul>
 * {@link #linear} gathers for a single sample and transposes otherwise (measured: bench/results/*-cpu-speed.md).
 * Matrices wider than 65536 columns (no 16-bit indices) take a plain scalar loop with the same arithmetic.
 */
public final class Spmm {
    private Spmm() {}

    /**
     * Below this many multiply-adds a feature-major product runs on the calling thread: handing work to the pool and
     * joining it measured 10-30 µs on the 2-core machine (bench/results); 1 Mi multiply-adds take ~50 µs here.
     */
    static final long PARALLEL_MACS = 1L << 20;
    /** The same bound for the one-sample kernel (nonzeros), about 10x slower per multiply-add than the batch kernel. */
    static final long PARALLEL_GATHER = 1L << 18;

    /**
     * y[N, out] = x[N, in]·Wᵀ + b for W = {@code w} [out, in] — a Linear layer with a CSR weight.
     * Only {@code y} is modified (its first N·out floats are overwritten); {@code bias} [out] may be null.
     *
     * @throws IllegalArgumentException when an array is shorter than the shapes need or bias has the wrong length
     */
    public static void linear(Csr w, float[] x, int n, float[] bias, float[] y) {
        if (n <= 1) linearGather(w, x, n, bias, y);
        else linearTransposed(w, x, n, bias, y);
    }

    /** {@link #linear} forced onto the gather path; bit-identical to it. Public for benchmarks and tests. */
    public static void linearGather(Csr w, float[] x, int n, float[] bias, float[] y) {
        checkArgs("Spmm.linear", w, x, (long) n * w.cols, "x", bias, y, (long) n * w.rows, "y", n);
        if (n == 0 || w.rows == 0) return;
        int in = w.cols, out = w.rows;
        if (w.colIdx16 == null) {
            for (int s = 0; s < n; s++) wideRows(w, x, s * in, bias, y, s * out);
            return;
        }
        int[] parts = w.balancedRowParts(4 * Parallel.threads());
        boolean serial = w.nnz() < PARALLEL_GATHER;
        float[] sample = new float[in];
        for (int s = 0; s < n; s++) {
            int yo = s * out;
            System.arraycopy(x, s * in, sample, 0, in);
            if (serial) {
                SparseKernels.csrVector(w.rowPtr, w.colIdx16, w.values, sample, bias, false, y, yo, 0, out);
            } else {
                Parallel.forRange(parts.length - 1, 1, (a, b) -> SparseKernels.csrVector(w.rowPtr, w.colIdx16, w.values,
                        sample, bias, false, y, yo, parts[a], parts[b]));
            }
        }
    }

    /** {@link #linear} forced onto the transposed path; bit-identical to it. Public for benchmarks and tests. */
    public static void linearTransposed(Csr w, float[] x, int n, float[] bias, float[] y) {
        checkArgs("Spmm.linear", w, x, (long) n * w.cols, "x", bias, y, (long) n * w.rows, "y", n);
        if (n == 0 || w.rows == 0) return;
        int in = w.cols, out = w.rows;
        if (w.colIdx16 == null) {
            for (int s = 0; s < n; s++) wideRows(w, x, s * in, bias, y, s * out);
            return;
        }
        float[][] xt = new float[in][Gemm.padded(n)], yt = new float[out][Gemm.padded(n)];
        transpose(x, 0, n, in, xt);
        rowsProduct(w, xt, n, bias, false, yt);
        for (int j = 0; j < out; j++) for (int s = 0; s < n; s++) y[s * out + j] = yt[j][s];
    }

    /** xt[f][s] = x[off + s·features + f] for s &lt; n, f &lt; features, in blocks of 16 features (one cache line). */
    static void transpose(float[] x, int off, int n, int features, float[][] xt) {
        for (int f0 = 0; f0 < features; f0 += 16) {
            int f1 = Math.min(features, f0 + 16);
            for (int s = 0; s < n; s++) {
                int src = off + s * features;
                for (int f = f0; f < f1; f++) xt[f][s] = x[src + f];
            }
        }
    }

    /** yt rows = W·xt (+ bias, relu) over the whole batch of n feature-major columns, rows split by nonzeros. */
    static void rowsProduct(Csr w, float[][] xt, int n, float[] bias, boolean relu, float[][] yt) {
        if ((long) w.nnz() * n < PARALLEL_MACS || Parallel.threads() == 1) {
            SparseKernels.csrRows(w.rowPtr, w.colIdx16, w.values, xt, n, bias, relu, yt, 0, w.rows);
        } else {
            int[] parts = w.balancedRowParts(4 * Parallel.threads());
            Parallel.forRange(parts.length - 1, 1, (a, b) -> SparseKernels.csrRows(w.rowPtr, w.colIdx16, w.values, xt,
                    n, bias, relu, yt, parts[a], parts[b]));
        }
    }

    /** y[yOff + j] = Σ fma over row j + bias, for matrices whose indices do not fit 16 bits. */
    static void wideRows(Csr w, float[] x, int xOff, float[] bias, float[] y, int yOff) {
        for (int j = 0; j < w.rows; j++) {
            float acc = 0f;
            for (int k = w.rowPtr[j], e = w.rowPtr[j + 1]; k < e; k++) {
                acc = Math.fma(w.values[k], x[xOff + w.colIdx[k]], acc);
            }
            y[yOff + j] = bias == null ? acc : acc + bias[j];
        }
    }

    static void checkArgs(String op, Csr w, float[] x, long xNeed, String xName, float[] bias, float[] y,
                                  long yNeed, String yName, int n) {
        if (w == null || x == null || y == null) throw new IllegalArgumentException(op + ": null argument");
        if (n < 0) throw new IllegalArgumentException(op + ": negative size " + n);
        if (x.length < xNeed) throw new IllegalArgumentException(op + ": " + xName + " has " + x.length
                + " floats but needs " + xNeed + " for W [" + w.rows + ", " + w.cols + "] and size " + n);
        if (y.length < yNeed) throw new IllegalArgumentException(op + ": " + yName + " has " + y.length
                + " floats but needs " + yNeed + " for W [" + w.rows + ", " + w.cols + "] and size " + n);
        if (bias != null && bias.length != w.rows) {
            throw new IllegalArgumentException(op + ": bias has " + bias.length + " entries but W has " + w.rows
                    + " rows");
        }
        if (x == y) throw new IllegalArgumentException(op + ": input and output must not alias");
    }
}
