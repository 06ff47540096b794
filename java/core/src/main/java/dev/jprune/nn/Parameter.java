package dev.jprune.nn;

import dev.jprune.tensor.Tensor;

/**
 * A trainable tensor with its gradient and, once pruned, its mask.
 * Layers accumulate into {@link #grad} in backward; optimizers read it and update {@link #value}.
 */
public final class Parameter {
    /** What a parameter is: a weight (prunable) or a bias. */
    public enum Kind {
        /** A weight: a pruning candidate. */
        WEIGHT,
        /** A bias: pruned only with its row (structured pruning). */
        BIAS
    }

    /** Local name inside its layer ("weight" or "bias"); the model prefixes the layer index ("0.weight"). */
    public final String localName;
    /** Weight or bias. */
    public final Kind kind;
    /** The values; where {@link #mask} is 0 the value is exactly 0. */
    public final Tensor value;
    /** The gradient of the loss, same shape as {@link #value}. */
    public final Tensor grad;
    /**
     * Pruning mask, same length as value: 1 keeps, 0 prunes; {@code null} means dense.
     * Invariant kept by optimizers: where mask[i] == 0, value[i] == 0 and all optimizer state at i is 0.
     */
    public byte[] mask;

    /**
     * A parameter named {@code localName} within its layer ("weight", "bias") holding {@code value} (not copied),
     * with a zero gradient and no mask.
     */
    public Parameter(String localName, Kind kind, Tensor value) {
        this.localName = localName;
        this.kind = kind;
        this.value = value;
        this.grad = Tensor.zeros(value.shape());
    }

    /** Number of elements. */
    public int size() { return value.size(); }

    /** Sets the gradient to 0. */
    public void zeroGrad() { java.util.Arrays.fill(grad.data, 0f); }

    /**
     * Throws naming {@code where}, this parameter and both lengths unless {@link #mask} is null or as long as the
     * value (the field is public: a mask set by hand is checked where it is first used).
     *
     * @throws IllegalArgumentException when the mask has another length than the value
     */
    public void requireMaskFits(String where) {
        if (mask != null && mask.length != value.size()) {
            throw new IllegalArgumentException(where + ": the mask of " + localName + " " + value
                    + " has " + mask.length + " entries for " + value.size() + " values");
        }
    }

    /**
     * Throws naming {@code where} and {@code name} unless this parameter can be written out as a pruned model: its mask
     * fits ({@link #requireMaskFits}), every value is finite, and every value its mask prunes is zero (ONNX export and
     * CSR files; checkpoints check the same with file-specific messages).
     *
     * @throws IllegalArgumentException for the first value or mask that fails
     */
    public void requireWritable(String where, String name) {
        requireMaskFits(where + " " + name);
        float[] v = value.data;
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException(where + ": parameter '" + name + "' element " + i + " is " + v[i]
                        + "; refusing to write non-finite weights");
            }
            if (mask != null && mask[i] == 0 && v[i] != 0f) {
                throw new IllegalArgumentException(where + ": parameter '" + name + "' element " + i + " = " + v[i]
                        + " is pruned (mask 0) but not zero");
            }
        }
    }

    /** Number of kept (unmasked) elements. */
    public long nonzeroMaskCount() {
        if (mask == null) return value.size();
        long k = 0;
        for (byte b : mask) k += b;
        return k;
    }

    /**
     * Sets value to zero wherever the mask prunes. No-op when dense.
     *
     * @throws IllegalArgumentException when the mask's length is not the value's (nothing is modified then)
     */
    public void applyMask() {
        if (mask == null) return;
        requireMaskFits("applyMask");
        float[] v = value.data;
        for (int i = 0; i < v.length; i++) if (mask[i] == 0) v[i] = 0f;
    }
}
