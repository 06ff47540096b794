package dev.jprune.cpu;

/**
 * The right operand op(B) [K, N] of {@link Gemm} in its packed layout: the columns cut into chunks of equal width
 * (a multiple of 8, at most {@link Gemm#NC}; the last chunk takes the rest), each chunk zero-padded to a multiple of
 * {@link Gemm#PAD} columns, in one of two layouts:
 * <ul>
 *   <li>rows: each k-row of each chunk in its own float[], so the scalar kernels' inner loops index by the bare
 *       column (what C2 vectorises) and the sparse kernels read a chunk's rows ({@link #allocate(int, int)},
 *       {@link Im2col#im2colPacked});</li>
 *   <li>panels: one float[] per chunk, cut into strips of {@link #strip} columns, each strip's k rows one after
 *       another, so the Vector API tile streams one contiguous block ({@link VectorPanelKernels}). {@link #pack}
 *       and Gemm's own packing use it when the Vector API kernels run.</li>
 * </ul>
 * <p>A matrix used many times (a layer's weight at inference) is packed once with {@link #pack} and passed to
 * {@link Gemm#gemm(boolean, int, float, float[], int, int, PackedB, float, float[], int, int)}, which then only reads
 * it: a PackedB is immutable after packing and may be shared by any number of threads.
 */
public final class PackedB {
    final int k, n, width, chunks, ncMax;
    /** Rows layout: rows[ch * k + p] = op(B)[p, ch·width .. ch·width + chunkWidth(ch)), zero-padded; else null. */
    final float[][] rows;
    /** chunk[ch][p] == rows[ch * k + p]: the same arrays, indexed from 0 per chunk (the sparse kernels' layout). */
    final float[][][] chunk;
    /**
     * Panel layout: op(B)[p, ch·width + j] at panels[ch][s0·k + p·sw + (j − s0)], where s0 = j − j % strip starts
     * j's strip and sw = min(strip, padded(chunkWidth(ch)) − s0) is its width (padding zeros); else null.
     */
    final float[][] panels;
    /** Columns per strip of the panel layout (a multiple of the vector length), 0 in the rows layout. */
    final int strip;

    private PackedB(int k, int n, int ncMax, int strip) {
        this.k = k;
        this.n = n;
        this.ncMax = ncMax;
        this.strip = strip;
        int c = Math.max(1, (n + ncMax - 1) / ncMax);
        int w = n == 0 ? 0 : Math.min(n, ((n + c - 1) / c + 7) & ~7);
        this.width = w;
        this.chunks = n == 0 ? 0 : (n + w - 1) / w;
        if (strip > 0) {
            this.rows = null;
            this.chunk = null;
            this.panels = new float[chunks][];
            for (int ch = 0; ch < chunks; ch++) panels[ch] = new float[Math.multiplyExact(k, paddedWidth(ch))];
        } else {
            this.panels = null;
            this.rows = new float[Math.multiplyExact(chunks, k)][];
            this.chunk = new float[chunks][k][];
            for (int ch = 0; ch < chunks; ch++) {
                int len = paddedWidth(ch);
                for (int p = 0; p < k; p++) rows[ch * k + p] = chunk[ch][p] = new float[len];
            }
        }
    }

    /** Chunk ch's columns rounded up to {@link Gemm#PAD}: the width its kernels read and write. */
    int paddedWidth(int ch) { return Gemm.padded(chunkWidth(ch)); }

    /** op(B)[p, j] as packed (either layout): for tests and checks. */
    float get(int p, int j) {
        int ch = j / width, jj = j - ch * width;
        if (panels == null) return rows[ch * k + p][jj];
        int s0 = jj - jj % strip, sw = Math.min(strip, paddedWidth(ch) - s0);
        return panels[ch][s0 * k + p * sw + (jj - s0)];
    }

    /** Rows K of op(B). */
    public int k() { return k; }

    /** Columns N of op(B). */
    public int n() { return n; }

    /** Column chunks. */
    public int chunks() { return chunks; }

    /** Columns in chunk {@code ch}. */
    public int chunkWidth(int ch) { return Math.min(width, n - ch * width); }

    /** First column of chunk {@code ch}. */
    public int chunkStart(int ch) { return ch * width; }

    /** Floats held (padding included): what packing costs in memory. */
    public long floats() {
        long s = 0;
        for (float[] r : panels != null ? panels : rows) s += r.length;
        return s;
    }

