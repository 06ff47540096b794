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
 * op(B) is packed ({@link PackedB}: once per call, or once for all calls by the caller — a layer's weight at
 * inference); each task packs its rows of op(A) (one k-block at a time) and accumulates its tile in per-row float[]
 * buffers, one k-block of op(B) ([KC][chunk]) at a time. With the Vector API ({@link Simd}) B is packed in panels and
 * A four rows interleaved, and {@link VectorPanelKernels} holds 4 rows x 4 vectors of accumulators in registers across
 * the k-block. Without it B is packed one float[] per k-row and the micro-kernel is {@link ScalarKernels#gemm}
 * ({@code c0[j] = fma(x, b0[j], c0[j])} over arrays indexed by the bare loop variable, the one shape HotSpot C2's
 * SuperWord (JDK 17) vectorizes: with {@code c[off + j]} versus {@code bp[off2 + j]} it cannot prove the accesses
 * independent and stays scalar); {@link VectorKernels#gemm} runs on that rows layout too (a convolution's columns,
 * {@link Im2col#im2colPacked}). All perform the same fma sequence per element. Small problems (&lt;
 * {@link #PARALLEL_MACS}) stay on the calling thread. Measured figures: bench/results/. Requires hardware FMA for
 * speed; without it Math.fma is correct but slow.
 */
public final class Gemm {
    private Gemm() {}

    /** Depth of one k-block: a [KC][NC] panel of packed B (384 KiB at most) stays in a 512 KiB L2. */
    static final int KC = 256;
    /** Maximum width of a column chunk. */
    static final int NC = 384;
    /**
     * Most rows per tile: a tile's rows share each [KC][chunk] panel of packed B while it is in L2, so a matrix with
     * few rows (a convolution's filters, a batch) is best done in one row tile; 64 rows of accumulators (96 KiB) plus
     * a panel stay within a 1 MiB L2.
     */
    static final int MC = 64;
    /** Below this many multiply-adds the packing and task overhead outweighs the kernel: use {@link #gemmSimple}. */
    static final long SMALL_MACS = 16L * 1024;
    /** k-rows per block when packing a transposed B (16 floats = one 64-byte cache line of a stored row). */
    static final int TB = 16;
    /**
     * Packed rows and accumulator rows are padded to a multiple of this many floats (the widest vector, 512 bits);
     * {@link #gemmColumns} runs fastest on ranges that start at a multiple of it.
     */
    public static final int PAD = 16;
    /**
     * Below this many multiply-adds a blocked GEMM runs on the calling thread: handing tasks to the pool and joining
     * them measured 10-30 µs on the shared 2-core machine (bench/results), about what 4 Mi multiply-adds take.
     */
    public static final long PARALLEL_MACS = 1L << 22;
    /** The kernel path, fixed at class initialisation: see {@link Simd}. */
    static final boolean VECTOR = Simd.vectorApi();
    /**
     * Columns per strip of the panel layout that {@link PackedB#pack} and this class's own packing use with the Vector
     * API kernels ({@link VectorPanelKernels}: 4 vectors with AVX-512, 3 with AVX2); 0 (the rows layout that C2's
     * auto-vectoriser needs) with the scalar kernels.
     */
    static final int STRIP = VECTOR ? Simd.vectorLanes() * (Simd.vectorLanes() >= 16 ? 4 : 3) : 0;

    /** n rounded up to a multiple of 16 floats: the row length the kernels' vector paths may read and write. */
    public static int padded(int n) { return (n + PAD - 1) / PAD * PAD; }

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
            gemmBlocked(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, 0, NC, VECTOR);
        }
    }

    /**
     * C = alpha * op(A) * op(B) + beta * C with op(B) already packed ({@link PackedB#pack}): the same arithmetic, and
     * so the same result bit for bit, as the unpacked call on the same B, without the packing. Reads {@code b} only
     * (any number of threads may share it); modifies only the M x N window of {@code c}. Runs on the calling thread
     * below {@link #PARALLEL_MACS} multiply-adds, and then allocates nothing in steady state (scratch is per thread).
     *
     * @throws IllegalArgumentException naming "Gemm" on a negative m, too-small leading dimensions or arrays, or
     *                                  a null packed matrix
     */
    public static void gemm(boolean transA, int m, float alpha, float[] a, int offA, int lda, PackedB b,
                            float beta, float[] c, int offC, int ldc) {
        gemm(transA, m, alpha, a, offA, lda, b, beta, c, offC, ldc, true);
    }

    /**
     * {@link #gemm(boolean, int, float, float[], int, int, PackedB, float, float[], int, int)}, on the calling thread
     * alone when {@code mayFork} is false (a serving thread that must not hand work to the shared pool): the same
     * result, and no allocation in steady state at any size.
     *
     * @throws IllegalArgumentException as the other overload
     */
    public static void gemm(boolean transA, int m, float alpha, float[] a, int offA, int lda, PackedB b,
                            float beta, float[] c, int offC, int ldc, boolean mayFork) {
        if (b == null) throw new IllegalArgumentException("Gemm: null packed B");
        int n = b.n, k = b.k;
        if (m < 0) throw new IllegalArgumentException("Gemm: negative size m=" + m);
        if (a == null || c == null) throw new IllegalArgumentException("Gemm: null array");
        checkMatrix("A", transA ? k : m, transA ? m : k, a, offA, lda);
        checkMatrix("C", m, n, c, offC, ldc);
        if (m == 0 || n == 0) return;
        multiply(transA, m, k, alpha, a, offA, lda, b, beta, c, offC, ldc, 0, VECTOR, mayFork);
    }

    /**
     * Columns [j0, j1) of {@link #gemm(boolean, int, float, float[], int, int, PackedB, float, float[], int, int,
     * boolean)}, every row, on the calling thread: calls for disjoint column ranges, on any threads in any order,
     * write the same bits as one gemm call over their union (ranges starting at a multiple of the vector length run
     * fastest). Modifies only those columns of C's window; allocates nothing in steady state.
     *
     * @throws IllegalArgumentException as gemm does, or when [j0, j1) is not within [0, N]
     */
    public static void gemmColumns(boolean transA, int m, float alpha, float[] a, int offA, int lda, PackedB b,
                                   float beta, float[] c, int offC, int ldc, int j0, int j1) {
        if (b == null) throw new IllegalArgumentException("Gemm: null packed B");
        int n = b.n, k = b.k;
        if (j0 < 0 || j1 > n || j0 > j1) {
            throw new IllegalArgumentException("Gemm: columns [" + j0 + ", " + j1 + ") outside [0, " + n + ")");
        }
        if (m < 0) throw new IllegalArgumentException("Gemm: negative size m=" + m);
        if (a == null || c == null) throw new IllegalArgumentException("Gemm: null array");
        checkMatrix("A", transA ? k : m, transA ? m : k, a, offA, lda);
        checkMatrix("C", m, n, c, offC, ldc);
        if (m == 0 || j0 == j1) return;
        if (b.panels != null) VectorWarmUp.panels();
        else if (VECTOR) VectorWarmUp.kernels();
        int rows = planRows(m, b, false);
        Scratch s = SCRATCH.get();
        float[][] acc = s.acc(rows, padded(b.width));
        float[] ap = s.ap(rows * Math.min(k, KC));
        for (int ch = j0 / b.width; ch < b.chunks && ch * b.width < j1; ch++) {
            int jc = ch * b.width, lo = Math.max(j0, jc) - jc, hi = Math.min(j1, jc + b.chunkWidth(ch)) - jc;
            for (int i0 = 0; i0 < m; i0 += rows) {
                tile(transA, k, alpha, a, offA, lda, b, beta, c, offC, ldc, VECTOR, i0, Math.min(rows, m - i0), ch,
                        lo, hi, acc, ap);
            }
        }
    }

    /** Columns per task are a multiple of this when a column chunk is split between tasks (2 vectors of 16). */
    static final int COL_STEP = 32;

    /**
     * How {@link #multiply} cuts the work: rows per tile (all rows up to {@link #MC}, a multiple of 4, the vector
     * kernel's tile height) and parts per column chunk. A small-batch product (few rows, one or two column chunks) is
     * split by columns, so each element of B is still read by one task only. Only the speed depends on it.
     */
    private static int planRows(int m, PackedB pb, boolean parallel) {
        int mc = Math.min(MC, (m + 3) & ~3);
        if (!parallel) return mc;
        int parts = planParts(m, pb, true), want = 4 * Parallel.threads();
        while (mc > 16 && (long) ((m + mc - 1) / mc) * pb.chunks * parts < want) mc = ((mc / 2) + 3) & ~3;
        return mc;
    }

    /** Parts per column chunk for {@link #planRows}' first choice of rows. */
    private static int planParts(int m, PackedB pb, boolean parallel) {
        if (!parallel) return 1;
        int mc = Math.min(MC, (m + 3) & ~3), want = 4 * Parallel.threads();
        int tasks = (m + mc - 1) / mc * pb.chunks;
        return tasks >= want ? 1 : Math.min(Math.max(1, pb.width / COL_STEP), (want + tasks - 1) / tasks);
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

    /**
     * Checks a stored [rows, cols] matrix with row stride ld; returns one past its last element (offset when empty).
     */
    static long checkMatrix(String name, int rows, int cols, float[] x, int off, int ld) {
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
        epilogue(acc, 0, n, alpha, beta, c, cRow);
    }

    /** Columns [j0, j1) of {@link #epilogue(float[], int, float, float, float[], int)}. */
    private static void epilogue(float[] acc, int j0, int j1, float alpha, float beta, float[] c, int cRow) {
        if (beta == 0f && alpha == 1f) {
            System.arraycopy(acc, j0, c, cRow + j0, j1 - j0); // 1·acc == acc exactly
        } else if (beta == 0f) {
            for (int j = j0; j < j1; j++) c[cRow + j] = alpha * acc[j];
        } else {
            for (int j = j0; j < j1; j++) c[cRow + j] = alpha * acc[j] + beta * c[cRow + j];
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Blocked path

    /**
     * Blocked, multi-threaded GEMM with explicit tile sizes (package-private so tests can vary them and check the
     * result is bit-identical). mc: rows per tile (0: chosen); ncMax: maximum width of a column chunk; vector: the
     * Vector API kernels (only when {@link Simd#vectorApi()}, on B in panels of {@link #STRIP} columns) or the scalar
     * ones (B in rows). No validation.
     */
    static void gemmBlocked(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int offA, int lda, float[] b, int offB, int ldb,
                            float beta, float[] c, int offC, int ldc, int mc, int ncMax, boolean vector) {
        gemmBlocked(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, mc, ncMax, vector,
                vector ? STRIP : 0);
    }

    /**
     * {@link #gemmBlocked} with B packed in panels of {@code strip} columns (a multiple of the vector length; needs
     * {@code vector}), or in rows when strip is 0 (either kernel path). Tests vary it; the result is the same.
     */
    static void gemmBlocked(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int offA, int lda, float[] b, int offB, int ldb,
                            float beta, float[] c, int offC, int ldc, int mc, int ncMax, boolean vector, int strip) {
        PackedB pb = packScratch(k, n, ncMax, strip);
        pb.fill(transB, b, offB, ldb, (long) m * n * k >= PARALLEL_MACS);
        multiply(transA, m, k, alpha, a, offA, lda, pb, beta, c, offC, ldc, mc, vector, true);
    }

    /**
     * The calling thread's last 12 packed op(B) shapes (a training step of a 3-layer MLP uses 8), reused: packing then
     * writes into memory it already owns instead of allocating and zeroing it every call.
     */
    private static final ThreadLocal<PackedB[]> PACKED = ThreadLocal.withInitial(() -> new PackedB[12]);

    /**
     * A packed [k, n] matrix from the calling thread's cache (filled by the caller before use). A pool worker gets a
     * fresh one: while it waits for a nested GEMM's tasks it may run another task that packs the same shape.
     */
    private static PackedB packScratch(int k, int n, int ncMax, int strip) {
        if (Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread) {
            return PackedB.allocate(k, n, ncMax, strip);
        }
        PackedB[] cache = PACKED.get();
        for (int i = 0; i < cache.length; i++) {
            PackedB pb = cache[i];
            if (pb != null && pb.k == k && pb.n == n && pb.ncMax == ncMax && pb.strip == strip) {
                System.arraycopy(cache, 0, cache, 1, i); // most recent first
                cache[0] = pb;
                return pb;
            }
        }
        PackedB pb = PackedB.allocate(k, n, ncMax, strip);
        if ((long) k * n <= 1L << 20) { // at most 4 MiB an entry (48 MiB a thread); larger ones are allocated per call
            System.arraycopy(cache, 0, cache, 1, cache.length - 1);
            cache[0] = pb;
        }
        return pb;
    }

    /** Per-thread scratch of the blocked path: accumulator rows and the packed rows of op(A). */
    private static final class Scratch {
        float[][] acc = new float[0][];
        float[] ap = new float[0];

        float[][] acc(int rows, int width) {
            if (acc.length < rows || acc[0].length < width) {
                acc = new float[Math.max(rows, acc.length)][Math.max(width, acc.length == 0 ? 0 : acc[0].length)];
            }
            return acc;
        }

        float[] ap(int floats) {
            if (ap.length < floats) ap = new float[floats];
            return ap;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * C = alpha·op(A)·B + beta·C for a packed B: tasks of mc rows x one part of one column chunk, in parallel.
     * mc = 0 lets {@link #planRows} choose.
     */
    private static void multiply(boolean transA, int m, int k, float alpha, float[] a, int offA, int lda, PackedB pb,
                                 float beta, float[] c, int offC, int ldc, int mc, boolean vector, boolean mayFork) {
        if (pb.panels != null) VectorWarmUp.panels(); // before any task: the warm-up runs once, on one thread
        else if (vector) VectorWarmUp.kernels();
        boolean parallel = mayFork && (long) m * pb.n * k >= PARALLEL_MACS && Parallel.threads() > 1;
        int rows = mc > 0 ? mc : planRows(m, pb, parallel), parts = planParts(m, pb, parallel);
        int tasks = (m + rows - 1) / rows * pb.chunks * parts;
        if (!parallel || tasks == 1) {
            tiles(transA, m, k, alpha, a, offA, lda, pb, beta, c, offC, ldc, rows, parts, vector, 0, tasks);
        } else {
            Parallel.forRange(tasks, 1, (from, to) -> tiles(transA, m, k, alpha, a, offA, lda, pb, beta, c, offC, ldc,
                    rows, parts, vector, from, to));
        }
    }

    /**
     * Tasks [from, to) of {@link #multiply}: task t = (column chunk, part of it, row tile), row tile fastest, so
     * consecutive tasks reuse one part of B while it is cached. A part is a range of COL_STEP-aligned columns.
     */
    private static void tiles(boolean transA, int m, int k, float alpha, float[] a, int offA, int lda, PackedB pb,
                              float beta, float[] c, int offC, int ldc, int mc, int parts, boolean vector,
                              int from, int to) {
        int rowTiles = (m + mc - 1) / mc;
        Scratch s = SCRATCH.get();
        float[][] acc = s.acc(mc, padded(pb.width));
        float[] ap = s.ap(mc * Math.min(k, KC));
        for (int t = from; t < to; t++) {
            int rt = t % rowTiles, cp = t / rowTiles, ch = cp / parts, part = cp % parts;
            int wc = pb.chunkWidth(ch), step = (wc + parts - 1) / parts;
            step = (step + COL_STEP - 1) / COL_STEP * COL_STEP;
            int j0 = Math.min(wc, part * step), j1 = Math.min(wc, j0 + step);
            if (j0 >= j1) continue;
            int i0 = rt * mc;
            tile(transA, k, alpha, a, offA, lda, pb, beta, c, offC, ldc, vector, i0, Math.min(mc, m - i0), ch, j0, j1,
                    acc, ap);
        }
    }

    /**
     * Rows [i0, i0 + rows) x chunk-local columns [j0, j1) of column chunk ch: every k block through the kernels into
     * acc, then the epilogue into C. acc and ap are the calling thread's scratch.
     */
    private static void tile(boolean transA, int k, float alpha, float[] a, int offA, int lda, PackedB pb,
                             float beta, float[] c, int offC, int ldc, boolean vector, int i0, int rows, int ch,
                             int j0, int j1, float[][] acc, float[] ap) {
        // the kernels start at a multiple of PAD (whole vectors; the panel kernel needs it), the epilogue at j0
        int jc = ch * pb.width, ja = j0 / PAD * PAD;
        for (int r = 0; r < rows; r++) Arrays.fill(acc[r], ja, Math.min(acc[r].length, padded(j1)), 0f);
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            if (pb.panels != null) {
                packA4(transA, a, offA, lda, i0, rows, p0, kc, ap);
                VectorPanelKernels.gemm(ap, kc, pb.panels[ch], k, p0, pb.strip, pb.paddedWidth(ch), ja, j1, acc, rows);
                continue;
            }
            packA(transA, a, offA, lda, i0, rows, p0, kc, ap);
            if (vector) VectorKernels.gemm(ap, kc, pb.rows, ch * k + p0, ja, j1, acc, rows);
            else ScalarKernels.gemm(ap, kc, pb.rows, ch * k + p0, ja, j1, acc, rows);
        }
        for (int r = 0; r < rows; r++) epilogue(acc[r], j0, j1, alpha, beta, c, offC + (i0 + r) * ldc + jc);
    }

    /** {@link Parallel#forRange} when grain &lt; n, else body(0, n) on the calling thread. */
    static void forTasks(int n, int grain, Parallel.RangeBody body) {
        if (n <= 0) return;
        if (grain >= n || Parallel.threads() == 1) body.run(0, n);
        else Parallel.forRange(n, grain, body);
    }

    /**
     * op(A)[i0 + r, p0 + pp] for r &lt; rows, pp &lt; kc as the panel kernels read it: rows in groups of four
     * interleaved (ap[g·4·kc + pp·4 + q] holds row 4g + q), the last rows % 4 rows one after another (ap[r·kc + pp]).
     * So a group or a lone row r starts at r·kc. Modifies only ap.
     */
    private static void packA4(boolean transA, float[] a, int offA, int lda, int i0, int rows, int p0, int kc,
                               float[] ap) {
        int full = rows & ~3;
        // group by group, four values per k written side by side: ap is filled front to back
        for (int g = 0; g < full; g += 4) {
            int d = g * kc;
            if (transA) { // A stored [K, M]: the group's four values of k are next to each other
                for (int pp = 0, src = offA + p0 * lda + i0 + g; pp < kc; pp++, d += 4, src += lda) {
                    ap[d] = a[src];
                    ap[d + 1] = a[src + 1];
                    ap[d + 2] = a[src + 2];
                    ap[d + 3] = a[src + 3];
                }
            } else {
                int s0 = offA + (i0 + g) * lda + p0, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
                for (int pp = 0; pp < kc; pp++, d += 4) {
                    ap[d] = a[s0 + pp];
                    ap[d + 1] = a[s1 + pp];
                    ap[d + 2] = a[s2 + pp];
                    ap[d + 3] = a[s3 + pp];
                }
            }
        }
        for (int r = full; r < rows; r++) {
            if (transA) {
                for (int pp = 0, src = offA + p0 * lda + i0 + r; pp < kc; pp++, src += lda) ap[r * kc + pp] = a[src];
            } else {
                System.arraycopy(a, offA + (i0 + r) * lda + p0, ap, r * kc, kc);
            }
        }
    }

    /** ap[r * kc + pp] = op(A)[i0 + r, p0 + pp] for r < rows, pp < kc. Modifies only ap. */
    private static void packA(boolean transA, float[] a, int offA, int lda, int i0, int rows, int p0, int kc,
            float[] ap) {
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
}
