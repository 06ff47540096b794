package dev.jprune.cpu;

/**
 * Kernels for a CSR weight W [rows, K] (row pointers {@code rp}, 16-bit column indices {@code ci}, values {@code v})
 * times dense activations, with a fused epilogue: {@code y = acc + bias[j]} (skipped when bias is null), then
 * {@code relu ? (y > 0 ? y : 0) : y}.
 * <h2>Arithmetic</h2>
 * Every output element is {@code acc = 0; for each nonzero k of row j in CSR order: acc = fma(v[k], x[ci[k]], acc)},
 * the sequence {@link Gemm} performs over all K columns of the dense weight, skipping only the zero weights, whose
 * fma leaves a finite acc unchanged (acc + 0·x = acc for finite x; acc starts at +0). So for finite activations
 * these kernels give the bits of the dense GEMM on the masked weight, whatever the batch, the kernel path or the
 * thread split (tested). The two layouts:
 * <ul>
 *   <li>{@link #csrVector}: one sample, x a vector; rows are processed four at a time with one accumulator each:
 *   independent fma chains hide the fma latency without changing any element's order (measured, 784 x 300 at 10%
 *   density, one thread: two rows 11.4 µs, one row 15.7 µs; four partial sums per row, another order, 10.2 µs. Four
 *   rows, first measured slower (16.5 µs, a JIT outcome), now beat two in LeNet-300-100 90% at batch 1: 8.3-9.1
 *   against 8.9-9.8 µs, three JVMs each, scalar and Vector API).</li>
 *   <li>{@link #csrRows}: n samples with activations feature-major, {@code xt[c][0..n)} (one array per input feature;
 *   "[K][B]"): per nonzero, {@code acc[0..n) += v·xt[c][0..n)}, contiguous and vectorised (the XNNPACK design, no
 *   gathers). The Vector API path keeps up to 4 vectors of acc in registers across the row.</li>
 *   <li>{@link #csrLanes}: the same product for small batches (up to {@link #LANES_MAX} samples) with the activations
 *   in one flat array, feature f's samples at {@code x[f·ld ..]} with ld a multiple of 8: eight samples per nonzero
 *   in eight local accumulators, and no row object to load per nonzero (measured, 784 x 300 at 5.7% density, batch
 *   8, one thread: 18 µs; {@link #csrRows} 31 µs, its per-nonzero row reference and bounds check; the activations,
 *   25 KB, also stay in L1 where 784 padded rows did not).</li>
 * </ul>
 */
public final class SparseKernels {
    private SparseKernels() {}

