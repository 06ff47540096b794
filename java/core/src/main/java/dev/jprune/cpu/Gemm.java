package dev.jprune.cpu;

import dev.jprune.util.Parallel;
import java.util.Arrays;

/**
 * Fast single-precision GEMM for the CPU reference engine, tested against {@link NaiveGemm}.
 * <p>C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, row-major with leading dimensions, exactly the contract of
 * {@link NaiveGemm}: op(A) = A (A stored [M,K], lda &ge; K) or A^T (A stored [K,M], lda &ge; M); op(B) = B (B stored
 * [K,N], ldb &ge; N) or B^T (B stored [N,K], ldb &ge; K). Only {@code c} is modified, and only its M x N window.
 * beta == 0 ignores C's old contents (NaN included), as BLAS does. {@code c} must not overlap {@code a} or {@code b}.
 *
 * <h2>Arithmetic, and why the result does not depend on the thread count</h2>
 * Every element is computed as {@code acc = 0; for p = 0..K-1: acc = fma(op(A)[i,p], op(B)[p,j], acc)} (strictly in
 * increasing p, one fused multiply-add per step, float) followed by {@code c = alpha*acc} (beta == 0) or
 * {@code c = alpha*acc + beta*c} (plain float ops). All code paths here (the blocked kernel with any tile sizes, its
 * row and k remainders, and the small-problem loop) perform exactly that sequence per element, so the result is
 * bit-identical for every tiling, and therefore for every thread count: {@link Parallel} only decides which task
 * computes a tile, never how a tile's elements are summed. {@code GemmTest} checks the blocked kernel at several
 * tile sizes bit-for-bit against {@link #gemmSimple}.
 *
 * <h2>Speed</h2>
 * op(B) is packed once per call into one float[] per k-row of each column chunk ({@code bp[p][j]}); each task packs its
 * rows of op(A) (one k-block at a time) and accumulates its tile in per-row float[] buffers. The inner loop is then
 * {@code c0[j] = fma(x, b0[j], c0[j])} over arrays indexed by the bare loop variable, the one shape HotSpot C2's
 * SuperWord (JDK 17) vectorized in our measurements (36-42 GFLOP/s single-threaded, vs ~9 scalar): with offset indexing such as {@code c[off + j]} versus
 * {@code bp[off2 + j]} it cannot prove the two accesses independent (all float[] share one alias class) and stays
 * scalar (same speed as with -XX:-UseSuperWord). The main kernel does 2 rows x 4 k-steps per pass over j; wider unrolls
 * (8 fma per j) stopped vectorizing in measurements. Measured figures: bench/results/2026-12-01-cpu-gemm.md.
 * Requires hardware FMA for speed (every x86-64 since Haswell / Zen); without it Math.fma is correct but slow.
 */
public final class Gemm {
    private Gemm() {}

    /** Depth of one k-block: a [KC][NC] panel of packed B (384 KiB at most) stays in a 512 KiB L2. */
    static final int KC = 256;
    /** Maximum width of a column chunk. */
    static final int NC = 384;
    /** Default rows per tile. */
    static final int MC = 32;
    /** Below this many multiply-adds the packing and task overhead outweighs the kernel: use {@link #gemmSimple}. */
    static final long SMALL_MACS = 16L * 1024;
    /** k-rows per block when packing a transposed B (16 floats = one 64-byte cache line of a stored row). */
    static final int TB = 16;