    /**
     * Packs op(B) = B (stored [K, N], row stride ldb &ge; N) or Bᵀ (B stored [N, K], ldb &ge; K) from
     * {@code b[offB..]}; {@code b} is not modified and not referenced afterwards.
     *
     * @throws IllegalArgumentException naming "PackedB" on negative sizes or an array too short for the matrix
     */
    public static PackedB pack(boolean transB, int k, int n, float[] b, int offB, int ldb) {
        if (k < 0 || n < 0) throw new IllegalArgumentException("PackedB: negative size k=" + k + " n=" + n);
        if (b == null) throw new IllegalArgumentException("PackedB: null array");
        Gemm.checkMatrix("B", transB ? n : k, transB ? k : n, b, offB, ldb);
        PackedB pb = new PackedB(k, n, Gemm.NC, Gemm.STRIP);
        pb.fill(transB, b, offB, ldb, true);
        return pb;
    }

    /**
     * A zero-filled packed matrix [K, N] to be written in place, e.g. by {@link Im2col#im2colPacked}: scratch owned by
     * one thread at a time (unlike a matrix from {@link #pack}, it is meant to be overwritten between products).
     *
     * @throws IllegalArgumentException on negative sizes
     */
    public static PackedB allocate(int k, int n) {
        if (k < 0 || n < 0) throw new IllegalArgumentException("PackedB: negative size k=" + k + " n=" + n);
        return new PackedB(k, n, Gemm.NC, 0);
    }

    /**
     * {@link #allocate(int, int)} for a matrix that only {@link Gemm} reads (e.g. a convolution's columns written by
     * {@link Im2col#im2colPacked} for a dense product): in the layout the running GEMM kernels read fastest, panels
     * with the Vector API. The sparse kernels ({@link SparseKernels#csrPacked}) refuse it.
     *
     * @throws IllegalArgumentException on negative sizes
     */
    public static PackedB allocateForGemm(int k, int n) {
        if (k < 0 || n < 0) throw new IllegalArgumentException("PackedB: negative size k=" + k + " n=" + n);
        return new PackedB(k, n, Gemm.NC, Gemm.STRIP);
    }

    /**
     * Whether the sparse kernels can read this matrix: the rows layout ({@link #allocate(int, int)}, and every
     * matrix while the scalar kernels run); false for the panel layout, which only {@link Gemm} reads.
     */
    public boolean rowsLayout() { return panels == null; }

    /**
     * A packed matrix for {@link Gemm}'s blocked path with chunks of at most ncMax columns, not yet filled: the panel
     * layout with strips of {@code strip} columns, or the rows layout when strip is 0.
     */
    static PackedB allocate(int k, int n, int ncMax, int strip) { return new PackedB(k, n, ncMax, strip); }

    /** Fills every chunk from op(B); parallel over (chunk, k-block) when {@code parallel}. No validation. */
    void fill(boolean transB, float[] b, int offB, int ldb, boolean parallel) {
        if (chunks == 0 || k == 0) return;
        if (transB) {
            // B stored [N, K]: transpose in blocks of TB k-rows, reading TB consecutive floats of each stored row per
            // step. (Reading one float per stored row per k-row instead walks ldb-strided addresses; with ldb a large
            // power-of-two multiple, e.g. Conv2d's batched col, those all map to a few cache sets and thrash.)
            int kBlocks = (k + Gemm.TB - 1) / Gemm.TB;
            Gemm.forTasks(chunks * kBlocks, parallel ? 4 : Integer.MAX_VALUE, (from, to) -> {
                for (int t = from; t < to; t++) {
                    int ch = t / kBlocks, p0 = (t - ch * kBlocks) * Gemm.TB, pn = Math.min(Gemm.TB, k - p0);
                    int j0 = ch * width, wc = chunkWidth(ch);
                    for (int j = 0; j < wc; j++) {
                        int src = offB + (j0 + j) * ldb + p0;
                        if (panels == null) {
                            for (int pp = 0; pp < pn; pp++) rows[ch * k + p0 + pp][j] = b[src + pp];
                        } else {
                            int s0 = j - j % strip, sw = Math.min(strip, paddedWidth(ch) - s0);
                            float[] panel = panels[ch];
                            for (int pp = 0, o = s0 * k + p0 * sw + (j - s0); pp < pn; pp++, o += sw) {
                                panel[o] = b[src + pp];
                            }
                        }
                    }
                }
            });
        } else {
            Gemm.forTasks(chunks * k, parallel ? 64 : Integer.MAX_VALUE, (from, to) -> {
                for (int r = from; r < to; r++) {
                    int ch = r / k, p = r - ch * k, src = offB + p * ldb + ch * width, wc = chunkWidth(ch);
                    if (panels == null) {
                        System.arraycopy(b, src, rows[r], 0, wc);
                        continue;
                    }
                    for (int s0 = 0; s0 < wc; s0 += strip) {
                        int sw = Math.min(strip, paddedWidth(ch) - s0);
                        System.arraycopy(b, src + s0, panels[ch], s0 * k + p * sw, Math.min(sw, wc - s0));
                    }
                }
            });
        }
    }
}
