package dev.jprune.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm}'s Vector API micro-kernels on op(B) in {@link PackedB}'s panel layout: each strip of
 * {@link PackedB#strip} columns holds its k-rows one after another ({@code sw} floats apart), so a tile streams one
 * contiguous block of B, and op(A) is packed four rows interleaved ({@link Gemm}'s {@code packA4}), so a tile's four
 * broadcasts come from one address. Tiles of 4 rows x up to 4 vectors (16 accumulators with AVX-512) in registers
 * across the k-block; the last rows % 4 rows take 1-row tiles. Every element gets exactly the scalar reference's
 * {@code acc = fma(a, b, acc)} sequence over p (see {@link VectorKernels}), so results are bit-identical to the rows
 * layout and to {@link Gemm#gemmSimple} (GemmTest). Measured (one core, Zen 4, L1-resident k-block of 256): the rows
 * layout's 4 x 3 tile 84 GFLOP/s, this 4 x 4 tile 107-110, peak 117 (docs/DECISIONS.md).
 * <p>Like {@link VectorKernels}, loaded only when {@link Simd} chose the Vector API, and warmed up at its first use
 * ({@link VectorWarmUp}) so C2 compiles each tile before a long first call could run it boxed.
 */
final class VectorPanelKernels {
    private VectorPanelKernels() {}

    static final VectorSpecies<Float> S = VectorShape.S;
    static final int LANES = VectorShape.LANES;
    /** Vectors per strip: 4 x 4 accumulators with 32 vector registers (AVX-512), 4 x 3 with 16 (AVX2). */
    static final int STRIP_VECTORS = LANES >= 16 ? 4 : 3;

    /** Runs every kernel on small arrays until C2 has compiled them: see {@link VectorWarmUp}. */
    static void warmUp() {
        int kc = 8, k = 2 * kc, strip = STRIP_VECTORS * LANES, pw = 2 * strip;
        float[] ai = new float[7 * kc], panel = new float[k * pw];
        float[][] acc = new float[7][pw];
        for (int i = 0; i < 12_000; i++) {
            gemm(ai, kc, panel, k, kc, strip, pw, 0, pw, acc, 7);
            gemm(ai, kc, panel, k, 0, strip, pw, LANES, pw - 1, acc, 5);
            gemm(ai, kc, panel, k, 0, strip, pw, 2 * LANES, strip + LANES, acc, 6);
        }
    }

    /**
     * acc[r][j] = fma over p &lt; kc of (op(A)[r, p] from {@code ai}, op(B)[p0 + p, j] from {@code panel}) onto
     * acc[r][j], for rows r &lt; rows and columns j in [j0, roundUp(j1, LANES)). {@code panel} is one chunk of a
     * panel-layout {@link PackedB} (k rows, padded width pw, strips of {@code strip} columns, a multiple of LANES);
     * j0 is a multiple of LANES; ai holds kc columns of the rows as {@code Gemm.packA4} writes them. Modifies only
     * those acc elements (padding columns up to the vector included: they compute values nobody reads). No
     * validation.
     */
    static void gemm(float[] ai, int kc, float[] panel, int k, int p0, int strip, int pw, int j0, int j1,
                     float[][] acc, int rows) {
        int wv = (j1 + LANES - 1) / LANES * LANES, full = rows & ~3;
        for (int r = 0; r < rows; r = r < full ? r + 4 : r + 1) {
            int a0 = r * kc; // a group of 4 interleaved rows, or one row, starts at r·kc (packA4)
            for (int j = j0; j < wv; ) {
                int s0 = j / strip * strip, sw = Math.min(strip, pw - s0);
                int end = Math.min(Math.min(wv, s0 + sw), j + 4 * LANES); // a tile holds at most 4 vectors a row
                int b0 = s0 * k + p0 * sw + (j - s0), vectors = (end - j) / LANES;
                if (r < full) tile4(vectors, ai, a0, kc, panel, b0, sw, j, acc[r], acc[r + 1], acc[r + 2], acc[r + 3]);
                else tile1(vectors, ai, a0, kc, panel, b0, sw, j, acc[r]);
                j = end;
            }
        }
    }

    private static void tile4(int vectors, float[] ai, int a0, int kc, float[] bm, int bo, int sw, int j,
                              float[] c0, float[] c1, float[] c2, float[] c3) {
        switch (vectors) {
            case 4 -> tile4x4(ai, a0, kc, bm, bo, sw, j, c0, c1, c2, c3);
            case 3 -> tile4x3(ai, a0, kc, bm, bo, sw, j, c0, c1, c2, c3);
            case 2 -> tile4x2(ai, a0, kc, bm, bo, sw, j, c0, c1, c2, c3);
            default -> tile4x1(ai, a0, kc, bm, bo, sw, j, c0, c1, c2, c3);
        }
    }

    private static void tile1(int vectors, float[] ai, int a0, int kc, float[] bm, int bo, int sw, int j, float[] c0) {
        switch (vectors) {
            case 4 -> tile1x4(ai, a0, kc, bm, bo, sw, j, c0);
            case 3 -> tile1x3(ai, a0, kc, bm, bo, sw, j, c0);
            case 2 -> tile1x2(ai, a0, kc, bm, bo, sw, j, c0);
            default -> tile1x1(ai, a0, kc, bm, bo, sw, j, c0);
        }
    }

    private static void tile4x4(float[] ai, int a0, int kc, float[] bm, int bo, int sw, int j,
                                float[] c0, float[] c1, float[] c2, float[] c3) {
        final int l = LANES;
        FloatVector s00 = FloatVector.fromArray(S, c0, j), s01 = FloatVector.fromArray(S, c0, j + l);
        FloatVector s02 = FloatVector.fromArray(S, c0, j + 2 * l), s03 = FloatVector.fromArray(S, c0, j + 3 * l);
        FloatVector s10 = FloatVector.fromArray(S, c1, j), s11 = FloatVector.fromArray(S, c1, j + l);
        FloatVector s12 = FloatVector.fromArray(S, c1, j + 2 * l), s13 = FloatVector.fromArray(S, c1, j + 3 * l);
        FloatVector s20 = FloatVector.fromArray(S, c2, j), s21 = FloatVector.fromArray(S, c2, j + l);
        FloatVector s22 = FloatVector.fromArray(S, c2, j + 2 * l), s23 = FloatVector.fromArray(S, c2, j + 3 * l);
        FloatVector s30 = FloatVector.fromArray(S, c3, j), s31 = FloatVector.fromArray(S, c3, j + l);
        FloatVector s32 = FloatVector.fromArray(S, c3, j + 2 * l), s33 = FloatVector.fromArray(S, c3, j + 3 * l);
        for (int p = 0, q = a0, o = bo; p < kc; p++, q += 4, o += sw) {
            FloatVector b0 = FloatVector.fromArray(S, bm, o), b1 = FloatVector.fromArray(S, bm, o + l);
            FloatVector b2 = FloatVector.fromArray(S, bm, o + 2 * l), b3 = FloatVector.fromArray(S, bm, o + 3 * l);
            FloatVector x0 = FloatVector.broadcast(S, ai[q]);
            s00 = x0.fma(b0, s00); s01 = x0.fma(b1, s01); s02 = x0.fma(b2, s02); s03 = x0.fma(b3, s03);
            FloatVector x1 = FloatVector.broadcast(S, ai[q + 1]);
            s10 = x1.fma(b0, s10); s11 = x1.fma(b1, s11); s12 = x1.fma(b2, s12); s13 = x1.fma(b3, s13);
            FloatVector x2 = FloatVector.broadcast(S, ai[q + 2]);
            s20 = x2.fma(b0, s20); s21 = x2.fma(b1, s21); s22 = x2.fma(b2, s22); s23 = x2.fma(b3, s23);
            FloatVector x3 = FloatVector.broadcast(S, ai[q + 3]);
            s30 = x3.fma(b0, s30); s31 = x3.fma(b1, s31); s32 = x3.fma(b2, s32); s33 = x3.fma(b3, s33);
        }
        s00.intoArray(c0, j); s01.intoArray(c0, j + l); s02.intoArray(c0, j + 2 * l); s03.intoArray(c0, j + 3 * l);
        s10.intoArray(c1, j); s11.intoArray(c1, j + l); s12.intoArray(c1, j + 2 * l); s13.intoArray(c1, j + 3 * l);
        s20.intoArray(c2, j); s21.intoArray(c2, j + l); s22.intoArray(c2, j + 2 * l); s23.intoArray(c2, j + 3 * l);
        s30.intoArray(c3, j); s31.intoArray(c3, j + l); s32.intoArray(c3, j + 2 * l); s33.intoArray(c3, j + 3 * l);
    }

    private static void tile4x3(float[] ai, int a0, int kc, float[] bm, int bo, int sw, int j,
                                float[] c0, float[] c1, float[] c2, float[] c3) {
        final int l = LANES;
        FloatVector s00 = FloatVector.fromArray(S, c0, j), s01 = FloatVector.fromArray(S, c0, j + l);
        FloatVector s02 = FloatVector.fromArray(S, c0, j + 2 * l), s10 = FloatVector.fromArray(S, c1, j);
        FloatVector s11 = FloatVector.fromArray(S, c1, j + l), s12 = FloatVector.fromArray(S, c1, j + 2 * l);
        FloatVector s20 = FloatVector.fromArray(S, c2, j), s21 = FloatVector.fromArray(S, c2, j + l);
        FloatVector s22 = FloatVector.fromArray(S, c2, j + 2 * l), s30 = FloatVector.fromArray(S, c3, j);
        FloatVector s31 = FloatVector.fromArray(S, c3, j + l), s32 = FloatVector.fromArray(S, c3, j + 2 * l);
        for (int p = 0, q = a0, o = bo; p < kc; p++, q += 4, o += sw) {
            FloatVector b0 = FloatVector.fromArray(S, bm, o), b1 = FloatVector.fromArray(S, bm, o + l);
            FloatVector b2 = FloatVector.fromArray(S, bm, o + 2 * l);
            FloatVector x0 = FloatVector.broadcast(S, ai[q]);
            s00 = x0.fma(b0, s00); s01 = x0.fma(b1, s01); s02 = x0.fma(b2, s02);
            FloatVector x1 = FloatVector.broadcast(S, ai[q + 1]);
            s10 = x1.fma(b0, s10); s11 = x1.fma(b1, s11); s12 = x1.fma(b2, s12);
            FloatVector x2 = FloatVector.broadcast(S, ai[q + 2]);
            s20 = x2.fma(b0, s20); s21 = x2.fma(b1, s21); s22 = x2.fma(b2, s22);
            FloatVector x3 = FloatVector.broadcast(S, ai[q + 3]);
            s30 = x3.fma(b0, s30); s31 = x3.fma(b1, s31); s32 = x3.fma(b2, s32);
        }
        s00.intoArray(c0, j); s01.intoArray(c0, j + l); s02.intoArray(c0, j + 2 * l);
        s10.intoArray(c1, j); s11.intoArray(c1, j + l); s12.intoArray(c1, j + 2 * l);
        s20.intoArray(c2, j); s21.intoArray(c2, j + l); s22.intoArray(c2, j + 2 * l);
        s30.intoArray(c3, j); s31.intoArray(c3, j + l); s32.intoArray(c3, j + 2 * l);
    }

    private static void tile4x2(float[] ai, int a0, int kc, float[] bm, int bo, int sw, int j,
                                float[] c0, float[] c1, float[] c2, float[] c3) {
        final int l = LANES;
        FloatVector s00 = FloatVector.fromArray(S, c0, j), s01 = FloatVector.fromArray(S, c0, j + l);
        FloatVector s10 = FloatVector.fromArray(S, c1, j), s11 = FloatVector.fromArray(S, c1, j + l);
        FloatVector s20 = FloatVector.fromArray(S, c2, j), s21 = FloatVector.fromArray(S, c2, j + l);
        FloatVector s30 = FloatVector.fromArray(S, c3, j), s31 = FloatVector.fromArray(S, c3, j + l);
        for (int p = 0, q = a0, o = bo; p < kc; p++, q += 4, o += sw) {
            FloatVector b0 = FloatVector.fromArray(S, bm, o), b1 = FloatVector.fromArray(S, bm, o + l);
            FloatVector x0 = FloatVector.broadcast(S, ai[q]);
            s00 = x0.fma(b0, s00); s01 = x0.fma(b1, s01);
            FloatVector x1 = FloatVector.broadcast(S, ai[q + 1]);
            s10 = x1.fma(b0, s10); s11 = x1.fma(b1, s11);
            FloatVector x2 = FloatVector.broadcast(S, ai[q + 2]);
            s20 = x2.fma(b0, s20); s21 = x2.fma(b1, s21);
            FloatVector x3 = FloatVector.broadcast(S, ai[q + 3]);
            s30 = x3.fma(b0, s30); s31 = x3.fma(b1, s31);
        }
        s00.intoArray(c0, j); s01.intoArray(c0, j + l);
        s10.intoArray(c1, j); s11.intoArray(c1, j + l);
        s20.intoArray(c2, j); s21.intoArray(c2, j + l);
        s30.intoArray(c3, j); s31.intoArray(c3, j + l);
    }

    private static void tile4x1(float[] ai, int a0, int kc, float[] bm, int bo, int sw, int j,
                                float[] c0, float[] c1, float[] c2, float[] c3) {
        final int l = LANES;
        FloatVector s00 = FloatVector.fromArray(S, c0, j), s10 = FloatVector.fromArray(S, c1, j);
        FloatVector s20 = FloatVector.fromArray(S, c2, j), s30 = FloatVector.fromArray(S, c3, j);
        for (int p = 0, q = a0, o = bo; p < kc; p++, q += 4, o += sw) {
            FloatVector b0 = FloatVector.fromArray(S, bm, o);
            FloatVector x0 = FloatVector.broadcast(S, ai[q]);
            s00 = x0.fma(b0, s00);
            FloatVector x1 = FloatVector.broadcast(S, ai[q + 1]);
            s10 = x1.fma(b0, s10);
            FloatVector x2 = FloatVector.broadcast(S, ai[q + 2]);
            s20 = x2.fma(b0, s20);
            FloatVector x3 = FloatVector.broadcast(S, ai[q + 3]);
            s30 = x3.fma(b0, s30);
        }
        s00.intoArray(c0, j);
        s10.intoArray(c1, j);
        s20.intoArray(c2, j);
        s30.intoArray(c3, j);
    }

    private static void tile1x4(float[] ai, int a0, int kc, float[] bm, int bo, int sw, int j, float[] c0) {
        final int l = LANES;
        FloatVector s0 = FloatVector.fromArray(S, c0, j), s1 = FloatVector.fromArray(S, c0, j + l);
        FloatVector s2 = FloatVector.fromArray(S, c0, j + 2 * l), s3 = FloatVector.fromArray(S, c0, j + 3 * l);
        for (int p = 0, o = bo; p < kc; p++, o += sw) {
            FloatVector x = FloatVector.broadcast(S, ai[a0 + p]);
            s0 = x.fma(FloatVector.fromArray(S, bm, o), s0);
            s1 = x.fma(FloatVector.fromArray(S, bm, o + l), s1);
            s2 = x.fma(FloatVector.fromArray(S, bm, o + 2 * l), s2);
            s3 = x.fma(FloatVector.fromArray(S, bm, o + 3 * l), s3);
        }
        s0.intoArray(c0, j); s1.intoArray(c0, j + l); s2.intoArray(c0, j + 2 * l); s3.intoArray(c0, j + 3 * l);
    }

    private static void tile1x3(float[] ai, int a0, int kc, float[] bm, int bo, int sw, int j, float[] c0) {
        final int l = LANES;
        FloatVector s0 = FloatVector.fromArray(S, c0, j), s1 = FloatVector.fromArray(S, c0, j + l);
        FloatVector s2 = FloatVector.fromArray(S, c0, j + 2 * l);
        for (int p = 0, o = bo; p < kc; p++, o += sw) {
            FloatVector x = FloatVector.broadcast(S, ai[a0 + p]);
            s0 = x.fma(FloatVector.fromArray(S, bm, o), s0);
            s1 = x.fma(FloatVector.fromArray(S, bm, o + l), s1);
            s2 = x.fma(FloatVector.fromArray(S, bm, o + 2 * l), s2);
        }
        s0.intoArray(c0, j); s1.intoArray(c0, j + l); s2.intoArray(c0, j + 2 * l);
    }

    private static void tile1x2(float[] ai, int a0, int kc, float[] bm, int bo, int sw, int j, float[] c0) {
        final int l = LANES;
        FloatVector s0 = FloatVector.fromArray(S, c0, j), s1 = FloatVector.fromArray(S, c0, j + l);
        for (int p = 0, o = bo; p < kc; p++, o += sw) {
            FloatVector x = FloatVector.broadcast(S, ai[a0 + p]);
            s0 = x.fma(FloatVector.fromArray(S, bm, o), s0);
            s1 = x.fma(FloatVector.fromArray(S, bm, o + l), s1);
        }
        s0.intoArray(c0, j); s1.intoArray(c0, j + l);
    }

    private static void tile1x1(float[] ai, int a0, int kc, float[] bm, int bo, int sw, int j, float[] c0) {
        final int l = LANES;
        FloatVector s0 = FloatVector.fromArray(S, c0, j);
        for (int p = 0, o = bo; p < kc; p++, o += sw) {
            FloatVector x = FloatVector.broadcast(S, ai[a0 + p]);
            s0 = x.fma(FloatVector.fromArray(S, bm, o), s0);
        }
        s0.intoArray(c0, j);
    }
}
