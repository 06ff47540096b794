package dev.jprune.models;

import dev.jprune.nn.Layer;
import dev.jprune.util.Rng;
import java.util.Arrays;

/**
 * One layer of an {@link Architecture}: its kind and fields as a model file states them (docs/MODELS.md). Shapes here
 * are per sample, without the batch dimension. {@link #outputShape} says what the layer makes of an input shape, or
 * why it cannot take it; {@link #build} makes the engine's layer.
 */
public sealed interface LayerSpec {
    /** The kind as a model file names it: "linear", "conv2d", "maxpool2d", "relu", "flatten" or "dropout". */
    String kind();

    /**
     * The output shape for {@code in} (per sample).
     *
     * @throws IllegalArgumentException saying which input the layer needs ("an input of 784 features"), when
     *     {@code in} is not one; the caller adds the layer index and where {@code in} came from
     */
    int[] outputShape(int[] in);

    /** A fresh engine layer; weights are drawn from {@code rng} (weight, then bias), dropout masks from the seed. */
    Layer build(Rng rng, long dropoutSeed);

    /** The layer's fields as a model file writes them, e.g. "linear(in=784, out=300, bias=true)". */
    String describe();

    /**
     * A fully connected layer, PyTorch's {@code nn.Linear(in, out, bias)}. Its input may be any shape with {@code in}
     * elements (jprune's Linear flattens it), giving [out].
     */
    record Linear(int in, int out, boolean bias) implements LayerSpec {
        /** Checks the sizes and the weight's element count. */
        public Linear {
            positive("linear", "in", in);
            positive("linear", "out", out);
            fitsTensor("linear", (long) in * out);
        }

        @Override public String kind() { return "linear"; }

        @Override
        public int[] outputShape(int[] s) {
            long f = count(s);
            if (f != in) {
                throw new IllegalArgumentException("its input must have " + in + " features ([" + in
                        + "] or any shape of that size)");
            }
            return new int[] {out};
        }

        @Override
        public Layer build(Rng rng, long dropoutSeed) { return new dev.jprune.nn.Linear(in, out, bias, rng); }

        @Override
        public String describe() { return "linear(in=" + in + ", out=" + out + ", bias=" + bias + ")"; }
    }

    /**
     * A 2-D convolution, PyTorch's {@code nn.Conv2d(in, out, kernel, stride, padding, bias)} with square kernel,
     * stride and padding: [in, H, W] → [out, (H + 2·padding − kernel)/stride + 1, (W + ...)/stride + 1].
     */
    record Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias) implements LayerSpec {
        /** Checks the sizes and the weight's element count. */
        public Conv2d {
            positive("conv2d", "in", in);
            positive("conv2d", "out", out);
            positive("conv2d", "kernel", kernel);
            positive("conv2d", "stride", stride);
            if (padding < 0) throw new IllegalArgumentException("conv2d: field 'padding' must be >= 0, got " + padding);
            fitsTensor("conv2d", (long) out * in * kernel * kernel);
        }

        @Override public String kind() { return "conv2d"; }

        @Override
        public int[] outputShape(int[] s) {
            if (s.length != 3 || s[0] != in || s[1] + 2L * padding < kernel || s[2] + 2L * padding < kernel) {
                throw new IllegalArgumentException("its input must be [" + in + ", H, W] with H, W >= " + kernel
                        + (padding > 0 ? " - 2·" + padding : "") + " (kernel " + kernel + ", padding " + padding
                        + ")");
            }
            long oh = (s[1] + 2L * padding - kernel) / stride + 1, ow = (s[2] + 2L * padding - kernel) / stride + 1;
            int[] o = {out, (int) Math.min(oh, Integer.MAX_VALUE), (int) Math.min(ow, Integer.MAX_VALUE)};
            fitsTensor("conv2d output", count(o));
            return o;
        }

        @Override
        public Layer build(Rng rng, long dropoutSeed) {
            return new dev.jprune.nn.Conv2d(in, out, kernel, stride, padding, bias, rng);
        }

        @Override
        public String describe() {
            return "conv2d(in=" + in + ", out=" + out + ", kernel=" + kernel + ", stride=" + stride
                    + ", padding=" + padding + ", bias=" + bias + ")";
        }
    }

    /** Max pooling, PyTorch's {@code nn.MaxPool2d(kernel, stride)} (no padding, floor): [C, H, W] → [C, OH, OW]. */
    record MaxPool2d(int kernel, int stride) implements LayerSpec {
        /** Checks the sizes. */
        public MaxPool2d {
            positive("maxpool2d", "kernel", kernel);
            positive("maxpool2d", "stride", stride);
        }

        @Override public String kind() { return "maxpool2d"; }

        @Override
        public int[] outputShape(int[] s) {
            if (s.length != 3 || s[1] < kernel || s[2] < kernel) {
                throw new IllegalArgumentException("its input must be [C, H, W] with H, W >= " + kernel);
            }
            return new int[] {s[0], (s[1] - kernel) / stride + 1, (s[2] - kernel) / stride + 1};
        }

        @Override
        public Layer build(Rng rng, long dropoutSeed) { return new dev.jprune.nn.MaxPool2d(kernel, stride); }

        @Override public String describe() { return "maxpool2d(kernel=" + kernel + ", stride=" + stride + ")"; }
    }

    /** max(x, 0) elementwise; the shape stays. */
    record ReLU() implements LayerSpec {
        @Override public String kind() { return "relu"; }
        @Override public int[] outputShape(int[] s) { return s.clone(); }
        @Override public Layer build(Rng rng, long dropoutSeed) { return new dev.jprune.nn.ReLU(); }
        @Override public String describe() { return "relu"; }
    }

    /** [d1, d2, ...] → [d1·d2·...], PyTorch's {@code nn.Flatten()}. */
    record Flatten() implements LayerSpec {
        @Override public String kind() { return "flatten"; }
        @Override public int[] outputShape(int[] s) { return new int[] {(int) count(s)}; }
        @Override public Layer build(Rng rng, long dropoutSeed) { return new dev.jprune.nn.Flatten(); }
        @Override public String describe() { return "flatten"; }
    }

    /** Inverted dropout with drop probability {@code p} in [0, 1) while training, identity at evaluation. */
    record Dropout(float p) implements LayerSpec {
        /** Checks p. */
        public Dropout {
            if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("dropout: field 'p' must be in [0, 1), got "
                    + p);
        }

        @Override public String kind() { return "dropout"; }
        @Override public int[] outputShape(int[] s) { return s.clone(); }
        @Override public Layer build(Rng rng, long dropoutSeed) { return new dev.jprune.nn.Dropout(p, dropoutSeed); }
        @Override public String describe() { return "dropout(p=" + p + ")"; }
    }

    private static void positive(String kind, String field, int v) {
        if (v < 1) throw new IllegalArgumentException(kind + ": field '" + field + "' must be >= 1, got " + v);
    }

    private static void fitsTensor(String what, long elements) {
        if (elements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + ": " + elements + " elements in one tensor; at most "
                    + Integer.MAX_VALUE);
        }
    }

    /** Elements of a shape, saturated at Long.MAX_VALUE (the product of ints may pass 2^31, even 2^63). */
    static long count(int[] s) {
        long n = 1;
        for (int d : s) {
            if (d < 0) return -1;
            n = n > Integer.MAX_VALUE ? Long.MAX_VALUE : n * d;
        }
        return n;
    }

    /** "[1, 28, 28]". */
    static String shape(int[] s) { return Arrays.toString(s); }
}
