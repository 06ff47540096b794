package dev.jprune.models;

import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Options of a built-in architecture ({@link Models#build(String, long, ModelOptions)}): whether its Linear and Conv2d
 * layers add a bias, how weights are initialised, and — for {@code linear-regression} — its input and output count
 * (taken from the data on the command line). The same names will describe a model file's layers.
 *
 * @param bias    every Linear and Conv2d layer adds a bias (PyTorch's default); false: none (PyTorch's
 *                {@code bias=False}, no "bias" in the state_dict)
 * @param init    PYTORCH (U(±1/√fan_in) for weights and biases), GLOROT_UNIFORM (Keras' default: weights
 *                U(±√(6/(fan_in + fan_out))), biases 0; for Conv2d fan_in = C·k², fan_out = F·k²) or ZEROS (every
 *                parameter 0: θ = 0 of a linear model, as write-up 002 starts; no use for a network with hidden layers,
 *                whose units would stay identical)
 * @param inputs  input features of {@code linear-regression} (0: the name's own, 10 or 1)
 * @param outputs outputs of {@code linear-regression} (0: 1)
 */
public record ModelOptions(boolean bias, Init init, int inputs, int outputs) {
    /** How weights start. */
    public enum Init {
        /** PyTorch's default: U(±1/√fan_in) for weights, then biases. */
        PYTORCH,
        /** Keras' default: Glorot (Xavier) uniform weights, zero biases. */
        GLOROT_UNIFORM,
        /** Every weight and bias 0. */
        ZEROS
    }

    /** Biases, PyTorch's initialisation, the architecture's own sizes. */
    public static final ModelOptions DEFAULT = new ModelOptions(true, Init.PYTORCH, 0, 0);

    /** @throws IllegalArgumentException for a null init or negative sizes */
    public ModelOptions {
        if (init == null) throw new IllegalArgumentException("model options: init is required");
        if (inputs < 0 || outputs < 0) throw new IllegalArgumentException("model options: sizes must be >= 0 (0: the "
                + "model's own)");
    }

    /** These options with another input and output count (for linear-regression). */
    public ModelOptions withSizes(int in, int out) { return new ModelOptions(bias, init, in, out); }

    /**
     * Parses the command line's --init value: "pytorch", "glorot-uniform" (also "glorot", "xavier") or "zeros".
     *
     * @throws IllegalArgumentException naming the option
     */
    public static Init parseInit(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "pytorch", "torch", "kaiming-uniform" -> Init.PYTORCH;
            case "glorot-uniform", "glorot", "xavier", "xavier-uniform", "keras" -> Init.GLOROT_UNIFORM;
            case "zeros", "zero" -> Init.ZEROS;
            default -> throw new IllegalArgumentException("--init must be pytorch, glorot-uniform or zeros; got '" + s
                    + "'");
        };
    }

    /**
     * {@code m} rebuilt under these options with weights drawn from {@code seed}: the layers are re-created in order
     * from one {@code new Rng(seed)} (so with bias and PYTORCH init the weights are exactly those
     * {@link Models#build(String, long)} draws), without biases if so asked, then re-drawn Glorot-uniform if so
     * asked. Other layers are kept as they are. {@code m} is not used afterwards.
     */
    ModelSpec apply(ModelSpec m, long seed) {
        if (bias && init == Init.PYTORCH) return m;
        Rng rng = new Rng(seed);
        List<Layer> out = new ArrayList<>();
        for (Layer l : m.net().layers()) {
            if (l instanceof Linear lin) out.add(new Linear(lin.in, lin.out, bias && lin.hasBias(), rng));
            else if (l instanceof Conv2d c) {
                out.add(new Conv2d(c.inChannels(), c.outChannels(), c.kernelSize(), c.stride(), c.padding(),
                        bias && c.hasBias(), rng));
            } else out.add(l);
        }
        if (init == Init.GLOROT_UNIFORM) glorot(out, new Rng(seed ^ 0x6A09E667F3BCC909L));
        if (init == Init.ZEROS) {
            for (Layer l : out) for (Parameter p : l.parameters()) java.util.Arrays.fill(p.value.data, 0f);
        }
        return m.withNet(new Sequential(out));
    }

    private static void glorot(List<Layer> layers, Rng rng) {
        for (Layer l : layers) {
            double fanIn, fanOut;
            Parameter w, b;
            if (l instanceof Linear lin) {
                fanIn = lin.in;
                fanOut = lin.out;
                w = lin.weight;
                b = lin.bias;
            } else if (l instanceof Conv2d c) {
                double k2 = (double) c.kernelSize() * c.kernelSize();
                fanIn = c.inChannels() * k2;
                fanOut = c.outChannels() * k2;
                w = c.weight();
                b = c.bias();
            } else {
                continue;
            }
            float bound = (float) Math.sqrt(6.0 / (fanIn + fanOut));
            rng.fillUniform(w.value.data, -bound, bound);
            if (b != null) java.util.Arrays.fill(b.value.data, 0f);
        }
    }
}
