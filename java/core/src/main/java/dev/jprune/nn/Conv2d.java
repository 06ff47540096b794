package dev.jprune.nn;

import dev.jprune.cpu.Epilogue;
import dev.jprune.cpu.Gemm;
import dev.jprune.cpu.Im2col;
import dev.jprune.cpu.PackedB;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Parallel;
import dev.jprune.util.Rng;
import java.util.Arrays;
import java.util.List;

/**
 * 2-D convolution (cross-correlation, as PyTorch's nn.Conv2d) with square kernel, stride and zero padding.
 * Input NCHW [N, C, H, W] → output [N, F, OH, OW], OH = (H + 2*padding - kernelSize)/stride + 1.
 * Parameters: "weight" [F, C, K, K], "bias" [F] (none for a layer without bias, {@code nn.Conv2d(..., bias=False)}).
 * <p>Batched im2col: the batch is cut into chunks of B images (B fixed by the shapes alone, see {@code chunkImages},
 * so col [CKK, B*P] stays within {@code MAX_COL_FLOATS} = 1 MiB, about an L2 cache: the GEMM then reads col from
 * cache right after im2col wrote it; P = OH*OW, CKK = C*K*K). Per chunk, ONE GEMM each: forward Yc [F, B*P] =
 * W [F, CKK] · col (im2col writes col straight into the GEMM's packed layout), scattered to NCHW plus bias; backward
 * dYc [F, B*P] gathered from dy, dW += dYc · col^T, dcol = W^T · dYc, dx = col2im(dcol) per image. One GEMM per
 * chunk instead of one per image is what makes this fast: the per-image GEMMs (e.g. lenet-5 conv2: 50 x 64 x 500)
 * are too small for the blocked kernel.
 * <p>Deterministic: im2col, col2im, scatter and gather run per image in parallel, each image written by one task;
 * the GEMMs are thread-count independent ({@link Gemm}); dW is summed in a fixed order (within a chunk by the GEMM's
 * fma chain over the chunk's B*P columns, image after image; chunk results added chunk after chunk, first to last),
 * db in double in image order. Reference twin: {@link dev.jprune.cpu.NaiveConv2d}.
 * <p>Scratch buffers (col, the chunk's output/gradient rows) belong to the layer and are reused across calls (grown on
 * demand): a layer instance must not be used from two threads at once.
 * <p>forward keeps a reference to its input for backward: the caller must not modify it in between.
 */
public final class Conv2d implements Layer {
    /**
     * Upper bound on the floats of one batched col buffer (1 MiB, ~ an L2 cache). Measured (lenet-5 conv2, batch 128,
     * one thread): the 50 x 8192 x 500 forward GEMM over a col that no cache holds ran at 34 GFLOP/s, 16 chunks of
     * 50 x 512 x 500 at twice that.
     */
    static final long MAX_COL_FLOATS = 1L << 18;

    private final int inChannels, outChannels, kernelSize, stride, padding;
    private final Parameter weight, bias; // bias null: no bias
    private Tensor input; // [N, C, H, W] of the last forward, null before the first
    /** The col bound this layer uses; package-private and mutable only so tests can force several chunks. */
    long maxColFloats = MAX_COL_FLOATS;
    // Layer-owned scratch, grown on demand (never shrunk): col / dcol [CKK, B*P] and yc / dyc [F, B*P].
    private float[] colBuf = new float[0], outBuf = new float[0], dwtBuf = new float[0];
    // Packed im2col columns of the forward: the full chunk's and the last, shorter chunk's shape.
    private PackedB packedCol, packedTail;

