package dev.jprune.cpu;

/**
 * The scalar kernels, written in the one shape HotSpot C2 auto-vectorises (every array of an inner loop indexed by the
 * bare loop variable; see {@link Gemm}). {@link VectorKernels} holds their register-tiled Vector API twins, which give
 * the same bits.
 */
final class ScalarKernels {
    private ScalarKernels() {}

    /**
     * acc[r][j] = fma chain over pp in [0, kc) of ap[r*kc+pp] * bp[bRow0+pp][j], continuing from acc's values, for
     * r &lt; rows, j0 &le; j &lt; wc. Modifies acc. Written so each C2 inner loop indexes its arrays by the bare j.
     */
    static void gemm(float[] ap, int kc, float[][] bp, int bRow0, int j0, int wc, float[][] acc, int rows) {
        int r = 0;
        for (; r + 2 <= rows; r += 2) {
            float[] c0 = acc[r], c1 = acc[r + 1];
            int a0 = r * kc, a1 = a0 + kc;
            int pp = 0;
            for (; pp + 4 <= kc; pp += 4) {
                float x00 = ap[a0 + pp], x01 = ap[a0 + pp + 1], x02 = ap[a0 + pp + 2], x03 = ap[a0 + pp + 3];
                float x10 = ap[a1 + pp], x11 = ap[a1 + pp + 1], x12 = ap[a1 + pp + 2], x13 = ap[a1 + pp + 3];
                float[] b0 = bp[bRow0 + pp], b1 = bp[bRow0 + pp + 1], b2 = bp[bRow0 + pp + 2], b3 = bp[bRow0 + pp + 3];
                for (int j = j0; j < wc; j++) {
                    c0[j] = Math.fma(x03, b3[j],
                            Math.fma(x02, b2[j], Math.fma(x01, b1[j], Math.fma(x00, b0[j], c0[j]))));
                    c1[j] = Math.fma(x13, b3[j],
                            Math.fma(x12, b2[j], Math.fma(x11, b1[j], Math.fma(x10, b0[j], c1[j]))));
                }
            }
            for (; pp < kc; pp++) {
                float x0 = ap[a0 + pp], x1 = ap[a1 + pp];
                float[] b0 = bp[bRow0 + pp];
                for (int j = j0; j < wc; j++) {
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
                for (int j = j0; j < wc; j++) {
                    c0[j] = Math.fma(x03, b3[j],
                            Math.fma(x02, b2[j], Math.fma(x01, b1[j], Math.fma(x00, b0[j], c0[j]))));
                }
            }
            for (; pp < kc; pp++) {
                float x0 = ap[a0 + pp];
                float[] b0 = bp[bRow0 + pp];
                for (int j = j0; j < wc; j++) c0[j] = Math.fma(x0, b0[j], c0[j]);
            }
        }
    }
}
