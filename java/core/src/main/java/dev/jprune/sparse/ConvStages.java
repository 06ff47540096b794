package dev.jprune.sparse;

import dev.jprune.cpu.DirectConv;
import dev.jprune.cpu.Epilogue;
import dev.jprune.cpu.Gemm;
import dev.jprune.cpu.Im2col;
import dev.jprune.cpu.MaxPool2x2;
import dev.jprune.cpu.PackedB;
import dev.jprune.cpu.SparseKernels;
import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Layer;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.util.Parallel;
import java.util.Arrays;

/** The convolutional stages of {@link SparseModel}: convolution over packed im2col columns and a dense max pool. */
final class ConvStages {
    private ConvStages() {}

    static boolean isConv(Layer l) { return l instanceof Conv2d; }

    /** The stage for a Conv2d or MaxPool2d layer, or null when {@code l} is neither. */
    static SparseModel.Stage stageOf(Layer l, String name, boolean reluNext, KernelChoice.Mode mode) {
        if (l instanceof Conv2d) {
            Conv2d conv = (Conv2d) l;
            LayerGeometry.Geometry g = LayerGeometry.of(conv);
            int[] ws = conv.weight().value.shape(); // [F, C, K, K] viewed as [F, C·K·K]
            Csr w = Csr.fromDense(conv.weight().value.data, ws[0], ws[1] * ws[2] * ws[3]);
            float[] b = conv.bias() == null ? new float[ws[0]] : conv.bias().value.data.clone(); // no bias: zeros
            return new SparseConvStage(name, w, b, ws[1], ws[2], ws[3], g.stride(), g.pad(), reluNext, mode);
        }
        if (l instanceof MaxPool2d) {
            LayerGeometry.Geometry g = LayerGeometry.of((MaxPool2d) l);
            return new MaxPoolStage(name, g.k(), g.stride());
        }
        return null;
    }

    /**
     * Below this many multiply-adds (junk positions included) {@link DirectConv} runs on the calling thread, the
     * bound of D58: cifar-cnn-b's second convolution at batch 1 (1.3 Mi) took 190 µs forked against 138 on one thread.
     */
    static final long DIRECT_PARALLEL_MACS = 1L << 22;

    /** Caps the im2col columns of one chunk of samples (floats), so large batches do not need O(N·K·P) memory. */
    static final int CHUNK_FLOATS = 1 << 22;

    static int outSize(int in, int k, int stride, int pad) {
        return (in + 2 * pad - k) / stride + 1;
    }

    /** Per-thread output rows [F][chunk width] of the sparse path (one chunk of columns at a time). */
    private static final ThreadLocal<float[][][]> CHUNK_ROWS =
            ThreadLocal.withInitial(() -> new float[][][] {new float[0][]});

    private static float[][] chunkRows(int rows, int width) {
        float[][][] holder = CHUNK_ROWS.get();
        float[][] r = holder[0];
        if (r.length < rows || (r.length > 0 && r[0].length < width)) {
            r = new float[Math.max(rows, r.length)][Math.max(width, r.length > 0 ? r[0].length : 0)];
            holder[0] = r;
        }
        return r;
    }

    /**
     * Convolution with a CSR weight [F, C·kh·kw] (row f is filter f flattened as (c, ki, kj), PyTorch's layout) and,
     * where the cost model picks dense, the same weight dense: per chunk of images, im2col straight into packed
     * columns [C·kh·kw, nb·OH·OW], then the sparse kernel per column chunk or one dense GEMM; bias and a following
     * ReLU are applied while the result is scattered to NCHW. Both kernels give the same bits (finite inputs).
     * <p>With the Vector API, a stride-1 convolution that is not forced dense skips im2col: {@link DirectConv} reads
     * each zero-padded image in place (same bits again). Measured faster than both im2col kernels at 27-84% density
     * and batches 1-64 (LeNet-5, cifar-cnn-b; docs/DECISIONS.md D64), so the cost model's dense choice yields to it.
     */
    static final class SparseConvStage implements SparseModel.WeightStage {
        final String name;
        final Csr w;         // [F, C·kh·kw]
        final float[] b;     // [F]
        final float[] dense; // [F, C·kh·kw], null when never used
        final int c, kh, kw, stride, pad, denseFrom;
        final boolean relu;
        /** Whether {@link DirectConv} runs (stride 1, Vector API, not forced dense) instead of im2col. */
        final boolean direct;
        private final int[] parts; // nonzero-balanced filter ranges for the threads; null unless direct
        /** {@link DirectConv#offsets} for the last input size seen; immutable, replaced when the size changes. */
        private volatile Offsets offsets;