    /**
     * A layer with bias: weight and bias drawn from U(-1/sqrt(fanIn), 1/sqrt(fanIn)), fanIn = C*K*K: PyTorch's default
     * (kaiming_uniform with a = sqrt(5) gives bound = sqrt(6 / ((1 + 5) * fanIn)) = 1/sqrt(fanIn)), weight first.
     */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, Rng rng) {
        this(inChannels, outChannels, kernelSize, stride, padding, true, rng);
    }

    /**
     * A layer with or without bias, initialised as {@link #Conv2d(int, int, int, int, int, Rng)} (the bias, when
     * there is one, drawn after the weight).
     *
     * @throws IllegalArgumentException when a size is below 1 or the padding below 0
     */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, boolean bias, Rng rng) {
        if (inChannels < 1 || outChannels < 1 || kernelSize < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("Conv2d: invalid configuration in=" + inChannels + " out=" + outChannels
                    + " k=" + kernelSize + " s=" + stride + " p=" + padding
                    + " (channels, kernel and stride must be >= 1, padding >= 0)");
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        Tensor w = Tensor.zeros(outChannels, inChannels, kernelSize, kernelSize);
        float bound = (float) (1.0 / Math.sqrt((double) inChannels * kernelSize * kernelSize));
        rng.fillUniform(w.data, -bound, bound);
        this.weight = new Parameter("weight", Parameter.Kind.WEIGHT, w);
        if (bias) {
            Tensor b = Tensor.zeros(outChannels);
            rng.fillUniform(b.data, -bound, bound);
            this.bias = new Parameter("bias", Parameter.Kind.BIAS, b);
        } else {
            this.bias = null;
        }
    }

    /** Weight [outChannels, inChannels, kernelSize, kernelSize]. */
    public Parameter weight() { return weight; }
    /** Input channels. */
    public int inChannels() { return inChannels; }
    /** Output channels (filters). */
    public int outChannels() { return outChannels; }
    /** Kernel side (square kernels). */
    public int kernelSize() { return kernelSize; }
    /** Step of the kernel. */
    public int stride() { return stride; }
    /** Zero padding on every side. */
    public int padding() { return padding; }
    /** Bias [outChannels], or {@code null} for a layer without bias. */
    public Parameter bias() { return bias; }
    /** Whether the layer adds a bias. */
    public boolean hasBias() { return bias != null; }

    @Override
    public List<Parameter> parameters() { return bias == null ? List.of(weight) : List.of(weight, bias); }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (inputShape.length != 4 || inputShape[1] != inChannels) {
            throw new IllegalArgumentException("Conv2d: expected input shape [N, " + inChannels + ", H, W] but got "
                    + Arrays.toString(inputShape));
        }
        if (inputShape[2] + 2 * padding < kernelSize || inputShape[3] + 2 * padding < kernelSize) {
            throw new IllegalArgumentException("Conv2d: input " + Arrays.toString(inputShape) + " with padding "
                    + padding + " is smaller than the kernel " + kernelSize + "x" + kernelSize);
        }
        int oh = Im2col.outSize(inputShape[2], kernelSize, stride, padding);
        int ow = Im2col.outSize(inputShape[3], kernelSize, stride, padding);
        return new int[] {inputShape[0], outChannels, oh, ow};
    }

    /**
     * Images per chunk for a batch of n images with col floats per image {@code perImage}: the batch is split into the
     * fewest chunks whose col fits {@code maxCol} floats (at least one image per chunk), of equal size except the
     * last. Depends only on the shapes, never on the thread count: the dW summation order is fixed by it.
     */
    static int chunkImages(int n, long perImage, long maxCol) {
        if (n <= 1) return Math.max(n, 1);
        long maxImages = Math.max(1, maxCol / Math.max(1, perImage));
        int chunks = (int) ((n + maxImages - 1) / maxImages);
        return (n + chunks - 1) / chunks;
    }

    private float[] colScratch(long floats) {
        if (colBuf.length < floats) colBuf = new float[(int) floats];
        return colBuf;
    }

    /** Packed col [ckk, cols] for the forward GEMM, kept for the next call of the same shape. */
    private PackedB packedScratch(int ckk, int cols, boolean tail) {
        PackedB pb = tail ? packedTail : packedCol;
        if (pb == null || pb.k() != ckk || pb.n() != cols) {
            pb = PackedB.allocateForGemm(ckk, cols); // read by Gemm alone: its fastest layout
            if (tail) packedTail = pb; else packedCol = pb;
        }
        return pb;
    }

    private float[] dwtScratch(int floats) {
        if (dwtBuf.length < floats) dwtBuf = new float[floats];
        return dwtBuf;
    }

    private float[] outScratch(long floats) {
        if (outBuf.length < floats) outBuf = new float[(int) floats];
        return outBuf;
    }

    /** Batched im2col of images [i0, i0 + nb) of x into col [CKK, nb*P]; images in parallel. Modifies col. */
    private void im2colChunk(float[] x, int i0, int nb, int h, int w, int oh, int ow, float[] col) {
        int p = oh * ow, chw = inChannels * h * w, ld = nb * p;
        Parallel.forRange(nb, 1, (from, to) -> {
            for (int b = from; b < to; b++) {
                Im2col.im2col(x, (i0 + b) * chw, inChannels, h, w, kernelSize, kernelSize, stride, padding, oh, ow, col,
                        b * p, ld);
            }
        });
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        int[] os = outputShape(x.shape());
        int n = os[0], h = x.dim(2), w = x.dim(3), oh = os[2], ow = os[3], p = oh * ow;
        int ckk = inChannels * kernelSize * kernelSize, f = outChannels, fp = f * p, chw = inChannels * h * w;
        Tensor y = Tensor.zeros(os);
        float[] wd = weight.value.data, bd = bias == null ? null : bias.value.data, yd = y.data, xd = x.data;
        int cb = chunkImages(n, (long) ckk * p, maxColFloats);
        float[] yc = outScratch((long) f * cb * p);
        for (int i0 = 0; i0 < n; i0 += cb) {
            int nb = Math.min(cb, n - i0), ld = nb * p, c0 = i0;
            PackedB col = packedScratch(ckk, ld, nb < cb);
            Parallel.forRange(nb, 1, (from, to) -> {
                for (int b = from; b < to; b++) {
                    Im2col.im2colPacked(xd, (c0 + b) * chw, inChannels, h, w, kernelSize, kernelSize, stride, padding,
                            oh, ow, col, b * p);
                }
            });
            // Yc [F, nb*P] = W [F, CKK] · col [CKK, nb*P]
            Gemm.gemm(false, f, 1f, wd, 0, ckk, col, 0f, yc, 0, ld);
            // y[c0 + b, f, q] = Yc[f, b*P + q] + bias[f] (0 without bias)
            Parallel.forRange(nb, 1, (from, to) -> {
                for (int b = from; b < to; b++) {
                    int yo = (c0 + b) * fp;
                    for (int ff = 0; ff < f; ff++) {
                        Epilogue.biasRelu(yc, ff * ld + b * p, yd, yo + ff * p, p, bd == null ? 0f : bd[ff], false);
                    }
                }
            });
        }
        input = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) { return backward(dy, true); }

    /**
     * As {@link Layer#backward(Tensor, boolean)}: with {@code needInputGrad} false, dx is not computed (null returned).
     */
    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        if (input == null) throw new IllegalStateException("Conv2d: backward called before forward");
        Tensor x = input;
        int[] os = outputShape(x.shape());
        if (!Arrays.equals(os, dy.shape())) {
            throw new IllegalArgumentException("Conv2d: gradient shape " + Arrays.toString(dy.shape())
                    + " does not match output shape " + Arrays.toString(os) + " of input "
                    + Arrays.toString(x.shape()));
        }
        int n = os[0], h = x.dim(2), w = x.dim(3), oh = os[2], ow = os[3], p = oh * ow;
        int ckk = inChannels * kernelSize * kernelSize, chw = inChannels * h * w, f = outChannels, fp = f * p;
        float[] wd = weight.value.data, dw = weight.grad.data, dyd = dy.data;
        Tensor dx = needInputGrad ? Tensor.zeros(x.shape()) : null;
        int cb = chunkImages(n, (long) ckk * p, maxColFloats);
        float[] col = colScratch((long) ckk * cb * p), dyc = outScratch((long) f * cb * p);
        for (int i0 = 0; i0 < n; i0 += cb) {
            int nb = Math.min(cb, n - i0), ld = nb * p, c0 = i0;
            im2colChunk(x.data, i0, nb, h, w, oh, ow, col);
            // dYc[f, b*P + q] = dy[c0 + b, f, q]
            Parallel.forRange(nb, 1, (from, to) -> {
                for (int b = from; b < to; b++) {
                    for (int ff = 0; ff < f; ff++) System.arraycopy(dyd, (c0 + b) * fp + ff * p, dyc,
                            ff * ld + b * p, p);
                }
            });
            if (ckk >= 4 * f) {
                // dW^T [CKK, F] = col [CKK, nb*P] · dYc^T, then dW += its transpose. Same products, same fma order
                // per element as the direct form below (hence the same result), but the GEMM packs the small dYc
                // (F rows) instead of the large col: measured ~1.5x faster for lenet-5 conv2 (500 x 50 x 8192).
                float[] dwt = dwtScratch(ckk * f);
                Gemm.gemm(false, true, ckk, f, ld, 1f, col, 0, ld, dyc, 0, ld, 0f, dwt, 0, f);
                for (int ff = 0; ff < f; ff++) {
                    for (int c = 0; c < ckk; c++) dw[ff * ckk + c] = dwt[c * f + ff] + dw[ff * ckk + c];
                }
            } else {
                // dW [F, CKK] += dYc [F, nb*P] · col^T [nb*P, CKK]   (col stored [CKK, nb*P])
                Gemm.gemm(false, true, f, ckk, ld, 1f, dyc, 0, ld, col, 0, ld, 1f, dw, 0, ckk);
            }
            if (dx != null) {
                // dcol [CKK, nb*P] = W^T [CKK, F] · dYc [F, nb*P], written over col (no longer needed)
                Gemm.gemm(true, false, ckk, ld, f, 1f, wd, 0, ckk, dyc, 0, ld, 0f, col, 0, ld);
                float[] dxd = dx.data;
                Parallel.forRange(nb, 1, (from, to) -> {
                    for (int b = from; b < to; b++) {
                        Im2col.col2im(col, b * p, ld, inChannels, h, w, kernelSize, kernelSize, stride, padding, oh, ow,
                                dxd, (c0 + b) * chw);
                    }
                });
            }
        }
        if (bias == null) return dx;
        float[] db = bias.grad.data;
        // One task per filter (each sum keeps its image-then-position order, so any split gives the same bits).
        Parallel.forRange(f, Math.max(1, (1 << 16) / Math.max(1, n * p)), (from, to) -> {
            for (int ff = from; ff < to; ff++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    int row = i * fp + ff * p;
                    for (int q = 0; q < p; q++) s += dyd[row + q];
                }
                db[ff] += (float) s;
            }
        });
        return dx;
    }

    @Override
    public String describe() {
        return "Conv2d(" + inChannels + " -> " + outChannels + ", k=" + kernelSize + ", s=" + stride + ", p=" + padding
                + (bias == null ? ", no bias)" : ")");
    }
}
