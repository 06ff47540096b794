package dev.jprune.testutil;

import static org.junit.jupiter.api.Assertions.fail;

import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import java.util.function.Supplier;

/**
 * Central finite differences against analytic gradients. The scalar probed is L = Σ y·r for a fixed random r,
 * accumulated in double, so dL/dy = r is the upstream gradient. Perturbations are float (the layers are float32);
 * eps and tolerance are chosen by the caller for the layer's curvature.
 */
public final class GradCheck {
    private GradCheck() {}

    /** L = Σ y·r in double. */
    public static double project(Tensor y, float[] r) {
        double s = 0;
        for (int i = 0; i < y.size(); i++) s += (double) y.data[i] * r[i];
        return s;
    }

    /**
     * Checks {@code analytic[i]} ≈ dL/d{@code target[i]} for up to {@code samples} indices (all when small).
     * {@code loss} recomputes L from scratch (forward only). Restores {@code target} exactly.
     */
    public static void check(String what, float[] target, float[] analytic, Supplier<Double> loss, float eps,
                             double rtol, double atol, int samples, Rng rng) {
        int n = target.length;
        int count = Math.min(n, samples);
        double worst = -1; int worstIdx = -1; double worstNum = 0;
        for (int s = 0; s < count; s++) {
            int i = n <= samples ? s : rng.nextInt(n);
            float old = target[i];
            target[i] = old + eps;
            double lp = loss.get();
            target[i] = old - eps;
            double lm = loss.get();
            target[i] = old;
            double numeric = (lp - lm) / ((double) (old + eps) - (double) (old - eps));
            double err = Math.abs(numeric - analytic[i]) - (atol + rtol * Math.abs(numeric));
            if (err > worst) { worst = err; worstIdx = i; worstNum = numeric; }
        }
        if (worst > 0) {
            fail(what + ": gradient mismatch at index " + worstIdx + ": analytic " + analytic[worstIdx]
                    + " vs numeric " + worstNum + " (rtol " + rtol + ", atol " + atol + ")");
        }
    }

    /** Fresh random values in [lo, hi). */
    public static float[] random(int n, Rng rng, float lo, float hi) {
        float[] a = new float[n];
        rng.fillUniform(a, lo, hi);
        return a;
    }

    /** Random tensor values bounded away from 0 by {@code gap} in magnitude (keeps ReLU/abs kinks out of FD range). */
    public static Tensor randomAwayFromZero(Rng rng, float gap, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) {
            float v = rng.uniform(gap, 1f);
            t.data[i] = rng.nextDouble() < 0.5 ? -v : v;
        }
        return t;
    }
}