        private record Offsets(int h, int w, int[] off) {}

        SparseConvStage(String name, Csr w, float[] b, int c, int kh, int kw, int stride, int pad, boolean relu,
                        KernelChoice.Mode mode) {
            if (w.cols != c * kh * kw) throw new IllegalArgumentException("SparseConv " + name + ": weight has "
                    + w.cols + " columns, not C·kh·kw = " + c * kh * kw);
            if (b.length != w.rows) throw new IllegalArgumentException("SparseConv " + name + ": bias has " + b.length
                    + " entries for " + w.rows + " filters");
            this.name = name; this.w = w; this.b = b; this.c = c; this.kh = kh; this.kw = kw;
            this.stride = stride; this.pad = pad;
            this.relu = relu;
            this.direct = stride == 1 && DirectConv.FAST && mode != KernelChoice.Mode.DENSE;
            this.denseFrom = !direct && KernelChoice.convRunsDense(mode, w.density(), w.colIdx16 != null)
                    ? 1 : Integer.MAX_VALUE;
            this.dense = denseFrom == Integer.MAX_VALUE ? null : w.toDense();
            this.parts = direct ? w.balancedRowParts(4 * Parallel.threads()) : null;
        }

        @Override
        public int[] outputShape(int[] s) {
            if (s.length != 4 || s[1] != c || s[2] + 2 * pad < kh || s[3] + 2 * pad < kw) {
                throw new IllegalArgumentException(describe() + ": expected input [N, " + c + ", H, W] with H, W ≥ "
                        + kh + "−2·" + pad + " but got " + Arrays.toString(s));
            }
            return new int[] {s[0], w.rows, outSize(s[2], kh, stride, pad), outSize(s[3], kw, stride, pad)};
        }

        // x [N, C, H, W] -> y [N, F, OH, OW]
        @Override
        public Act run(Act in, int[] inDims, Workspace ws) {
            Act x = ws.asFlat(in);
            int n = x.n, h = inDims[1], wd = inDims[2];
            int oh = outSize(h, kh, stride, pad), ow = outSize(wd, kw, stride, pad);
            int p = oh * ow, k = w.cols, f = w.rows, chw = c * h * wd, o = in.outBuf();
            float[] y = ws.flat(o, (long) n * f * p);
            if (direct) {
                runDirect(x, h, wd, oh, ow, y, ws);
                return ws.acts[o].setFlat(n, f * p, y, 0, o);
            }
            int nb = (int) Math.max(1, Math.min(n, CHUNK_FLOATS / Math.max(1L, (long) k * p)));
            boolean useDense = n >= denseFrom && dense != null;
            for (int i0 = 0; i0 < n; i0 += nb) {
                int cnt = Math.min(nb, n - i0), q = cnt * p, first = i0;
                PackedB cols = ws.cols(k, q, useDense);
                float[] xd = x.flat;
                int xo = x.off;
                if (!ws.fork((long) k * q, 1 << 20)) {
                    im2colRange(xd, xo, first, 0, cnt, chw, h, wd, oh, ow, cols);
                } else {
                    ws.forRange(cnt, 1, (a, e) -> im2colRange(xd, xo, first, a, e, chw, h, wd, oh, ow, cols));
                }
                if (useDense) {
                    float[] yc = ws.convOut((long) f * q);
                    if (ws.teamSplit((long) f * q * k, LinearStage.TEAM_MACS)) {
                        int vectors = (q + Gemm.PAD - 1) / Gemm.PAD; // a team splits the columns, whole vectors each
                        ws.forRange(vectors, 1, (a, e) -> Gemm.gemmColumns(false, f, 1f, dense, 0, k, cols, 0f, yc, 0,
                                q, Math.min(q, a * Gemm.PAD), Math.min(q, e * Gemm.PAD)));
                    } else {
                        Gemm.gemm(false, f, 1f, dense, 0, k, cols, 0f, yc, 0, q, ws.mayFork);
                    }
                    scatter(yc, q, 0, q, y, first, p, true);
                } else if (!ws.fork((long) w.nnz() * q, Spmm.PARALLEL_MACS)) {
                    sparseChunks(cols, 0, cols.chunks(), y, first, p);
                } else {
                    ws.forRange(cols.chunks(), 1, (a, e) -> sparseChunks(cols, a, e, y, first, p));
                }
            }
            return ws.acts[o].setFlat(n, f * p, y, 0, o);
        }

