package dev.jprune.testutil;

import static org.junit.jupiter.api.Assertions.fail;

import dev.jprune.nn.Layer;
import dev.jprune.nn.Parameter;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;

/**
 * Finite-difference gradient check for a layer: scalar loss L = Σ y·r with r random and fixed, accumulated in
 * double; central differences with a float perturbation of about eps on every element of the input and of every
 * parameter, compared with the layer's backward. Tolerance |numeric - analytic| &le; atol + rtol*|analytic|.
 * The actual perturbation is measured after float rounding ((float)(v+eps) - v), so the quotient is exact for
 * a function linear in the perturbed element.
 */
public final class GradCheckConv {
    private GradCheckConv() {}

    private static double loss(Layer layer, Tensor x, float[] r) {
        Tensor y = layer.forward(x, true);
        double s = 0;
        for (int i = 0; i < r.length; i++) s += (double) y.data[i] * r[i];
        return s;
    }

    /** Checks dL/dx and dL/dparam for every element; fails naming the tensor and the worst element. Modifies x and
     *  the layer's parameter values only transiently (restored), and the parameter gradients (zeroed, then set). */
    public static void check(String what, Layer layer, Tensor x, long seed, float eps, double rtol, double atol) {
        Rng rng = new Rng(seed);
        Tensor y0 = layer.forward(x, true);
        float[] r = new float[y0.size()];
        rng.fillUniform(r, -1f, 1f);
        for (Parameter p : layer.parameters()) p.zeroGrad();
        Tensor dx = layer.backward(Tensor.wrap(r.clone(), y0.shape()));
        compare(what + " input", layer, x, x.data, dx.data, r, eps, rtol, atol);
        for (Parameter p : layer.parameters()) {
            compare(what + " " + p.localName, layer, x, p.value.data, p.grad.data.clone(), r, eps, rtol, atol);
        }
    }

    private static void compare(String name, Layer layer, Tensor x, float[] target, float[] analytic, float[] r,
                                float eps, double rtol, double atol) {
        double worst = -Double.MAX_VALUE;
        String worstMsg = "";
        for (int i = 0; i < target.length; i++) {
            float v = target[i];
            float vp = v + eps, vm = v - eps;
            target[i] = vp;
            double lp = loss(layer, x, r);
            target[i] = vm;
            double lm = loss(layer, x, r);
            target[i] = v;
            double numeric = (lp - lm) / ((double) vp - (double) vm);
            double excess = Math.abs(numeric - analytic[i]) - (atol + rtol * Math.abs(analytic[i]));
            if (excess > worst) {
                worst = excess;
                worstMsg = name + "[" + i + "]: numeric=" + numeric + " analytic=" + analytic[i];
            }
        }
        if (worst > 0)
            fail("gradient check failed, worst element " + worstMsg + " (rtol=" + rtol + ", atol=" + atol + ")");
    }
}
