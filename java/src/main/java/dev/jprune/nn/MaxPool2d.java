package dev.jprune.nn;
/** TEMPORARY placeholder until branch cpuk lands. */
public final class MaxPool2d implements Layer {
    public MaxPool2d(int a, int b, int c, int d, int e, dev.jprune.util.Rng r) { throw new UnsupportedOperationException(); }
    public MaxPool2d(int a, int b) { throw new UnsupportedOperationException(); }
    public dev.jprune.tensor.Tensor forward(dev.jprune.tensor.Tensor x, boolean t) { throw new UnsupportedOperationException(); }
    public dev.jprune.tensor.Tensor backward(dev.jprune.tensor.Tensor x) { throw new UnsupportedOperationException(); }
    public int[] outputShape(int[] s) { throw new UnsupportedOperationException(); }
    public String describe() { return "MaxPool2d"; }
}
