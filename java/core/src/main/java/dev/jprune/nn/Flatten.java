package dev.jprune.nn;

import dev.jprune.tensor.Tensor;

/** [N, d1, d2, ...] -> [N, d1·d2·...], a view (no copy). */
public final class Flatten implements Layer {
    private int[] inShape;

    @Override
    public Tensor forward(Tensor x, boolean training) {
        inShape = x.shape();
        return x.reshape(outputShape(inShape));
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (inShape == null) throw new IllegalStateException("Flatten.backward called before forward");
        dy.requireShape("Flatten.backward dy", outputShape(inShape));
        return dy.reshape(inShape);
    }

    @Override
    public int[] outputShape(int[] s) {
        if (s.length < 1) throw new IllegalArgumentException("Flatten: input must have a batch dimension");
        int f = 1;
        for (int i = 1; i < s.length; i++) f *= s[i];
        return new int[] {s[0], f};
    }

    @Override public String describe() { return "Flatten"; }
}
