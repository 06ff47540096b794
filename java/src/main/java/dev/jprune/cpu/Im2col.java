package dev.jprune.cpu;

/**
 * im2col / col2im for one NCHW image, the layout change that turns a convolution into a GEMM.
 * <p>col is [C*KH*KW, OH*OW] row-major: row (c*KH + ky)*KW + kx, column oy*OW + ox holds
 * x[c, oy*stride - pad + ky, ox*stride - pad + kx], or 0 where that position falls in the zero padding.
 * That row order matches a weight stored [F, C, KH, KW] viewed as [F, C*KH*KW].
 */
public final class Im2col {
    private Im2col() {}

    /** Output size of one spatial dimension: (in + 2*pad - kernel) / stride + 1 (floor), as PyTorch. */
    public static int outSize(int in, int kernel, int stride, int pad) {
        return (in + 2 * pad - kernel) / stride + 1;
    }

    /**
     * Fills col [C*KH*KW, OH*OW] from the image x[xOff .. xOff + C*H*W) (shape [C, H, W]). Modifies only col
     * (its first C*KH*KW*OH*OW floats). No validation: the caller (Conv2d) has checked the shapes.
     */
    public static void im2col(float[] x, int xOff, int c, int h, int w, int kh, int kw, int stride, int pad,
                              int oh, int ow, float[] col) {
        int p = oh * ow;
        for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int row = ((ch * kh + ky) * kw + kx) * p;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * stride - pad + ky;
                        int dst = row + oy * ow;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        int src = xOff + (ch * h + iy) * w;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * stride - pad + kx;
                            col[dst + ox] = (ix >= 0 && ix < w) ? x[src + ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2col}: ADDS every col entry into the image position it was copied from
     * (padding entries are dropped). Modifies only dx[dxOff .. dxOff + C*H*W). Fixed loop order: deterministic.
     */
    public static void col2im(float[] col, int c, int h, int w, int kh, int kw, int stride, int pad,
                              int oh, int ow, float[] dx, int dxOff) {
        int p = oh * ow;
        for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int row = ((ch * kh + ky) * kw + kx) * p;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * stride - pad + ky;
                        if (iy < 0 || iy >= h) continue;
                        int src = row + oy * ow, dst = dxOff + (ch * h + iy) * w;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * stride - pad + kx;
                            if (ix >= 0 && ix < w) dx[dst + ix] += col[src + ox];
                        }
                    }
                }
            }
        }
    }
}