        /** x [N, C, H, W] -> y [N, F, OH, OW] through {@link DirectConv}, a chunk of padded images at a time. */
        private void runDirect(Act x, int h, int wd, int oh, int ow, float[] y, Workspace ws) {
            int hp = h + 2 * pad, wp = wd + 2 * pad, f = w.rows, n = x.n, chw = c * h * wd, fp = f * oh * ow;
            Offsets o = offsets;
            if (o == null || o.h != h || o.w != wd) {
                offsets = o = new Offsets(h, wd, DirectConv.offsets(w.colIdx, w.nnz(), kh, kw, hp, wp));
            }
            int[] off = o.off;
            int per = Math.toIntExact(DirectConv.paddedLength(c, hp, wp, kw));
            int nb = Math.max(1, Math.min(n, CHUNK_FLOATS / per));
            for (int i0 = 0; i0 < n; i0 += nb) {
                int cnt = Math.min(nb, n - i0), first = i0;
                float[] xp = ws.padded((long) cnt * per);
                for (int s = 0; s < cnt; s++) {
                    DirectConv.pad(x.flat, x.off + (first + s) * chw, c, h, wd, pad, kw, xp, s * per);
                }
                Parallel.RangeBody images = (a, e) -> {
                    for (int s = a; s < e; s++) {
                        DirectConv.conv(w.rowPtr, off, w.values, xp, s * per, wp, oh, ow, b, relu, y,
                                (first + s) * fp, 0, f);
                    }
                };
                if (!ws.fork((long) w.nnz() * oh * wp * cnt, DIRECT_PARALLEL_MACS)) {
                    images.run(0, cnt);
                } else if (cnt >= 2 * ws.forkThreads()) {
                    ws.forRange(cnt, 1, images);
                } else { // few images: their filters split over the threads
                    for (int s = 0; s < cnt; s++) {
                        int xo = s * per, yo = (first + s) * fp;
                        ws.forRange(parts.length - 1, 1, (a, e) -> DirectConv.conv(w.rowPtr, off, w.values, xp,
                                xo, wp, oh, ow, b, relu, y, yo, parts[a], parts[e]));
                    }
                }
            }
        }

        private void im2colRange(float[] x, int xOff, int first, int from, int to, int chw, int h, int wd, int oh,
                                 int ow, PackedB cols) {
            int p = oh * ow;
            for (int s = from; s < to; s++) {
                Im2col.im2colPacked(x, xOff + (first + s) * chw, c, h, wd, kh, kw, stride, pad, oh, ow, cols, s * p);
            }
        }

        /** Column chunks [from, to) of the packed columns through the sparse kernel, scattered into y. */
        private void sparseChunks(PackedB cols, int from, int to, float[] y, int first, int p) {
            float[][] rows = chunkRows(w.rows, Gemm.padded(cols.chunkWidth(0)));
            for (int ch = from; ch < to; ch++) {
                SparseKernels.csrPacked(w.rowPtr, w.colIdx16, w.values, cols, ch, b, relu, rows, 0, w.rows);
                int c0 = cols.chunkStart(ch), wc = cols.chunkWidth(ch);
                for (int ff = 0; ff < w.rows; ff++) scatterRow(rows[ff], 0, c0, wc, y, first, p, ff, false);
            }
        }

        /** yc [F, q] columns [c0, c0 + wc) -> y[first + s, f, pos] (+ bias, ReLU when {@code finish}). */
        private void scatter(float[] yc, int q, int c0, int wc, float[] y, int first, int p, boolean finish) {
            for (int ff = 0; ff < w.rows; ff++) scatterRow(yc, ff * q, c0, wc, y, first, p, ff, finish);
        }

