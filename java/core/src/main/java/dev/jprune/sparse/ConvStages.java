package dev.jprune.sparse;

import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Layer;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Parallel;
import java.util.Arrays;

/** The convolutional stages of {@link SparseModel}: CSR convolution over im2col columns and a dense max pool. */
final class ConvStages {
    private ConvStages() {}

    /** The stage for a Conv2d or MaxPool2d layer, or null when {@code l} is neither. */
    static SparseModel.Stage stageOf(Layer l, String name) {
        if (l instanceof Conv2d) {
            Conv2d conv = (Conv2d) l;
            LayerGeometry.Geometry g = LayerGeometry.of(conv);
            int[] ws = conv.weight().value.shape(); // [F, C, K, K] viewed as [F, C·K·K]
            Csr w = Csr.fromDense(conv.weight().value.data, ws[0], ws[1] * ws[2] * ws[3]);
            float[] bias = conv.bias() == null ? new float[ws[0]] : conv.bias().value.data.clone(); // no bias: zeros
            return new SparseConvStage(name, w, bias, ws[1], ws[2], ws[3], g.stride(), g.pad());
        }
        if (l instanceof MaxPool2d) {
            LayerGeometry.Geometry g = LayerGeometry.of((MaxPool2d) l);
            return new MaxPoolStage(name, g.k(), g.stride());
        }
        return null;
    }

    /** Caps the im2col buffer of one chunk of samples (floats), so large batches do not need O(N·K·P) memory. */
    static final int CHUNK_FLOATS = 1 << 22;

    static int outSize(int in, int k, int stride, int pad) {
        return (in + 2 * pad - k) / stride + 1;
    }

    /**
     * Convolution with a CSR weight [F, C·kh·kw] (row f is filter f flattened as (c, ki, kj), PyTorch's layout):
     * for each chunk of samples, im2col to cols [C·kh·kw, nb·OH·OW], then {@link Spmm#csrTimesDense} (+ bias).
     */
    static final class SparseConvStage implements SparseModel.WeightStage {
        final String name;
        final Csr w;         // [F, C·kh·kw]
        final float[] b;     // [F]
        final int c, kh, kw, stride, pad;

        SparseConvStage(String name, Csr w, float[] b, int c, int kh, int kw, int stride, int pad) {
            if (w.cols != c * kh * kw) throw new IllegalArgumentException("SparseConv " + name + ": weight has " + w.cols + " columns, not C·kh·kw = " + c * kh * kw);
            if (b.length != w.rows) throw new IllegalArgumentException("SparseConv " + name + ": bias has " + b.length + " entries for " + w.rows + " filters");
            this.name = name; this.w = w; this.b = b; this.c = c; this.kh = kh; this.kw = kw; this.stride = stride; this.pad = pad;
        }

        @Override
        public int[] outputShape(int[] s) {
            if (s.length != 4 || s[1] != c || s[2] + 2 * pad < kh || s[3] + 2 * pad < kw) {
                throw new IllegalArgumentException(describe() + ": expected input [N, " + c + ", H, W] with H, W ≥ " + kh + "−2·" + pad
                        + " but got " + Arrays.toString(s));
            }
            return new int[] {s[0], w.rows, outSize(s[2], kh, stride, pad), outSize(s[3], kw, stride, pad)};
        }

        // x [N, C, H, W] -> y [N, F, OH, OW]
        @Override
        public Tensor forward(Tensor x) {
            int[] os = outputShape(x.shape());
            int n = os[0], f = os[1], oh = os[2], ow = os[3], h = x.dim(2), wd = x.dim(3);
            int p = oh * ow, k = w.cols;
            Tensor y = Tensor.zeros(os);
            if (n == 0 || p == 0) return y;
            int nb = (int) Math.max(1, Math.min(n, CHUNK_FLOATS / Math.max(1L, (long) k * p)));
            float[] cols = new float[Math.multiplyExact(k, nb * p)];
            float[] out = new float[Math.multiplyExact(f, nb * p)];
            for (int n0 = 0; n0 < n; n0 += nb) {
                int cnt = Math.min(nb, n - n0), q = cnt * p;
                im2col(x.data, n0, cnt, h, wd, oh, ow, cols, q);
                Spmm.csrTimesDense(w, cols, q, b, out);
                // out [F, cnt·P] -> y[n0 + s, f, P]
                for (int s = 0; s < cnt; s++) {
                    for (int fi = 0; fi < f; fi++) System.arraycopy(out, fi * q + s * p, y.data, ((n0 + s) * f + fi) * p, p);
                }
            }
            return y;
        }