    /**
     * C = alpha * op(A) * op(B) + beta * C; see the class comment. Modifies only {@code c} (the M x N window at
     * {@code offC} with row stride {@code ldc}).
     *
     * @throws IllegalArgumentException naming "Gemm" on negative sizes, too-small leading dimensions, offsets or
     *                                  arrays too short for the described matrices, or c overlapping a or b
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int offA, int lda, float[] b, int offB, int ldb,
                            float beta, float[] c, int offC, int ldc) {
        validate(transA, transB, m, n, k, a, offA, lda, b, offB, ldb, c, offC, ldc);
        if (m == 0 || n == 0) return;
        if ((long) m * n * k < SMALL_MACS || n < 8) {
            gemmSimple(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
        } else {
            int mc = chooseMc(m, (n + NC - 1) / NC);
            gemmBlocked(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, mc, NC);
        }
    }

    /** Rows per tile: {@link #MC}, smaller (even, &ge; 8) when that leaves too few tasks to keep the threads busy. */
    private static int chooseMc(int m, int colChunks) {
        int mc = MC;
        while (mc > 8 && (long) ((m + mc - 1) / mc) * colChunks < 4L * Parallel.threads()) mc /= 2;
        return mc;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Validation

    private static void validate(boolean transA, boolean transB, int m, int n, int k,
                                 float[] a, int offA, int lda, float[] b, int offB, int ldb,
                                 float[] c, int offC, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("Gemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (a == null || b == null || c == null) throw new IllegalArgumentException("Gemm: null array");
        // stored shapes: A [rows, cols] with row stride lda, and so on
        long aEnd = checkMatrix("A", transA ? k : m, transA ? m : k, a, offA, lda);
        long bEnd = checkMatrix("B", transB ? n : k, transB ? k : n, b, offB, ldb);
        long cEnd = checkMatrix("C", m, n, c, offC, ldc);
        if (m == 0 || n == 0) return;
        if (c == a && k > 0 && offA < cEnd && offC < aEnd) throw new IllegalArgumentException("Gemm: C overlaps A");
        if (c == b && k > 0 && offB < cEnd && offC < bEnd) throw new IllegalArgumentException("Gemm: C overlaps B");
    }

    /** Checks a stored [rows, cols] matrix with row stride ld; returns one past its last element (offset when empty). */
    private static long checkMatrix(String name, int rows, int cols, float[] x, int off, int ld) {
        if (off < 0) throw new IllegalArgumentException("Gemm: negative offset " + off + " for " + name);
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("Gemm: leading dimension ld" + name.toLowerCase() + "=" + ld
                    + " < " + Math.max(1, cols) + " columns of stored " + name + " [" + rows + ", " + cols + "]");
        }
        if (rows == 0 || cols == 0) return off;
        long end = off + (long) (rows - 1) * ld + cols;
        if (end > x.length) {
            throw new IllegalArgumentException("Gemm: stored " + name + " [" + rows + ", " + cols + "] at offset " + off
                    + " with ld=" + ld + " needs " + end + " floats but the array has " + x.length);
        }
        return end;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Simple path (small problems, and the bit-exact twin of the blocked path)

    /**
     * The same per-element arithmetic as the blocked kernel (sequential fma over p, then the epilogue) in a plain
     * loop, single-threaded. No validation: callers validate. Modifies only the C window.
     */
    static void gemmSimple(boolean transA, boolean transB, int m, int n, int k, float alpha,
                           float[] a, int offA, int lda, float[] b, int offB, int ldb,
                           float beta, float[] c, int offC, int ldc) {
        float[] acc = new float[n];
        for (int i = 0; i < m; i++) {
            Arrays.fill(acc, 0f);
            for (int p = 0; p < k; p++) {
                float av = transA ? a[offA + p * lda + i] : a[offA + i * lda + p];
                if (transB) {
                    for (int j = 0; j < n; j++) acc[j] = Math.fma(av, b[offB + j * ldb + p], acc[j]);
                } else {
                    int bRow = offB + p * ldb;
                    for (int j = 0; j < n; j++) acc[j] = Math.fma(av, b[bRow + j], acc[j]);
                }
            }
            epilogue(acc, n, alpha, beta, c, offC + i * ldc);
        }
    }

    /** C row segment [0, n) at cRow = alpha*acc (beta == 0, old C ignored) or alpha*acc + beta*C. */
    private static void epilogue(float[] acc, int n, float alpha, float beta, float[] c, int cRow) {
        if (beta == 0f) {
            for (int j = 0; j < n; j++) c[cRow + j] = alpha * acc[j];
        } else {
            for (int j = 0; j < n; j++) c[cRow + j] = alpha * acc[j] + beta * c[cRow + j];
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Blocked path

    /**
     * Blocked, multi-threaded GEMM with explicit tile sizes (package-private so tests can vary them and check the
     * result is bit-identical). mc: rows per tile; ncMax: maximum width of a column chunk. No validation.
     */
    static void gemmBlocked(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int offA, int lda, float[] b, int offB, int ldb,
                            float beta, float[] c, int offC, int ldc, int mc, int ncMax) {
        // Column chunks: equal widths rounded up to a multiple of 8 (one AVX2 vector), the last takes the rest.
        int chunks = (n + ncMax - 1) / ncMax;
        int width = Math.min(n, ((n + chunks - 1) / chunks + 7) & ~7);
        chunks = (n + width - 1) / width;
        final int w = width, nChunks = chunks;
        // bp[ch * k + p] = op(B)[p, ch*w .. ch*w + wc): one array per k-row per chunk, indexed by the bare j.
        float[][] bp = new float[nChunks * k][];
        if (transB) {
            // B stored [N, K]: transpose in blocks of TB k-rows, reading TB consecutive floats of each stored row per
            // step. (Reading one float per stored row per k-row instead walks ldb-strided addresses; with ldb a large
            // power-of-two multiple, e.g. Conv2d's batched col, those all map to a few cache sets and thrash.)
            int kBlocks = (k + TB - 1) / TB;
            Parallel.forRange(nChunks * kBlocks, 4, (from, to) -> {
                for (int t = from; t < to; t++) {
                    int ch = t / kBlocks, p0 = (t - ch * kBlocks) * TB, pn = Math.min(TB, k - p0);
                    int j0 = ch * w, wc = Math.min(w, n - j0), r0 = ch * k + p0;
                    for (int pp = 0; pp < pn; pp++) bp[r0 + pp] = new float[wc];
                    for (int j = 0; j < wc; j++) {
                        int src = offB + (j0 + j) * ldb + p0;
                        for (int pp = 0; pp < pn; pp++) bp[r0 + pp][j] = b[src + pp];
                    }
                }
            });
        } else {
            Parallel.forRange(nChunks * k, 64, (from, to) -> {
                for (int r = from; r < to; r++) {
                    int ch = r / k, p = r - ch * k, j0 = ch * w, wc = Math.min(w, n - j0);
                    float[] row = new float[wc];
                    System.arraycopy(b, offB + p * ldb + j0, row, 0, wc);
                    bp[r] = row;
                }
            });
        }
        int rowTiles = (m + mc - 1) / mc;
        Parallel.forRange(rowTiles * nChunks, 1, (from, to) -> {
            float[][] acc = new float[mc][w];
            float[] ap = new float[mc * Math.min(k, KC)];
            for (int t = from; t < to; t++) {
                int ch = t % nChunks, rt = t / nChunks;
                int i0 = rt * mc, rows = Math.min(mc, m - i0), j0 = ch * w, wc = Math.min(w, n - j0);
                for (int r = 0; r < rows; r++) Arrays.fill(acc[r], 0, wc, 0f);
                for (int p0 = 0; p0 < k; p0 += KC) {
                    int kc = Math.min(KC, k - p0);
                    packA(transA, a, offA, lda, i0, rows, p0, kc, ap);
                    kernel(ap, kc, bp, ch * k + p0, wc, acc, rows);
                }
                for (int r = 0; r < rows; r++) epilogue(acc[r], wc, alpha, beta, c, offC + (i0 + r) * ldc + j0);
            }
        });
    }

    /** ap[r * kc + pp] = op(A)[i0 + r, p0 + pp] for r < rows, pp < kc. Modifies only ap. */
    private static void packA(boolean transA, float[] a, int offA, int lda, int i0, int rows, int p0, int kc, float[] ap) {
        if (transA) {
            // A stored [K, M]: read along its rows (contiguous in i), write strided into the small, L1-resident ap.
            for (int pp = 0; pp < kc; pp++) {
                int src = offA + (p0 + pp) * lda + i0;
                for (int r = 0; r < rows; r++) ap[r * kc + pp] = a[src + r];
            }
        } else {
            for (int r = 0; r < rows; r++) System.arraycopy(a, offA + (i0 + r) * lda + p0, ap, r * kc, kc);
        }
    }

    /**
     * acc[r][j] = fma chain over pp in [0, kc) of ap[r*kc+pp] * bp[bRow0+pp][j], for r < rows, j < wc. Modifies acc.
     * Written so each C2 inner loop indexes its arrays by the bare j (see the class comment).
     */
    private static void kernel(float[] ap, int kc, float[][] bp, int bRow0, int wc, float[][] acc, int rows) {
        int r = 0;
        for (; r + 2 <= rows; r += 2) {
            float[] c0 = acc[r], c1 = acc[r + 1];
            int a0 = r * kc, a1 = a0 + kc;
            int pp = 0;
            for (; pp + 4 <= kc; pp += 4) {
                float x00 = ap[a0 + pp], x01 = ap[a0 + pp + 1], x02 = ap[a0 + pp + 2], x03 = ap[a0 + pp + 3];
                float x10 = ap[a1 + pp], x11 = ap[a1 + pp + 1], x12 = ap[a1 + pp + 2], x13 = ap[a1 + pp + 3];
                float[] b0 = bp[bRow0 + pp], b1 = bp[bRow0 + pp + 1], b2 = bp[bRow0 + pp + 2], b3 = bp[bRow0 + pp + 3];
                for (int j = 0; j < wc; j++) {
                    c0[j] = Math.fma(x03, b3[j], Math.fma(x02, b2[j], Math.fma(x01, b1[j], Math.fma(x00, b0[j], c0[j]))));
                    c1[j] = Math.fma(x13, b3[j], Math.fma(x12, b2[j], Math.fma(x11, b1[j], Math.fma(x10, b0[j], c1[j]))));
                }
            }
            for (; pp < kc; pp++) {
                float x0 = ap[a0 + pp], x1 = ap[a1 + pp];
                float[] b0 = bp[bRow0 + pp];
                for (int j = 0; j < wc; j++) {
                    c0[j] = Math.fma(x0, b0[j], c0[j]);
                    c1[j] = Math.fma(x1, b0[j], c1[j]);
                }
            }
        }
        for (; r < rows; r++) {
            float[] c0 = acc[r];
            int a0 = r * kc;
            int pp = 0;
            for (; pp + 4 <= kc; pp += 4) {
                float x00 = ap[a0 + pp], x01 = ap[a0 + pp + 1], x02 = ap[a0 + pp + 2], x03 = ap[a0 + pp + 3];
                float[] b0 = bp[bRow0 + pp], b1 = bp[bRow0 + pp + 1], b2 = bp[bRow0 + pp + 2], b3 = bp[bRow0 + pp + 3];
                for (int j = 0; j < wc; j++) {
                    c0[j] = Math.fma(x03, b3[j], Math.fma(x02, b2[j], Math.fma(x01, b1[j], Math.fma(x00, b0[j], c0[j]))));
                }
            }
            for (; pp < kc; pp++) {
                float x0 = ap[a0 + pp];
                float[] b0 = bp[bRow0 + pp];
                for (int j = 0; j < wc; j++) c0[j] = Math.fma(x0, b0[j], c0[j]);
            }
        }
    }
}
