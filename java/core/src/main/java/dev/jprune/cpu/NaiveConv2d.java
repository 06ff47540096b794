package dev.jprune.cpu;

import dev.jprune.tensor.Tensor;

/**
 * Reference 2-D convolution (cross-correlation, as PyTorch): direct nested loops accumulated in double, the truth
 * {@link dev.jprune.nn.Conv2d} (im2col + GEMM) is tested against. NCHW input [N,C,H,W], weight [F,C,K,K],
 * bias [F], output [N,F,OH,OW] with OH = (H + 2*pad - K)/stride + 1. No argument is modified; each method returns
 * a new tensor. No validation beyond what Tensor does: tests call it with consistent shapes.
 */
public final class NaiveConv2d {
    private NaiveConv2d() {}

    /** y[n,f,oy,ox] = b[f] + sum over c,ky,kx of w[f,c,ky,kx] * x[n,c,oy*s-p+ky,ox*s-p+kx] (zero outside). */
    public static Tensor forward(Tensor x, Tensor w, Tensor b, int stride, int pad) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), f = w.dim(0), k = w.dim(2);
        int oh = (h + 2 * pad - k) / stride + 1, ow = (wd + 2 * pad - k) / stride + 1;
        Tensor y = Tensor.zeros(n, f, oh, ow);
        for (int in = 0; in < n; in++) for (int fo = 0; fo < f; fo++) for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
            double s = b.data[fo];
            for (int ch = 0; ch < c; ch++) for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++) {
                int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                s += (double) w.data[((fo * c + ch) * k + ky) * k + kx] * x.data[((in * c + ch) * h + iy) * wd + ix];
            }
            y.data[((in * f + fo) * oh + oy) * ow + ox] = (float) s;
        }
        return y;
    }

    /** dL/dx [N,C,H,W] given dy [N,F,OH,OW]: gathers, for each input position, every output it contributed to. */
    public static Tensor gradInput(Tensor dy, Tensor w, int[] xShape, int stride, int pad) {
        int n = xShape[0], c = xShape[1], h = xShape[2], wd = xShape[3], f = w.dim(0), k = w.dim(2);
        int oh = dy.dim(2), ow = dy.dim(3);
        Tensor dx = Tensor.zeros(xShape);
        for (int in = 0; in < n; in++) for (int ch = 0; ch < c; ch++) for (int iy = 0; iy < h; iy++)
                for (int ix = 0; ix < wd; ix++) {
            double s = 0;
            for (int fo = 0; fo < f; fo++) for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++) {
                int ty = iy + pad - ky, tx = ix + pad - kx; // = oy*stride, ox*stride
                if (ty < 0 || tx < 0 || ty % stride != 0 || tx % stride != 0) continue;
                int oy = ty / stride, ox = tx / stride;
                if (oy >= oh || ox >= ow) continue;
                s += (double) w.data[((fo * c + ch) * k + ky) * k + kx] * dy.data[((in * f + fo) * oh + oy) * ow + ox];
            }
            dx.data[((in * c + ch) * h + iy) * wd + ix] = (float) s;
        }
        return dx;
    }

    /** dL/dw [F,C,K,K] given the input x and dy. */
    public static Tensor gradWeight(Tensor x, Tensor dy, int k, int stride, int pad) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), f = dy.dim(1), oh = dy.dim(2), ow = dy.dim(3);
        Tensor dw = Tensor.zeros(f, c, k, k);
        for (int fo = 0; fo < f; fo++) for (int ch = 0; ch < c; ch++) for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) {
            double s = 0;
            for (int in = 0; in < n; in++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                s += (double) dy.data[((in * f + fo) * oh + oy) * ow + ox] * x.data[((in * c + ch) * h + iy) * wd + ix];
            }
            dw.data[((fo * c + ch) * k + ky) * k + kx] = (float) s;
        }
        return dw;
    }

    /** dL/db [F]: dy summed over batch and space. */
    public static Tensor gradBias(Tensor dy) {
        int n = dy.dim(0), f = dy.dim(1), p = dy.dim(2) * dy.dim(3);
        Tensor db = Tensor.zeros(f);
        for (int fo = 0; fo < f; fo++) {
            double s = 0;
            for (int in = 0; in < n; in++) for (int q = 0; q < p; q++) s += dy.data[(in * f + fo) * p + q];
            db.data[fo] = (float) s;
        }
        return db;
    }
}