        // cols [C·kh·kw, q] with column s·P + oy·OW + ox; zeros where the window hangs over the padding.
        private void im2col(float[] x, int n0, int cnt, int h, int wd, int oh, int ow, float[] cols, int q) {
            int p = oh * ow, rows = c * kh * kw;
            Parallel.forRange(rows, Math.max(1, (1 << 14) / Math.max(1, q)), (from, to) -> {
                for (int r = from; r < to; r++) {
                    int ch = r / (kh * kw), ki = (r / kw) % kh, kj = r % kw;
                    int base = r * q;
                    for (int s = 0; s < cnt; s++) {
                        int xo = ((n0 + s) * c + ch) * h * wd;
                        for (int oy = 0; oy < oh; oy++) {
                            int iy = oy * stride + ki - pad;
                            int co = base + s * p + oy * ow;
                            if (iy < 0 || iy >= h) { Arrays.fill(cols, co, co + ow, 0f); continue; }
                            int xr = xo + iy * wd;
                            for (int ox = 0; ox < ow; ox++) {
                                int ix = ox * stride + kj - pad;
                                cols[co + ox] = ix < 0 || ix >= wd ? 0f : x[xr + ix];
                            }
                        }
                    }
                }
            });
        }

        @Override
        public String describe() {
            return name + ": SparseConv2d(" + c + " -> " + w.rows + ", " + kh + "x" + kw + ", stride " + stride + ", pad " + pad + ", nnz " + w.nnz() + ")";
        }
        @Override public String name() { return name; }
        @Override public Csr weight() { return w; }
        @Override public float[] bias() { return b; }
        @Override public long positions(int[] inputShape) { int[] o = outputShape(inputShape); return (long) o[2] * o[3]; }
        @Override public int[] denseWeightShape() { return new int[] {w.rows, c, kh, kw}; }
    }

    /** Dense max pool, window k×k, given stride, no padding, floor output size (PyTorch's defaults). */
    static final class MaxPoolStage implements SparseModel.Stage {
        final String name;
        final int k, stride;

        MaxPoolStage(String name, int k, int stride) { this.name = name; this.k = k; this.stride = stride; }

        @Override
        public int[] outputShape(int[] s) {
            if (s.length != 4 || s[2] < k || s[3] < k) {
                throw new IllegalArgumentException(describe() + ": expected input [N, C, H, W] with H, W ≥ " + k + " but got " + Arrays.toString(s));
            }
            return new int[] {s[0], s[1], (s[2] - k) / stride + 1, (s[3] - k) / stride + 1};
        }

        // x [N, C, H, W] -> y [N, C, OH, OW]
        @Override
        public Tensor forward(Tensor x) {
            int[] os = outputShape(x.shape());
            int planes = os[0] * os[1], oh = os[2], ow = os[3], h = x.dim(2), wd = x.dim(3);
            Tensor y = Tensor.zeros(os);
            float[] xd = x.data, yd = y.data;
            Parallel.forRange(planes, Math.max(1, 4096 / Math.max(1, h * wd)), (from, to) -> {
                for (int pl = from; pl < to; pl++) {
                    int xo = pl * h * wd, yo = pl * oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        for (int ox = 0; ox < ow; ox++) {
                            float m = xd[xo + oy * stride * wd + ox * stride];
                            for (int i = 0; i < k; i++) {
                                int r = xo + (oy * stride + i) * wd + ox * stride;
                                for (int j = 0; j < k; j++) {
                                    float v = xd[r + j];
                                    if (v > m || (v != v && m == m)) m = v; // NaN wins, as in nn.MaxPool2d / PyTorch
                                }
                            }
                            yd[yo + oy * ow + ox] = m;
                        }
                    }
                }
            });
            return y;
        }

        @Override public String describe() { return name + ": MaxPool2d(" + k + ", stride " + stride + ") dense"; }
    }
}