        private void scatterRow(float[] src, int srcOff, int c0, int wc, float[] y, int first, int p, int ff,
                                boolean finish) {
            int f = w.rows;
            float bf = b[ff];
            for (int t = 0; t < wc; ) {
                int col = c0 + t, s = col / p, pos = col - s * p, len = Math.min(wc - t, p - pos);
                int dst = ((first + s) * f + ff) * p + pos, from = srcOff + t;
                if (finish) {
                    Epilogue.biasRelu(src, from, y, dst, len, bf, relu);
                } else {
                    System.arraycopy(src, from, y, dst, len);
                }
                t += len;
            }
        }

        @Override
        public String describe() {
            return name + ": SparseConv2d(" + c + " -> " + w.rows + ", " + kh + "x" + kw + ", stride " + stride
                    + ", pad " + pad + ", nnz " + w.nnz() + (relu ? ", ReLU fused" : "") + ", "
                    + (direct ? "direct sparse kernel, no im2col" : KernelChoice.describe(denseFrom)) + ")";
        }
        @Override public String name() { return name; }
        @Override public Csr weight() { return w; }
        @Override public float[] bias() { return b; }
        @Override public long positions(int[] inputShape) {
            int[] o = outputShape(inputShape); return (long) o[2] * o[3];
        }
        @Override public int[] denseWeightShape() { return new int[] {w.rows, c, kh, kw}; }
        @Override public int denseFromBatch() { return denseFrom; }
    }

    /** Dense max pool, window k×k, given stride, no padding, floor output size (PyTorch's defaults). */
    static final class MaxPoolStage implements SparseModel.Stage {
        final String name;
        final int k, stride;

        /** {@link MaxPool2x2#corners} for the last input size seen; immutable, replaced when the size changes. */
        private volatile Corners corners;

        private record Corners(int h, int w, int[] corner) {}

        MaxPoolStage(String name, int k, int stride) { this.name = name; this.k = k; this.stride = stride; }

        @Override
        public int[] outputShape(int[] s) {
            if (s.length != 4 || s[2] < k || s[3] < k) {
                throw new IllegalArgumentException(describe() + ": expected input [N, C, H, W] with H, W ≥ " + k
                        + " but got " + Arrays.toString(s));
            }
            return new int[] {s[0], s[1], (s[2] - k) / stride + 1, (s[3] - k) / stride + 1};
        }

        // x [N, C, H, W] -> y [N, C, OH, OW]
        @Override
        public Act run(Act in, int[] inDims, Workspace ws) {
            Act x = ws.asFlat(in);
            int h = inDims[1], wd = inDims[2], oh = (h - k) / stride + 1, ow = (wd - k) / stride + 1;
            int planes = x.n * inDims[0], o = in.outBuf();
            float[] y = ws.flat(o, (long) planes * oh * ow), xd = x.flat;
            int xo = x.off;
            int[] corner = k == 2 && stride == 2 ? corners(h, wd) : null;
            if (!ws.fork((long) planes * h * wd, 1 << 20)) {
                pool(xd, xo, y, 0, planes, h, wd, oh, ow, corner);
            } else {
                int grain = Math.max(1, 4096 / Math.max(1, h * wd));
                ws.forRange(planes, grain, (a, e) -> pool(xd, xo, y, a, e, h, wd, oh, ow, corner));
            }
            return ws.acts[o].setFlat(x.n, inDims[0] * oh * ow, y, 0, o);
        }

        /** {@link MaxPool2x2#corners}(h, w), cached for the last input size. */
        private int[] corners(int h, int wd) {
            Corners c = corners;
            if (c == null || c.h != h || c.w != wd) corners = c = new Corners(h, wd, MaxPool2x2.corners(h, wd));
            return c.corner;
        }

        /** Planes [from, to); corner is non-null exactly for 2x2 windows at stride 2. */
        private void pool(float[] xd, int xOff, float[] yd, int from, int to, int h, int wd, int oh, int ow,
                          int[] corner) {
            if (corner != null) {
                MaxPool2x2.pool(xd, xOff, h, wd, corner, yd, 0, from, to);
                return;
            }
            for (int pl = from; pl < to; pl++) {
                int xo = xOff + pl * h * wd, yo = pl * oh * ow;
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
        }

        @Override public String describe() { return name + ": MaxPool2d(" + k + ", stride " + stride + ") dense"; }
    }
}