    /**
     * y[yOff + j] = epilogue(Σ_k v[k]·x[ci[k]]) for rows j in [r0, r1); x is the sample, from index 0 (an offset into
     * x measured 1.5x slower: the JIT then checks both ends of every gathered index). Modifies only those y elements.
     * No validation: callers (dev.jprune.sparse) own validated matrices and sized buffers.
     */
    public static void csrVector(int[] rp, char[] ci, float[] v, float[] x, float[] bias, boolean relu,
                                 float[] y, int yOff, int r0, int r1) {
        int j = r0;
        for (; j + 4 <= r1; j += 4) {
            int ka = rp[j], kb = rp[j + 1], kc = rp[j + 2], kd = rp[j + 3], ke = rp[j + 4];
            int n = Math.min(Math.min(kb - ka, kc - kb), Math.min(kd - kc, ke - kd));
            float a = 0f, b = 0f, c = 0f, d = 0f;
            for (int t = 0; t < n; t++) {
                a = Math.fma(v[ka + t], x[ci[ka + t]], a);
                b = Math.fma(v[kb + t], x[ci[kb + t]], b);
                c = Math.fma(v[kc + t], x[ci[kc + t]], c);
                d = Math.fma(v[kd + t], x[ci[kd + t]], d);
            }
            for (int k = ka + n; k < kb; k++) a = Math.fma(v[k], x[ci[k]], a);
            for (int k = kb + n; k < kc; k++) b = Math.fma(v[k], x[ci[k]], b);
            for (int k = kc + n; k < kd; k++) c = Math.fma(v[k], x[ci[k]], c);
            for (int k = kd + n; k < ke; k++) d = Math.fma(v[k], x[ci[k]], d);
            y[yOff + j] = finish(a, bias, j, relu);
            y[yOff + j + 1] = finish(b, bias, j + 1, relu);
            y[yOff + j + 2] = finish(c, bias, j + 2, relu);
            y[yOff + j + 3] = finish(d, bias, j + 3, relu);
        }
        for (; j + 2 <= r1; j += 2) {
            int k0 = rp[j], k1 = rp[j + 1], k2 = rp[j + 2];
            int n = Math.min(k1 - k0, k2 - k1);
            float s0 = 0f, s1 = 0f;
            for (int t = 0; t < n; t++) {
                s0 = Math.fma(v[k0 + t], x[ci[k0 + t]], s0);
                s1 = Math.fma(v[k1 + t], x[ci[k1 + t]], s1);
            }
            for (int k = k0 + n; k < k1; k++) s0 = Math.fma(v[k], x[ci[k]], s0);
            for (int k = k1 + n; k < k2; k++) s1 = Math.fma(v[k], x[ci[k]], s1);
            y[yOff + j] = finish(s0, bias, j, relu);
            y[yOff + j + 1] = finish(s1, bias, j + 1, relu);
        }
        for (; j < r1; j++) {
            float s = 0f;
            for (int k = rp[j], e = rp[j + 1]; k < e; k++) s = Math.fma(v[k], x[ci[k]], s);
            y[yOff + j] = finish(s, bias, j, relu);
        }
    }

    /**
     * yt row j's epilogue in place through {@link Epilogue#biasRelu}; no bias adds +0, which changes only -0 into +0,
     * and only under ReLU, which maps both to +0 anyway.
     */
    private static void rowEpilogue(float[] y, int n, float[] bias, int j, boolean relu) {
        if (bias != null || relu) Epilogue.biasRelu(y, 0, y, 0, n, bias == null ? 0f : bias[j], relu);
    }

    private static float finish(float acc, float[] bias, int j, boolean relu) {
        float y = bias == null ? acc : acc + bias[j];
        return relu ? Epilogue.relu(y) : y;
    }

    /**
     * yt[j][0..n) = epilogue(Σ_k v[k]·xt[ci[k]][0..n)) for rows j in [r0, r1). Rows of xt and yt must hold at
     * least {@code Gemm.padded(n)} floats (the Vector API path reads and writes whole vectors; padding lanes hold
     * values nobody reads). Modifies only yt[r0..r1). No validation.
     */
    public static void csrRows(int[] rp, char[] ci, float[] v, float[][] xt, int n, float[] bias,
                               boolean relu, float[][] yt, int r0, int r1) {
        if (Gemm.VECTOR) {
            VectorWarmUp.kernels();
            VectorKernels.csrRows(rp, ci, v, xt, n, yt, r0, r1);
        } else {
            scalarRows(rp, ci, v, xt, n, yt, r0, r1);
        }
        for (int j = r0; j < r1; j++) rowEpilogue(yt[j], n, bias, j, relu);
    }

    /**
     * {@link #csrRows} with the activations taken from column chunk {@code ch} of a packed [K, P] matrix (im2col
     * columns, {@link Im2col#im2colPacked}): yt[j][0..chunkWidth(ch)) for rows j in [r0, r1). Modifies only those rows.
     *
     * @throws IllegalArgumentException when x is in the panel layout ({@link PackedB#pack}) instead of the rows layout
     */
    public static void csrPacked(int[] rp, char[] ci, float[] v, PackedB x, int ch, float[] bias, boolean relu,
                                 float[][] yt, int r0, int r1) {
        if (x.chunk == null) throw new IllegalArgumentException("SparseKernels.csrPacked: x must be in the rows layout "
                + "(PackedB.allocate, Im2col.im2colPacked)");
        csrRows(rp, ci, v, x.chunk[ch], x.chunkWidth(ch), bias, relu, yt, r0, r1);
    }

