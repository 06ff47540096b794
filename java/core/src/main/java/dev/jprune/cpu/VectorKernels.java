package dev.jprune.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API ({@code jdk.incubator.vector}) twins of the scalar kernels, register-tiled. Loaded only through
 * {@link Simd} when the module is present. Every output element gets exactly the scalar kernel's sequence of
 * {@code acc = fma(a, b, acc)} steps (lanes are independent; {@code FloatVector.fma} rounds once, as
 * {@link Math#fma}), so results are bit-identical to the scalar path (tested).
 * <p>Arrays passed in must be padded: a row of {@code wc} used columns is read and written up to
 * {@code roundUp(wc, LANES)} (at most {@link Gemm#PAD}); the padding lanes compute values nobody reads.
 * <p>Why small tile methods and a warm-up: on JDK 17, C2 intrinsifies a Vector API call only when it can inline it
 * and the vector classes are initialised; a method with too many vector call sites, or one first compiled on-stack
 * in the middle of a long first call, measured 20x slower (boxed vectors) in about one run in five. Each tile below
 * has at most ~30 vector call sites, and {@link VectorWarmUp} runs every tile on small arrays until C2 has seen them
 * (at the first use, after this class is initialised), which made 16 of 16 runs fast.
 */
final class VectorKernels {
    private VectorKernels() {}

    static final VectorSpecies<Float> S = VectorShape.S;
    /** Float lanes of one vector (16 with AVX-512, 8 with AVX2). */
    static final int LANES = VectorShape.LANES;

    /** Runs every kernel on small arrays until C2 has compiled them: see {@link VectorWarmUp}. */
    static void warmUp() {
        int kc = 8, wc = 6 * LANES;
        float[] ap = new float[4 * kc];
        float[][] bp = new float[kc][wc];
        float[][] acc = new float[4][wc];
        int[] rp = {0, 2, 3, 5, 6, 8};
        char[] ci = {0, 3, 1, 2, 4, 5, 6, 7};
        float[] v = new float[8], xl = new float[8 * 2 * LANES], yl = new float[5 * 2 * LANES];
        for (int i = 0; i < 12_000; i++) {
            gemm(ap, kc, bp, 0, 0, wc, acc, 4);
            gemm(ap, kc, bp, 0, 0, wc - LANES, acc, 3);
            gemm(ap, kc, bp, 0, 0, 3 * LANES, acc, 4);
            csrRows(rp, ci, v, bp, wc, acc, 0, 4);
            csrRows(rp, ci, v, bp, 2 * LANES, acc, 0, 3);
            csrRows(rp, ci, v, bp, LANES - 1, acc, 0, 4);
            csrRows(rp, ci, v, bp, LANES - 1, acc, 0, 1);
            biasRelu(ap, 0, acc[0], 0, 2 * LANES, 0.5f, i % 2 == 0);
            biasRow(acc[1], 0, acc[2], i % 2, 2 * LANES - 1, i % 2 == 0);
            csrLanes(rp, ci, v, xl, LANES, LANES, i % 2 == 0 ? v : null, i % 3 == 0, yl, 0, 5);
            csrLanes(rp, ci, v, xl, LANES + 1, 2 * LANES, v, true, yl, 1, 3);
        }
    }

    /** {@link Epilogue#biasRelu} over whole vectors; returns how many elements it did (the caller does the rest). */
    static int biasRelu(float[] src, int srcOff, float[] dst, int dstOff, int len, float bias, boolean relu) {
        final int l = LANES;
        FloatVector b = FloatVector.broadcast(S, bias), zero = FloatVector.zero(S);
        int i = 0;
        for (; i + l <= len; i += l) {
            FloatVector v = FloatVector.fromArray(S, src, srcOff + i).add(b);
            if (relu) v = zero.blend(v, v.compare(VectorOperators.GT, 0f)); // v > 0 ? v : 0, NaN to 0
            v.intoArray(dst, dstOff + i);
        }
        return i;
    }

    /** {@link Epilogue#biasRow} over whole vectors; returns how many elements it did (the caller does the rest). */
    static int biasRow(float[] y, int off, float[] bias, int biasOff, int len, boolean relu) {
        final int l = LANES;
        FloatVector zero = FloatVector.zero(S);
        int j = 0;
        for (; j + l <= len; j += l) {
            FloatVector v = FloatVector.fromArray(S, y, off + j).add(FloatVector.fromArray(S, bias, biasOff + j));
            if (relu) v = zero.blend(v, v.compare(VectorOperators.GT, 0f)); // v > 0 ? v : 0, NaN to 0
            v.intoArray(y, off + j);
        }
        return j;
    }

    /** {@link Gemm}'s micro-kernel contract; see {@code ScalarKernels.gemm}. j0 must be a multiple of LANES. */
    static void gemm(float[] ap, int kc, float[][] bp, int bRow0, int j0, int wc, float[][] acc, int rows) {
        final int l = LANES;
        int wv = (wc + l - 1) / l * l;
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            float[] c0 = acc[r], c1 = acc[r + 1], c2 = acc[r + 2], c3 = acc[r + 3];
            int j = j0;
            for (; j + 3 * l <= wv; j += 3 * l) tile4x3(ap, r * kc, kc, bp, bRow0, j, c0, c1, c2, c3);
            if (j + 2 * l <= wv) {
                tile4x2(ap, r * kc, kc, bp, bRow0, j, c0, c1, c2, c3);
                j += 2 * l;
            }
            if (j < wv) tile4x1(ap, r * kc, kc, bp, bRow0, j, c0, c1, c2, c3);
        }
        for (; r < rows; r++) {
            float[] c0 = acc[r];
            int j = j0;
            for (; j + 4 * l <= wv; j += 4 * l) tile1x4(ap, r * kc, kc, bp, bRow0, j, c0);
            for (; j < wv; j += l) tile1x1(ap, r * kc, kc, bp, bRow0, j, c0);
        }
    }

    private static void tile4x3(float[] ap, int a0, int kc, float[][] bp, int bRow0, int j,
                                float[] c0, float[] c1, float[] c2, float[] c3) {
        final int l = LANES, j1 = j + l, j2 = j + 2 * l;
        FloatVector s00 = FloatVector.fromArray(S, c0, j), s01 = FloatVector.fromArray(S, c0, j1);
        FloatVector s02 = FloatVector.fromArray(S, c0, j2), s10 = FloatVector.fromArray(S, c1, j);
        FloatVector s11 = FloatVector.fromArray(S, c1, j1), s12 = FloatVector.fromArray(S, c1, j2);
        FloatVector s20 = FloatVector.fromArray(S, c2, j), s21 = FloatVector.fromArray(S, c2, j1);
        FloatVector s22 = FloatVector.fromArray(S, c2, j2), s30 = FloatVector.fromArray(S, c3, j);
        FloatVector s31 = FloatVector.fromArray(S, c3, j1), s32 = FloatVector.fromArray(S, c3, j2);
        int a1 = a0 + kc, a2 = a1 + kc, a3 = a2 + kc;
        for (int p = 0; p < kc; p++) {
            float[] b = bp[bRow0 + p];
            FloatVector b0 = FloatVector.fromArray(S, b, j), b1 = FloatVector.fromArray(S, b, j1);
            FloatVector b2 = FloatVector.fromArray(S, b, j2);
            FloatVector x0 = FloatVector.broadcast(S, ap[a0 + p]);
            s00 = x0.fma(b0, s00);
            s01 = x0.fma(b1, s01);
            s02 = x0.fma(b2, s02);
            FloatVector x1 = FloatVector.broadcast(S, ap[a1 + p]);
            s10 = x1.fma(b0, s10);
            s11 = x1.fma(b1, s11);
            s12 = x1.fma(b2, s12);
            FloatVector x2 = FloatVector.broadcast(S, ap[a2 + p]);
            s20 = x2.fma(b0, s20);
            s21 = x2.fma(b1, s21);
            s22 = x2.fma(b2, s22);
            FloatVector x3 = FloatVector.broadcast(S, ap[a3 + p]);
            s30 = x3.fma(b0, s30);
            s31 = x3.fma(b1, s31);
            s32 = x3.fma(b2, s32);
        }
        s00.intoArray(c0, j);
        s01.intoArray(c0, j1);
        s02.intoArray(c0, j2);
        s10.intoArray(c1, j);
        s11.intoArray(c1, j1);
        s12.intoArray(c1, j2);
        s20.intoArray(c2, j);
        s21.intoArray(c2, j1);
        s22.intoArray(c2, j2);
        s30.intoArray(c3, j);
        s31.intoArray(c3, j1);
        s32.intoArray(c3, j2);
    }

    private static void tile4x2(float[] ap, int a0, int kc, float[][] bp, int bRow0, int j,
                                float[] c0, float[] c1, float[] c2, float[] c3) {
        final int l = LANES;
        FloatVector s00 = FloatVector.fromArray(S, c0, j), s01 = FloatVector.fromArray(S, c0, j + l);
        FloatVector s10 = FloatVector.fromArray(S, c1, j), s11 = FloatVector.fromArray(S, c1, j + l);
        FloatVector s20 = FloatVector.fromArray(S, c2, j), s21 = FloatVector.fromArray(S, c2, j + l);
        FloatVector s30 = FloatVector.fromArray(S, c3, j), s31 = FloatVector.fromArray(S, c3, j + l);
        int a1 = a0 + kc, a2 = a1 + kc, a3 = a2 + kc;
        for (int p = 0; p < kc; p++) {
            float[] b = bp[bRow0 + p];
            FloatVector b0 = FloatVector.fromArray(S, b, j), b1 = FloatVector.fromArray(S, b, j + l);
            FloatVector x0 = FloatVector.broadcast(S, ap[a0 + p]);
            s00 = x0.fma(b0, s00);
            s01 = x0.fma(b1, s01);
            FloatVector x1 = FloatVector.broadcast(S, ap[a1 + p]);
            s10 = x1.fma(b0, s10);
            s11 = x1.fma(b1, s11);
            FloatVector x2 = FloatVector.broadcast(S, ap[a2 + p]);
            s20 = x2.fma(b0, s20);
            s21 = x2.fma(b1, s21);
            FloatVector x3 = FloatVector.broadcast(S, ap[a3 + p]);
            s30 = x3.fma(b0, s30);
            s31 = x3.fma(b1, s31);
        }
        s00.intoArray(c0, j);
        s01.intoArray(c0, j + l);
        s10.intoArray(c1, j);
        s11.intoArray(c1, j + l);
        s20.intoArray(c2, j);
        s21.intoArray(c2, j + l);
        s30.intoArray(c3, j);
        s31.intoArray(c3, j + l);
    }

    private static void tile4x1(float[] ap, int a0, int kc, float[][] bp, int bRow0, int j,
                                float[] c0, float[] c1, float[] c2, float[] c3) {
        FloatVector s0 = FloatVector.fromArray(S, c0, j), s1 = FloatVector.fromArray(S, c1, j);
        FloatVector s2 = FloatVector.fromArray(S, c2, j), s3 = FloatVector.fromArray(S, c3, j);
        int a1 = a0 + kc, a2 = a1 + kc, a3 = a2 + kc;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp[bRow0 + p], j);
            s0 = FloatVector.broadcast(S, ap[a0 + p]).fma(b0, s0);
            s1 = FloatVector.broadcast(S, ap[a1 + p]).fma(b0, s1);
            s2 = FloatVector.broadcast(S, ap[a2 + p]).fma(b0, s2);
            s3 = FloatVector.broadcast(S, ap[a3 + p]).fma(b0, s3);
        }
        s0.intoArray(c0, j);
        s1.intoArray(c1, j);
        s2.intoArray(c2, j);
        s3.intoArray(c3, j);
    }

    private static void tile1x4(float[] ap, int a0, int kc, float[][] bp, int bRow0, int j, float[] c0) {
        final int l = LANES;
        FloatVector s0 = FloatVector.fromArray(S, c0, j), s1 = FloatVector.fromArray(S, c0, j + l);
        FloatVector s2 = FloatVector.fromArray(S, c0, j + 2 * l), s3 = FloatVector.fromArray(S, c0, j + 3 * l);
        for (int p = 0; p < kc; p++) {
            float[] b = bp[bRow0 + p];
            FloatVector x = FloatVector.broadcast(S, ap[a0 + p]);
            s0 = x.fma(FloatVector.fromArray(S, b, j), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, j + l), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, j + 2 * l), s2);
            s3 = x.fma(FloatVector.fromArray(S, b, j + 3 * l), s3);
        }
        s0.intoArray(c0, j);
        s1.intoArray(c0, j + l);
        s2.intoArray(c0, j + 2 * l);
        s3.intoArray(c0, j + 3 * l);
    }

    private static void tile1x1(float[] ap, int a0, int kc, float[][] bp, int bRow0, int j, float[] c0) {
        FloatVector s0 = FloatVector.fromArray(S, c0, j);
        for (int p = 0; p < kc; p++) {
            s0 = FloatVector.broadcast(S, ap[a0 + p]).fma(FloatVector.fromArray(S, bp[bRow0 + p], j), s0);
        }
        s0.intoArray(c0, j);
    }
    /**
     * {@link SparseKernels#csrRows}' accumulation (no epilogue): yt[j][0..n) = Σ v[k]·xt[ci[k]][0..n). Column blocks
     * of 4 vectors keep 4 independent accumulators per row; a narrower last block takes 2 or 4 rows at a time instead,
     * so there are still 4 fma chains in flight (one chain per row measured ~4x slower, the fma latency).
     */
    static void csrRows(int[] rp, char[] ci, float[] v, float[][] xt, int n, float[][] yt, int r0, int r1) {
        final int l = LANES;
        int nv = (n + l - 1) / l * l;
        int s0 = 0;
        for (; s0 + 4 * l <= nv; s0 += 4 * l) {
            for (int j = r0; j < r1; j++) rows4(rp[j], rp[j + 1], ci, v, xt, s0, yt[j]);
        }
        int left = (nv - s0) / l;
        if (left >= 2) {
            int j = r0;
            for (; j + 2 <= r1; j += 2) rows2x2(rp[j], rp[j + 1], rp[j + 2], ci, v, xt, s0, yt[j], yt[j + 1]);
            for (; j < r1; j++) rows2x1(rp[j], rp[j + 1], ci, v, xt, s0, yt[j]);
            s0 += 2 * l;
            left -= 2;
        }
        if (left == 1) {
            int j = r0;
            for (; j + 4 <= r1; j += 4) {
                rows1x4(rp[j], rp[j + 1], rp[j + 2], rp[j + 3], rp[j + 4], ci, v, xt, s0,
                        yt[j], yt[j + 1], yt[j + 2], yt[j + 3]);
            }
            for (; j < r1; j++) rows1(rp[j], rp[j + 1], ci, v, xt, s0, yt[j]);
        }
    }

    private static void rows4(int k0, int k1, char[] ci, float[] v, float[][] xt, int s0, float[] y) {
        final int l = LANES;
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        for (int k = k0; k < k1; k++) {
            float[] xr = xt[ci[k]];
            FloatVector w = FloatVector.broadcast(S, v[k]);
            a0 = w.fma(FloatVector.fromArray(S, xr, s0), a0);
            a1 = w.fma(FloatVector.fromArray(S, xr, s0 + l), a1);
            a2 = w.fma(FloatVector.fromArray(S, xr, s0 + 2 * l), a2);
            a3 = w.fma(FloatVector.fromArray(S, xr, s0 + 3 * l), a3);
        }
        a0.intoArray(y, s0);
        a1.intoArray(y, s0 + l);
        a2.intoArray(y, s0 + 2 * l);
        a3.intoArray(y, s0 + 3 * l);
    }

    /** Two rows (nonzeros [ka, kb) and [kb, kc)), two vectors each: the first nonzeros of both rows interleaved. */
    private static void rows2x2(int ka, int kb, int kc, char[] ci, float[] v, float[][] xt, int s0,
                                float[] ya, float[] yb) {
        final int l = LANES;
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S);
        int m = Math.min(kb - ka, kc - kb);
        for (int t = 0; t < m; t++) {
            float[] xa = xt[ci[ka + t]], xb = xt[ci[kb + t]];
            FloatVector wa = FloatVector.broadcast(S, v[ka + t]), wb = FloatVector.broadcast(S, v[kb + t]);
            a0 = wa.fma(FloatVector.fromArray(S, xa, s0), a0);
            a1 = wa.fma(FloatVector.fromArray(S, xa, s0 + l), a1);
            b0 = wb.fma(FloatVector.fromArray(S, xb, s0), b0);
            b1 = wb.fma(FloatVector.fromArray(S, xb, s0 + l), b1);
        }
        for (int k = ka + m; k < kb; k++) {
            float[] xa = xt[ci[k]];
            FloatVector wa = FloatVector.broadcast(S, v[k]);
            a0 = wa.fma(FloatVector.fromArray(S, xa, s0), a0);
            a1 = wa.fma(FloatVector.fromArray(S, xa, s0 + l), a1);
        }
        for (int k = kb + m; k < kc; k++) {
            float[] xb = xt[ci[k]];
            FloatVector wb = FloatVector.broadcast(S, v[k]);
            b0 = wb.fma(FloatVector.fromArray(S, xb, s0), b0);
            b1 = wb.fma(FloatVector.fromArray(S, xb, s0 + l), b1);
        }
        a0.intoArray(ya, s0);
        a1.intoArray(ya, s0 + l);
        b0.intoArray(yb, s0);
        b1.intoArray(yb, s0 + l);
    }

    private static void rows2x1(int k0, int k1, char[] ci, float[] v, float[][] xt, int s0, float[] y) {
        final int l = LANES;
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        for (int k = k0; k < k1; k++) {
            float[] xr = xt[ci[k]];
            FloatVector w = FloatVector.broadcast(S, v[k]);
            a0 = w.fma(FloatVector.fromArray(S, xr, s0), a0);
            a1 = w.fma(FloatVector.fromArray(S, xr, s0 + l), a1);
        }
        a0.intoArray(y, s0);
        a1.intoArray(y, s0 + l);
    }

    /** Four rows, one vector each, their first nonzeros interleaved (four independent chains). */
    private static void rows1x4(int ka, int kb, int kc, int kd, int ke, char[] ci, float[] v, float[][] xt, int s0,
                                float[] ya, float[] yb, float[] yc, float[] yd) {
        FloatVector a = FloatVector.zero(S), b = FloatVector.zero(S), c = FloatVector.zero(S), d = FloatVector.zero(S);
        int m = Math.min(Math.min(kb - ka, kc - kb), Math.min(kd - kc, ke - kd));
        for (int t = 0; t < m; t++) {
            a = FloatVector.broadcast(S, v[ka + t]).fma(FloatVector.fromArray(S, xt[ci[ka + t]], s0), a);
            b = FloatVector.broadcast(S, v[kb + t]).fma(FloatVector.fromArray(S, xt[ci[kb + t]], s0), b);
            c = FloatVector.broadcast(S, v[kc + t]).fma(FloatVector.fromArray(S, xt[ci[kc + t]], s0), c);
            d = FloatVector.broadcast(S, v[kd + t]).fma(FloatVector.fromArray(S, xt[ci[kd + t]], s0), d);
        }
        for (int k = ka + m; k < kb; k++) a = axpy(v[k], xt[ci[k]], s0, a);
        for (int k = kb + m; k < kc; k++) b = axpy(v[k], xt[ci[k]], s0, b);
        for (int k = kc + m; k < kd; k++) c = axpy(v[k], xt[ci[k]], s0, c);
        for (int k = kd + m; k < ke; k++) d = axpy(v[k], xt[ci[k]], s0, d);
        a.intoArray(ya, s0);
        b.intoArray(yb, s0);
        c.intoArray(yc, s0);
        d.intoArray(yd, s0);
    }

    private static void rows1(int k0, int k1, char[] ci, float[] v, float[][] xt, int s0, float[] y) {
        FloatVector a0 = FloatVector.zero(S);
        for (int k = k0; k < k1; k++) a0 = axpy(v[k], xt[ci[k]], s0, a0);
        a0.intoArray(y, s0);
    }

    /** acc + w·x[s0 .. s0 + LANES), one fma per lane. */
    private static FloatVector axpy(float w, float[] x, int s0, FloatVector acc) {
        return FloatVector.broadcast(S, w).fma(FloatVector.fromArray(S, x, s0), acc);
    }

    /**
     * {@link SparseKernels#csrLanes} with its epilogue, one vector per lane block (ld is a multiple of LANES), four
     * rows at a time (four independent fma chains). The species is {@link #S}, as in every other kernel: on JDK 17 a
     * second vector shape in the same JVM (a 256-bit kernel beside the 512-bit ones) split the JIT's type profiles and
     * boxed every vector of the new kernel (measured: 64 bytes allocated per multiply-add).
     */
    static void csrLanes(int[] rp, char[] ci, float[] v, float[] x, int n, int ld, float[] bias, boolean relu,
                         float[] y, int r0, int r1) {
        for (int s0 = 0; s0 < n; s0 += LANES) {
            int j = r0;
            if (ld == LANES) { // one lane block (n <= LANES): its own loop with the constant stride
                for (; j + 4 <= r1; j += 4) lanes4OneBlock(rp, j, ci, v, x, bias, relu, y);
            }
            for (; j + 4 <= r1; j += 4) lanes4(rp, j, ci, v, x, ld, s0, bias, relu, y);
            for (; j < r1; j++) {
                FloatVector a = FloatVector.zero(S);
                for (int k = rp[j], e = rp[j + 1]; k < e; k++) a = lane(v[k], x, ci[k] * ld + s0, a);
                finish(a, bias, j, relu).intoArray(y, j * ld + s0);
            }
        }
    }

    /** Rows j .. j + 3 of one lane block, their first nonzeros interleaved. */
    private static void lanes4(int[] rp, int j, char[] ci, float[] v, float[] x, int ld, int s0, float[] bias,
                               boolean relu, float[] y) {
        int ka = rp[j], kb = rp[j + 1], kc = rp[j + 2], kd = rp[j + 3], ke = rp[j + 4];
        FloatVector a = FloatVector.zero(S), b = FloatVector.zero(S), c = FloatVector.zero(S), d = FloatVector.zero(S);
        int m = Math.min(Math.min(kb - ka, kc - kb), Math.min(kd - kc, ke - kd));
        for (int t = 0; t < m; t++) {
            a = lane(v[ka + t], x, ci[ka + t] * ld + s0, a);
            b = lane(v[kb + t], x, ci[kb + t] * ld + s0, b);
            c = lane(v[kc + t], x, ci[kc + t] * ld + s0, c);
            d = lane(v[kd + t], x, ci[kd + t] * ld + s0, d);
        }
        for (int k = ka + m; k < kb; k++) a = lane(v[k], x, ci[k] * ld + s0, a);
        for (int k = kb + m; k < kc; k++) b = lane(v[k], x, ci[k] * ld + s0, b);
        for (int k = kc + m; k < kd; k++) c = lane(v[k], x, ci[k] * ld + s0, c);
        for (int k = kd + m; k < ke; k++) d = lane(v[k], x, ci[k] * ld + s0, d);
        finish(a, bias, j, relu).intoArray(y, j * ld + s0);
        finish(b, bias, j + 1, relu).intoArray(y, (j + 1) * ld + s0);
        finish(c, bias, j + 2, relu).intoArray(y, (j + 2) * ld + s0);
        finish(d, bias, j + 3, relu).intoArray(y, (j + 3) * ld + s0);
    }

    /**
     * {@link #lanes4} for one lane block (ld = LANES, s0 = 0): the same fma sequence with the stride a constant. With
     * ld and s0 as variables C2 kept them on the stack and the array bases in vector registers (the 4-chain loop needs
     * 13 values): an imul and an add from memory and three register moves per nonzero. 784 -> 300 at 5.7%, batch 8:
     * see docs/DECISIONS.md (D74).
     */
    private static void lanes4OneBlock(int[] rp, int j, char[] ci, float[] v, float[] x, float[] bias, boolean relu,
                                       float[] y) {
        final int l = LANES;
        int ka = rp[j], kb = rp[j + 1], kc = rp[j + 2], kd = rp[j + 3], ke = rp[j + 4];
        FloatVector a = FloatVector.zero(S), b = FloatVector.zero(S), c = FloatVector.zero(S), d = FloatVector.zero(S);
        int m = Math.min(Math.min(kb - ka, kc - kb), Math.min(kd - kc, ke - kd));
        for (int t = 0; t < m; t++) {
            a = lane(v[ka + t], x, ci[ka + t] * l, a);
            b = lane(v[kb + t], x, ci[kb + t] * l, b);
            c = lane(v[kc + t], x, ci[kc + t] * l, c);
            d = lane(v[kd + t], x, ci[kd + t] * l, d);
        }
        for (int k = ka + m; k < kb; k++) a = lane(v[k], x, ci[k] * l, a);
        for (int k = kb + m; k < kc; k++) b = lane(v[k], x, ci[k] * l, b);
        for (int k = kc + m; k < kd; k++) c = lane(v[k], x, ci[k] * l, c);
        for (int k = kd + m; k < ke; k++) d = lane(v[k], x, ci[k] * l, d);
        finish(a, bias, j, relu).intoArray(y, j * l);
        finish(b, bias, j + 1, relu).intoArray(y, (j + 1) * l);
        finish(c, bias, j + 2, relu).intoArray(y, (j + 2) * l);
        finish(d, bias, j + 3, relu).intoArray(y, (j + 3) * l);
    }

    /**
     * A row's epilogue in registers, the bits of {@link Epilogue#relu}(acc + bias[j]) per lane (+0 unless > 0; NaN to
     * 0). Measured 1.7x faster than the same epilogue on the stored floats (784 x 300 at 5.7%, batch 8: 11 vs 19 µs).
     */
    private static FloatVector finish(FloatVector acc, float[] bias, int j, boolean relu) {
        FloatVector t = bias == null ? acc : acc.add(bias[j]);
        return relu ? FloatVector.zero(S).blend(t, t.compare(VectorOperators.GT, 0f)) : t;
    }

    /** acc + w·x[off .. off + LANES). */
    private static FloatVector lane(float w, float[] x, int off, FloatVector acc) {
        return FloatVector.broadcast(S, w).fma(FloatVector.fromArray(S, x, off), acc);
    }
}
