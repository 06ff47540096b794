package dev.jprune.nn;

import dev.jprune.cpu.CpuKernels;
import dev.jprune.tensor.Tensor;

/** y = max(x, 0), any shape. */
public final class ReLU implements Layer {
    private Tensor x;

    @Override
    public Tensor forward(Tensor x, boolean training) {
        this.x = x;
        Tensor y = Tensor.zeros(x.shape());
        CpuKernels.reluForward(x.data, y.data, x.size());
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (x == null) throw new IllegalStateException("ReLU.backward called before forward");
        Tensor.requireSameShape("ReLU.backward", x, dy);
        Tensor dx = Tensor.zeros(x.shape());
        CpuKernels.reluBackward(x.data, dy.data, dx.data, x.size());
        return dx;
    }

    @Override public int[] outputShape(int[] s) { return s.clone(); }
    @Override public String describe() { return "ReLU"; }
}
