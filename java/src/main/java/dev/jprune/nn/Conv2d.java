package dev.jprune.nn;

import dev.jprune.cpu.Gemm;
import dev.jprune.cpu.Im2col;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Parallel;
import dev.jprune.util.Rng;
import java.util.Arrays;
import java.util.List;

/**
 * 2-D convolution (cross-correlation, as PyTorch's nn.Conv2d) with square kernel, stride and zero padding.
 * Input NCHW [N, C, H, W] → output [N, F, OH, OW], OH = (H + 2*padding - kernelSize)/stride + 1.
 * Parameters: "weight" [F, C, K, K], "bias" [F].
 * <p>Per image: col = im2col(x_n) [C*K*K, OH*OW]; y_n [F, OH*OW] = W [F, C*K*K] · col, plus bias.
 * Backward: dW += dY_n · col^T, db += Σ dY_n, dcol = W^T · dY_n, dx_n = col2im(dcol).
 * Deterministic: forward and dx are computed per image (images in parallel, each written by one task);
 * dW and db are accumulated image after image in a fixed order. Reference twin: {@link dev.jprune.cpu.NaiveConv2d}.
 * <p>forward keeps a reference to its input for backward: the caller must not modify it in between.
 */
public final class Conv2d implements Layer {
    private final int inChannels, outChannels, kernelSize, stride, padding;
    private final Parameter weight, bias;
    private Tensor input; // [N, C, H, W] of the last forward, null before the first

    /**
     * Weight and bias drawn from U(-1/sqrt(fanIn), 1/sqrt(fanIn)), fanIn = C*K*K: PyTorch's default
     * (kaiming_uniform with a = sqrt(5) gives bound = sqrt(6 / ((1 + 5) * fanIn)) = 1/sqrt(fanIn)), weight first.
     */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, Rng rng) {
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
        Tensor b = Tensor.zeros(outChannels);
        float bound = (float) (1.0 / Math.sqrt((double) inChannels * kernelSize * kernelSize));
        rng.fillUniform(w.data, -bound, bound);
        rng.fillUniform(b.data, -bound, bound);
        this.weight = new Parameter("weight", Parameter.Kind.WEIGHT, w);
        this.bias = new Parameter("bias", Parameter.Kind.BIAS, b);
    }

    public Parameter weight() { return weight; }
    public Parameter bias() { return bias; }

    @Override
    public List<Parameter> parameters() { return List.of(weight, bias); }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (inputShape.length != 4 || inputShape[1] != inChannels) {
            throw new IllegalArgumentException("Conv2d: expected input shape [N, " + inChannels + ", H, W] but got "
                    + Arrays.toString(inputShape));
        }
        if (inputShape[2] + 2 * padding < kernelSize || inputShape[3] + 2 * padding < kernelSize) {
            throw new IllegalArgumentException("Conv2d: input " + Arrays.toString(inputShape) + " with padding " + padding
                    + " is smaller than the kernel " + kernelSize + "x" + kernelSize);
        }
        int oh = Im2col.outSize(inputShape[2], kernelSize, stride, padding);
        int ow = Im2col.outSize(inputShape[3], kernelSize, stride, padding);
        return new int[] {inputShape[0], outChannels, oh, ow};
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        int[] os = outputShape(x.shape());
        int n = os[0], h = x.dim(2), w = x.dim(3), oh = os[2], ow = os[3], p = oh * ow;
        int ckk = inChannels * kernelSize * kernelSize;
        Tensor y = Tensor.zeros(os);
        float[] wd = weight.value.data, bd = bias.value.data;
        Parallel.forRange(n, 1, (from, to) -> {
            float[] col = new float[ckk * p];
            for (int i = from; i < to; i++) {
                Im2col.im2col(x.data, i * inChannels * h * w, inChannels, h, w, kernelSize, kernelSize, stride, padding, oh, ow, col);
                int yOff = i * outChannels * p;
                // y_n [F, P] = W [F, CKK] · col [CKK, P]
                Gemm.gemm(false, false, outChannels, p, ckk, 1f, wd, 0, ckk, col, 0, p, 0f, y.data, yOff, p);
                for (int f = 0; f < outChannels; f++) {
                    float bf = bd[f];
                    int row = yOff + f * p;
                    for (int q = 0; q < p; q++) y.data[row + q] += bf;
                }
            }
        });
        input = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (input == null) throw new IllegalStateException("Conv2d: backward called before forward");
        Tensor x = input;
        int[] os = outputShape(x.shape());
        if (!Arrays.equals(os, dy.shape())) {
            throw new IllegalArgumentException("Conv2d: gradient shape " + Arrays.toString(dy.shape())
                    + " does not match output shape " + Arrays.toString(os) + " of input " + Arrays.toString(x.shape()));
        }
        int n = os[0], h = x.dim(2), w = x.dim(3), oh = os[2], ow = os[3], p = oh * ow;
        int ckk = inChannels * kernelSize * kernelSize, chw = inChannels * h * w, fp = outChannels * p;
        float[] wd = weight.value.data;
        Tensor dx = Tensor.zeros(x.shape());
        // dx: images independent, each written by exactly one task.
        Parallel.forRange(n, 1, (from, to) -> {
            float[] dcol = new float[ckk * p];
            for (int i = from; i < to; i++) {
                // dcol [CKK, P] = W^T [CKK, F] · dY_n [F, P]   (W stored [F, CKK])
                Gemm.gemm(true, false, ckk, p, outChannels, 1f, wd, 0, ckk, dy.data, i * fp, p, 0f, dcol, 0, p);
                Im2col.col2im(dcol, inChannels, h, w, kernelSize, kernelSize, stride, padding, oh, ow, dx.data, i * chw);
            }
        });
        // dW, db: summed over images in a fixed order (Gemm parallelises inside; its result is thread-count independent).
        float[] col = new float[ckk * p];
        float[] dw = weight.grad.data;
        for (int i = 0; i < n; i++) {
            Im2col.im2col(x.data, i * chw, inChannels, h, w, kernelSize, kernelSize, stride, padding, oh, ow, col);
            // dW [F, CKK] += dY_n [F, P] · col^T [P, CKK]   (col stored [CKK, P])
            Gemm.gemm(false, true, outChannels, ckk, p, 1f, dy.data, i * fp, p, col, 0, p, 1f, dw, 0, ckk);
        }
        float[] db = bias.grad.data;
        for (int f = 0; f < outChannels; f++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                int row = i * fp + f * p;
                for (int q = 0; q < p; q++) s += dy.data[row + q];
            }
            db[f] += (float) s;
        }
        return dx;
    }

    @Override
    public String describe() {
        return "Conv2d(" + inChannels + " -> " + outChannels + ", k=" + kernelSize + ", s=" + stride + ", p=" + padding + ")";
    }
}