    /** The largest batch {@link #csrLanes} serves; larger ones take {@link #csrRows} (whose rows C2 vectorises). */
    public static final int LANES_MAX = 32;

    /** Whether {@link #csrLanes} runs the Vector API kernel (vectors of at least 8 floats). */
    static final boolean VECTOR_LANES = Gemm.VECTOR && VectorShape.LANES >= 8;

    /**
     * Samples per lane block: one vector of the Vector API kernels (8 or 16 floats), else 8. The Vector API path
     * keeps one vector shape for every kernel (see {@code VectorKernels.csrLanes}), so with AVX-512 a batch of 8 fills
     * half of each 16-float vector.
     */
    static final int LANE_BLOCK = VECTOR_LANES ? VectorShape.LANES : 8;

    /** The lane-block stride for n samples: n rounded up to a multiple of {@link #LANE_BLOCK} (a multiple of 8). */
    public static int lanesStride(int n) { return (n + LANE_BLOCK - 1) / LANE_BLOCK * LANE_BLOCK; }

    /**
     * y[j·ld + s] = epilogue(Σ_k v[k]·x[ci[k]·ld + s]) for rows j in [r0, r1) and samples s &lt; n, where
     * {@code ld = lanesStride(n)}: x and y hold one block of ld floats per feature (lanes s &ge; n of a row's blocks
     * are computed from whatever x holds there, and nobody reads them). Modifies only y[r0·ld .. r1·ld). No
     * validation.
     */
    public static void csrLanes(int[] rp, char[] ci, float[] v, float[] x, int n, float[] bias, boolean relu,
                                float[] y, int r0, int r1) {
        int ld = lanesStride(n);
        if (VECTOR_LANES) {
            VectorWarmUp.kernels();
            VectorKernels.csrLanes(rp, ci, v, x, n, ld, bias, relu, y, r0, r1);
        } else {
            lanesScalar(rp, ci, v, x, n, ld, bias, relu, y, r0, r1);
        }
    }

    /** {@link #csrLanes} forced onto the scalar path (tests compare both paths). */
    static void csrLanesScalar(int[] rp, char[] ci, float[] v, float[] x, int n, float[] bias, boolean relu,
                               float[] y, int r0, int r1) {
        lanesScalar(rp, ci, v, x, n, lanesStride(n), bias, relu, y, r0, r1);
    }

    private static void lanesScalar(int[] rp, char[] ci, float[] v, float[] x, int n, int ld, float[] bias,
                                    boolean relu, float[] y, int r0, int r1) {
        for (int s0 = 0; s0 < n; s0 += 8) {
            for (int j = r0; j < r1; j++) {
                if (rp[j] == rp[j + 1]) { // a pruned-away row: one value for every sample (+0 through the epilogue)
                    float c = finish(0f, bias, j, relu);
                    int o = j * ld + s0;
                    y[o] = c; y[o + 1] = c; y[o + 2] = c; y[o + 3] = c; y[o + 4] = c; y[o + 5] = c; y[o + 6] = c;
                    y[o + 7] = c;
                } else {
                    lanes8(rp[j], rp[j + 1], ci, v, x, ld, s0, bias, j, relu, y);
                }
            }
        }
    }

