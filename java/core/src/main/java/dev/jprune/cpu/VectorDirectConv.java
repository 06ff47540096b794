package dev.jprune.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link DirectConv#convScalar}: the same tiles of output positions, four independent fma
 * chains in flight (four vectors of one filter; two vectors of two filters, or one vector of four, for the last
 * columns of positions), bias and ReLU in registers as {@code VectorKernels.finish}. Loaded only when
 * {@link Gemm#VECTOR}; same bits as the scalar path (tested). Warmed up at first use, as {@link VectorKernels}.
 */
final class VectorDirectConv {
    private VectorDirectConv() {}

    private static final VectorSpecies<Float> S = VectorShape.S;
    private static final int L = VectorShape.LANES;

    /** Runs every kernel on small arrays until C2 has compiled them: see {@link VectorWarmUp}. */
    static void warmUp() {
        int[] rp = {0, 2, 3, 5, 7, 8}, off = {0, 3, 1, 2, 4, 5, 6, 7};
        float[] v = new float[8], x = new float[8 * L + 64], y = new float[5 * 8 * 8], bias = new float[5];
        for (int i = 0; i < 12_000; i++) {
            conv(rp, off, v, x, 0, 10, 8, 8, bias, i % 2 == 0, y, 0, 0, 5);
            conv(rp, off, v, x, 0, 10, 1, 8, bias, true, y, 0, 0, 5);
        }
    }

    static void conv(int[] rp, int[] off, float[] v, float[] x, int xOff, int wp, int oh, int ow,
                     float[] bias, boolean relu, float[] y, int yOff, int f0, int f1) {
        int positions = oh * wp, plane = oh * ow;
        float[] out = DirectConv.tileSums(); // one tile's finished sums: 4 vectors, 2 x 2 (at 0 and 4L) or 4 x 1
        for (int p0 = 0; p0 < positions; p0 += 4 * L) {
            int vectors = Math.min(4, (positions - p0 + L - 1) / L), wt = Math.min(4 * L, positions - p0);
            int base = xOff + p0;
            int f = f0;
            if (vectors == 4) {
                for (; f < f1; f++) {
                    tile4(rp[f], rp[f + 1], off, v, x, base, bias[f], relu, out);
                    keep(out, 0, p0, wt, wp, oh, ow, y, yOff + f * plane);
                }
            } else if (vectors >= 2) {
                for (; f + 2 <= f1; f += 2) {
                    tile2x2(rp[f], rp[f + 1], rp[f + 2], off, v, x, base, bias[f], bias[f + 1], relu, out);
                    keep(out, 0, p0, 2 * L, wp, oh, ow, y, yOff + f * plane);
                    keep(out, 4 * L, p0, 2 * L, wp, oh, ow, y, yOff + (f + 1) * plane);
                }
                for (; f < f1; f++) {
                    tile2x2(rp[f], rp[f + 1], rp[f + 1], off, v, x, base, bias[f], 0f, relu, out);
                    keep(out, 0, p0, 2 * L, wp, oh, ow, y, yOff + f * plane);
                }
                if (vectors == 3) {
                    convColumn(rp, off, v, x, base + 2 * L, p0 + 2 * L, wp, oh, ow, bias, relu, y, yOff, f0, f1, out);
                }
            } else {
                convColumn(rp, off, v, x, base, p0, wp, oh, ow, bias, relu, y, yOff, f0, f1, out);
            }
        }
    }

    /** One vector of positions starting at p0 (x read from base), four filters at a time. */
    private static void convColumn(int[] rp, int[] off, float[] v, float[] x, int base, int p0, int wp, int oh,
                                   int ow, float[] bias, boolean relu, float[] y, int yOff, int f0, int f1,
                                   float[] out) {
        int plane = oh * ow, f = f0;
        for (; f + 4 <= f1; f += 4) {
            tile1x4(rp, f, off, v, x, base, bias, relu, out);
            for (int i = 0; i < 4; i++) keep(out, i * L, p0, L, wp, oh, ow, y, yOff + (f + i) * plane);
        }
        for (; f < f1; f++) {
            FloatVector a = FloatVector.zero(S);
            for (int k = rp[f], e = rp[f + 1]; k < e; k++) a = lane(v[k], x, base + off[k], a);
            finish(a, bias[f], relu).intoArray(out, 0);
            keep(out, 0, p0, L, wp, oh, ow, y, yOff + f * plane);
        }
    }

    /** Copies the kept positions of finished sums out[at ..) (positions p0 .. p0 + wt) into y[yOff ..). */
    private static void keep(float[] out, int at, int p0, int wt, int wp, int oh, int ow, float[] y, int yOff) {
        DirectConv.keep(out, at, p0, wt, wp, oh, ow, 0f, false, y, yOff, true);
    }

    /** Four vectors of one filter (nonzeros [k0, k1)): out[0, 4L). */
    private static void tile4(int k0, int k1, int[] off, float[] v, float[] x, int base, float bias, boolean relu,
                              float[] out) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int k = k0; k < k1; k++) {
            FloatVector w = FloatVector.broadcast(S, v[k]);
            int o = base + off[k];
            a0 = w.fma(FloatVector.fromArray(S, x, o), a0);
            a1 = w.fma(FloatVector.fromArray(S, x, o + L), a1);
            a2 = w.fma(FloatVector.fromArray(S, x, o + 2 * L), a2);
            a3 = w.fma(FloatVector.fromArray(S, x, o + 3 * L), a3);
        }
        finish(a0, bias, relu).intoArray(out, 0);
        finish(a1, bias, relu).intoArray(out, L);
        finish(a2, bias, relu).intoArray(out, 2 * L);
        finish(a3, bias, relu).intoArray(out, 3 * L);
    }

    /**
     * Two vectors of two filters (nonzeros [ka, kb) and [kb, kc)), their first nonzeros interleaved: out[0, 2L) and
     * out[4L, 6L).
     */
    private static void tile2x2(int ka, int kb, int kc, int[] off, float[] v, float[] x, int base, float biasA,
                                float biasB, boolean relu, float[] out) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0;
        int m = Math.min(kb - ka, kc - kb);
        for (int t = 0; t < m; t++) {
            FloatVector wa = FloatVector.broadcast(S, v[ka + t]), wb = FloatVector.broadcast(S, v[kb + t]);
            int oa = base + off[ka + t], ob = base + off[kb + t];
            a0 = wa.fma(FloatVector.fromArray(S, x, oa), a0);
            a1 = wa.fma(FloatVector.fromArray(S, x, oa + L), a1);
            b0 = wb.fma(FloatVector.fromArray(S, x, ob), b0);
            b1 = wb.fma(FloatVector.fromArray(S, x, ob + L), b1);
        }
        for (int k = ka + m; k < kb; k++) {
            a0 = lane(v[k], x, base + off[k], a0);
            a1 = lane(v[k], x, base + off[k] + L, a1);
        }
        for (int k = kb + m; k < kc; k++) {
            b0 = lane(v[k], x, base + off[k], b0);
            b1 = lane(v[k], x, base + off[k] + L, b1);
        }
        finish(a0, biasA, relu).intoArray(out, 0);
        finish(a1, biasA, relu).intoArray(out, L);
        finish(b0, biasB, relu).intoArray(out, 4 * L);
        finish(b1, biasB, relu).intoArray(out, 5 * L);
    }

    /** One vector of four filters f .. f + 3, first nonzeros interleaved: out[i·L, (i + 1)·L) for filter f + i. */
    private static void tile1x4(int[] rp, int f, int[] off, float[] v, float[] x, int base, float[] bias,
                                boolean relu, float[] out) {
        int ka = rp[f], kb = rp[f + 1], kc = rp[f + 2], kd = rp[f + 3], ke = rp[f + 4];
        FloatVector a = FloatVector.zero(S), b = a, c = a, d = a;
        int m = Math.min(Math.min(kb - ka, kc - kb), Math.min(kd - kc, ke - kd));
        for (int t = 0; t < m; t++) {
            a = lane(v[ka + t], x, base + off[ka + t], a);
            b = lane(v[kb + t], x, base + off[kb + t], b);
            c = lane(v[kc + t], x, base + off[kc + t], c);
            d = lane(v[kd + t], x, base + off[kd + t], d);
        }
        for (int k = ka + m; k < kb; k++) a = lane(v[k], x, base + off[k], a);
        for (int k = kb + m; k < kc; k++) b = lane(v[k], x, base + off[k], b);
        for (int k = kc + m; k < kd; k++) c = lane(v[k], x, base + off[k], c);
        for (int k = kd + m; k < ke; k++) d = lane(v[k], x, base + off[k], d);
        finish(a, bias[f], relu).intoArray(out, 0);
        finish(b, bias[f + 1], relu).intoArray(out, L);
        finish(c, bias[f + 2], relu).intoArray(out, 2 * L);
        finish(d, bias[f + 3], relu).intoArray(out, 3 * L);
    }

    /** relu(acc + bias) per lane with {@link Epilogue#relu}'s bits (+0 unless &gt; 0, NaN to 0), or acc + bias. */
    private static FloatVector finish(FloatVector acc, float bias, boolean relu) {
        FloatVector t = acc.add(bias);
        return relu ? FloatVector.zero(S).blend(t, t.compare(VectorOperators.GT, 0f)) : t;
    }

    /** acc + w·x[o .. o + L). */
    private static FloatVector lane(float w, float[] x, int o, FloatVector acc) {
        return FloatVector.broadcast(S, w).fma(FloatVector.fromArray(S, x, o), acc);
    }
}
