package dev.jprune.io;

import dev.jprune.nn.Layer;
import dev.jprune.nn.Parameter;
import dev.jprune.tensor.Tensor;
import java.util.List;

/** Test-only fully connected layer, y = x W^T + b, weight [out, in], bias [out]; just enough to give a Sequential
 *  parameters. */
final class TinyDense implements Layer {
    final Parameter weight, bias;
    private final int in, out;
    private Tensor lastX;

    TinyDense(int in, int out) {
        this.in = in;
        this.out = out;
        weight = new Parameter("weight", Parameter.Kind.WEIGHT, Tensor.zeros(out, in));
        bias = new Parameter("bias", Parameter.Kind.BIAS, Tensor.zeros(out));
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        x.requireShape("TinyDense.forward", -1, in);
        int n = x.dim(0);
        Tensor y = Tensor.zeros(n, out);
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                float s = bias.value.data[o];
                for (int i = 0; i < in; i++) s += x.data[b * in + i] * weight.value.data[o * in + i];
                y.data[b * out + o] = s;
            }
        }
        lastX = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        int n = dy.dim(0);
        Tensor dx = Tensor.zeros(n, in);
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                float g = dy.data[b * out + o];
                bias.grad.data[o] += g;
                for (int i = 0; i < in; i++) {
                    weight.grad.data[o * in + i] += g * lastX.data[b * in + i];
                    dx.data[b * in + i] += g * weight.value.data[o * in + i];
                }
            }
        }
        return dx;
    }

    @Override public List<Parameter> parameters() { return List.of(weight, bias); }

    @Override public int[] outputShape(int[] s) { return new int[] {s[0], out}; }

    @Override public String describe() { return "TinyDense(" + in + " -> " + out + ")"; }
}