    /** y[j·ld + s0 .. + 8) = epilogue(Σ_k v[k]·x[ci[k]·ld + s0 .. + 8)): eight independent fma chains. */
    private static void lanes8(int k0, int k1, char[] ci, float[] v, float[] x, int ld, int s0, float[] bias, int j,
                               boolean relu, float[] y) {
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, a4 = 0f, a5 = 0f, a6 = 0f, a7 = 0f;
        for (int k = k0; k < k1; k++) {
            float w = v[k];
            int c = ci[k] * ld + s0;
            a0 = Math.fma(w, x[c], a0);
            a1 = Math.fma(w, x[c + 1], a1);
            a2 = Math.fma(w, x[c + 2], a2);
            a3 = Math.fma(w, x[c + 3], a3);
            a4 = Math.fma(w, x[c + 4], a4);
            a5 = Math.fma(w, x[c + 5], a5);
            a6 = Math.fma(w, x[c + 6], a6);
            a7 = Math.fma(w, x[c + 7], a7);
        }
        int o = j * ld + s0;
        y[o] = finish(a0, bias, j, relu);
        y[o + 1] = finish(a1, bias, j, relu);
        y[o + 2] = finish(a2, bias, j, relu);
        y[o + 3] = finish(a3, bias, j, relu);
        y[o + 4] = finish(a4, bias, j, relu);
        y[o + 5] = finish(a5, bias, j, relu);
        y[o + 6] = finish(a6, bias, j, relu);
        y[o + 7] = finish(a7, bias, j, relu);
    }

    /** {@link #csrRows} forced onto the scalar path (tests compare both paths). */
    static void csrRowsScalar(int[] rp, char[] ci, float[] v, float[][] xt, int n, float[] bias,
                              boolean relu, float[][] yt, int r0, int r1) {
        scalarRows(rp, ci, v, xt, n, yt, r0, r1);
        for (int j = r0; j < r1; j++) rowEpilogue(yt[j], n, bias, j, relu);
    }

    /**
     * The scalar accumulation. Up to 32 samples: blocks of 8 samples in local accumulators (eight independent fma
     * chains; the JIT's vectorised loop needs longer rows than that to pay off: measured 5 ns per nonzero at 8
     * samples). Longer rows: the contiguous loop over the samples, which C2 vectorises.
     */
    private static void scalarRows(int[] rp, char[] ci, float[] v, float[][] xt, int n, float[][] yt, int r0, int r1) {
        if (n <= 32) {
            for (int s0 = 0; s0 < n; s0 += 8) {
                for (int j = r0; j < r1; j++) rows8(rp[j], rp[j + 1], ci, v, xt, s0, yt[j]);
            }
            return;
        }
        for (int j = r0; j < r1; j++) {
            float[] acc = yt[j];
            java.util.Arrays.fill(acc, 0, n, 0f);
            for (int k = rp[j], e = rp[j + 1]; k < e; k++) {
                float vk = v[k];
                float[] xr = xt[ci[k]];
                for (int s = 0; s < n; s++) acc[s] = Math.fma(vk, xr[s], acc[s]);
            }
        }
    }

    /** y[s0 .. s0 + 8) = Σ_k v[k]·xt[ci[k]][s0 .. s0 + 8) (rows are padded, so 8 lanes can always be read). */
    private static void rows8(int k0, int k1, char[] ci, float[] v, float[][] xt, int s0, float[] y) {
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, a4 = 0f, a5 = 0f, a6 = 0f, a7 = 0f;
        for (int k = k0; k < k1; k++) {
            float w = v[k];
            float[] x = xt[ci[k]];
            a0 = Math.fma(w, x[s0], a0);
            a1 = Math.fma(w, x[s0 + 1], a1);
            a2 = Math.fma(w, x[s0 + 2], a2);
            a3 = Math.fma(w, x[s0 + 3], a3);
            a4 = Math.fma(w, x[s0 + 4], a4);
            a5 = Math.fma(w, x[s0 + 5], a5);
            a6 = Math.fma(w, x[s0 + 6], a6);
            a7 = Math.fma(w, x[s0 + 7], a7);
        }
        y[s0] = a0;
        y[s0 + 1] = a1;
        y[s0 + 2] = a2;
        y[s0 + 3] = a3;
        y[s0 + 4] = a4;
        y[s0 + 5] = a5;
        y[s0 + 6] = a6;
        y[s0 + 7] = a7;
    }
}
