package dev.jprune.nn;

import dev.jprune.cpu.Gemm;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import java.util.List;

/**
 * Fully connected layer y = x·Wᵀ + b, PyTorch's nn.Linear: weight [out, in], bias [out] (or no bias:
 * {@code nn.Linear(in, out, bias=False)}, y = x·Wᵀ, and no "bias" in the state_dict).
 * Accepts x [N, in] or any [N, ...] whose trailing dimensions multiply to {@code in} (an implicit flatten,
 * so PyTorch's Sequential indices stay the same without a Flatten module).
 */
public final class Linear implements Layer {
    /** Input and output features. */
    public final int in, out;
    /** Weight [out, in]. */
    public final Parameter weight;
    /** Bias [out], or {@code null} for a layer without bias (then absent from {@link #parameters()}). */
    public final Parameter bias;
    private Tensor x; // cached input [N, in] for backward

    /** A layer with bias, PyTorch's default init: W, b ~ U(−1/√in, 1/√in) (kaiming_uniform with a = √5). */
    public Linear(int in, int out, Rng rng) {
        this(in, out, true, rng);
    }

    /**
     * A layer with or without bias, PyTorch's default init: W (then b) ~ U(−1/√in, 1/√in) drawn from {@code rng}.
     *
     * @throws IllegalArgumentException when {@code in} or {@code out} is not positive
     */
    public Linear(int in, int out, boolean bias, Rng rng) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear: sizes must be positive, got " + in
                + " -> " + out);
        this.in = in;
        this.out = out;
        float bound = (float) (1.0 / Math.sqrt(in));
        Tensor w = Tensor.zeros(out, in);
        rng.fillUniform(w.data, -bound, bound);
        this.weight = new Parameter("weight", Parameter.Kind.WEIGHT, w);
        if (bias) {
            Tensor b = Tensor.zeros(out);
            rng.fillUniform(b.data, -bound, bound);
            this.bias = new Parameter("bias", Parameter.Kind.BIAS, b);
        } else {
            this.bias = null;
        }
    }

    /** Whether the layer adds a bias. */
    public boolean hasBias() { return bias != null; }

    private int batchOf(Tensor t, String op) {
        if (t.rank() < 1 || (t.rank() == 1 ? t.size() != in : t.size() != (long) t.dim(0) * in)) {
            throw new IllegalArgumentException("Linear(" + in + " -> " + out + ")." + op + ": expected input [N, " + in
                    + "] (or [N, ...] with " + in + " features) but got " + java.util.Arrays.toString(t.shape()));
        }
        return t.rank() == 1 ? 1 : t.dim(0);
    }

    // x [N, in] -> y [N, out]
    @Override
    public Tensor forward(Tensor x, boolean training) {
        int n = batchOf(x, "forward");
        this.x = x;
        Tensor y = Tensor.zeros(n, out);
        Gemm.gemm(false, true, n, out, in, 1f, x.data, 0, in, weight.value.data, 0, in, 0f, y.data, 0, out);
        if (bias != null) dev.jprune.cpu.CpuKernels.biasAdd(y.data, bias.value.data, n, out);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) { return backward(dy, true); }

    // dy [N, out] -> dW += dyᵀ·x [out, in], db += Σ_n dy (with bias), returns dx = dy·W [N, in] (null when not needed)
    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        if (x == null) throw new IllegalStateException("Linear.backward called before forward");
        int n = x.rank() == 1 ? 1 : x.dim(0);
        dy.requireShape("Linear(" + in + " -> " + out + ").backward dy", n, out);
        Gemm.gemm(true, false, out, in, n, 1f, dy.data, 0, out, x.data, 0, in, 1f, weight.grad.data, 0, in);
        if (bias != null) {
            float[] db = bias.grad.data;
            for (int r = 0; r < n; r++) for (int c = 0; c < out; c++) db[c] += dy.data[r * out + c];
        }
        if (!needInputGrad) return null;
        Tensor dx = Tensor.zeros(x.shape());
        Gemm.gemm(false, false, n, in, out, 1f, dy.data, 0, out, weight.value.data, 0, in, 0f, dx.data, 0, in);
        return dx;
    }

    @Override public List<Parameter> parameters() { return bias == null ? List.of(weight) : List.of(weight, bias); }

    @Override
    public int[] outputShape(int[] s) {
        long f = 1;
        for (int i = 1; i < s.length; i++) f *= s[i];
        if (f != in) throw new IllegalArgumentException("Linear(" + in + " -> " + out + "): input shape "
                + java.util.Arrays.toString(s) + " has " + f + " features");
        return new int[] {s[0], out};
    }

    @Override public String describe() { return "Linear(" + in + " -> " + out + (bias == null ? ", no bias)" : ")"); }
}
