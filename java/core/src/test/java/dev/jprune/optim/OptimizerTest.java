package dev.jprune.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Parameter;
import dev.jprune.tensor.Tensor;
import dev.jprune.testutil.Close;
import dev.jprune.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OptimizerTest {

    static Parameter param(Rng rng, int n) {
        Tensor t = Tensor.zeros(n);
        rng.fillUniform(t.data, -1, 1);
        return new Parameter("weight", Parameter.Kind.WEIGHT, t);
    }

    static void randomGrad(Parameter p, Rng rng) {
        for (int i = 0; i < p.size(); i++) p.grad.data[i] = (float) rng.nextGaussian();
    }

    /** torch.optim.SGD's update written out in double, scalar by scalar (the documented algorithm). */
    static void sgdReference(double[] w, double[] buf, float[] g, double lr, double mu, double wd,
            boolean nesterov, int t) {
        for (int i = 0; i < w.length; i++) {
            double d = g[i] + wd * w[i];
            if (mu != 0) {
                buf[i] = t == 1 ? d : mu * buf[i] + d;
                d = nesterov ? d + mu * buf[i] : buf[i];
            }
            w[i] -= lr * d;
        }
    }

    @ParameterizedTest(name = "SGD mu={0} wd={1} nesterov={2}")
    @CsvSource({"0,0,false", "0.9,0,false", "0.9,0.01,true", "0.5,0.1,false"})
    void sgdMatchesTorchAlgorithm(float mu, float wd, boolean nesterov) {
        Rng rng = new Rng(11);
        Parameter p = param(rng, 129);
        double[] w = new double[129], buf = new double[129];
        for (int i = 0; i < 129; i++) w[i] = p.value.data[i];
        Sgd sgd = new Sgd(List.of(p), 0.05f, mu, wd, nesterov);
        for (int t = 1; t <= 20; t++) {
            randomGrad(p, rng);
            sgdReference(w, buf, p.grad.data, 0.05, mu, wd, nesterov, t);
            sgd.step(1f, 0f);
        }
        float[] wf = new float[129];
        for (int i = 0; i < 129; i++) wf[i] = (float) w[i];
        Close.assertClose("sgd", wf, p.value.data, 1e-4, 1e-5);
    }

    @Test
    void adamFirstStepMovesEachWeightByLrTimesSign() {
        // Known property of bias-corrected Adam: at t = 1, m̂ = g and v̂ = g², so Δw = −lr·g/(|g| + eps).
        Rng rng = new Rng(12);
        Parameter p = param(rng, 257);
        float[] before = p.value.data.clone();
        randomGrad(p, rng);
        new Adam(List.of(p), 1e-3f).step(1f, 0f);
        for (int i = 0; i < 257; i++) {
            float g = p.grad.data[i];
            assertEquals(before[i] - 1e-3 * g / (Math.abs(g) + 1e-8), p.value.data[i], 1e-6, "element " + i);
        }
    }

    @Test
    void adamMatchesTorchAlgorithmOverManySteps() {
        Rng rng = new Rng(13);
        Parameter p = param(rng, 65);
        double[] w = new double[65], m = new double[65], v = new double[65];
        for (int i = 0; i < 65; i++) w[i] = p.value.data[i];
        Adam adam = new Adam(List.of(p), 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f);
        for (int t = 1; t <= 30; t++) {
            randomGrad(p, rng);
            for (int i = 0; i < 65; i++) {
                double d = p.grad.data[i] + 0.01 * w[i];
                m[i] = 0.9 * m[i] + 0.1 * d;
                v[i] = 0.999 * v[i] + 0.001 * d * d;
                double mh = m[i] / (1 - Math.pow(0.9, t)), vh = v[i] / (1 - Math.pow(0.999, t));
                w[i] -= 1e-2 * mh / (Math.sqrt(vh) + 1e-8);
            }
            adam.step(1f, 0f);
        }
        float[] wf = new float[65];
        for (int i = 0; i < 65; i++) wf[i] = (float) w[i];
        Close.assertClose("adam", wf, p.value.data, 1e-4, 1e-5);
    }

    @Test
    void prunedWeightsAndStateStayExactlyZeroThrough100Steps() {
        for (String kind : List.of("sgd", "nesterov", "adam")) {
            Rng rng = new Rng(kind.hashCode());
            List<Parameter> ps = new ArrayList<>();
            for (int n : new int[] {1, 7, 129, 1000}) {
                Parameter p = param(rng, n);
                p.mask = new byte[n];
                for (int i = 0; i < n; i++) p.mask[i] = (byte) (rng.nextDouble() < 0.3 ? 1 : 0);
                ps.add(p);
            }
            Optimizer opt = switch (kind) {
                case "sgd" -> new Sgd(ps, 0.1f, 0.9f, 1e-4f, false);
                case "nesterov" -> new Sgd(ps, 0.1f, 0.9f, 0f, true);
                default -> new Adam(ps, 1e-2f);
            };
            // The first steps run dense-state, then masks hit non-zero state: enforceMasks must clear it.
            List<byte[]> masks = new ArrayList<>();
            for (Parameter p : ps) { masks.add(p.mask); p.mask = null; }
            for (int s = 0; s < 3; s++) { for (Parameter p : ps) randomGrad(p, rng); opt.step(1f, 0f); }
            for (int t = 0; t < ps.size(); t++) ps.get(t).mask = masks.get(t);
            opt.enforceMasks();
            for (int step = 0; step < 100; step++) {
                for (Parameter p : ps) randomGrad(p, rng);   // gradients at pruned positions are non-zero
                opt.step(step % 2 == 0 ? 0.7f : 1f, step % 3 == 0 ? 0.5f : 0f);
                for (int t = 0; t < ps.size(); t++) {
                    Parameter p = ps.get(t);
                    for (int i = 0; i < p.size(); i++) {
                        if (p.mask[i] != 0) continue;
                        assertEquals(0f, p.value.data[i], kind + " weight " + t + "/" + i + " step " + step);
                        float[][] st = state(opt, t);
                        for (float[] s : st) if (s != null) assertEquals(0f, s[i], kind + " state " + t + "/" + i);
                    }
                }
            }
            // Kept weights did move.
            assertNotEquals(0f, ps.get(3).value.data[firstKept(ps.get(3))]);
        }
    }

    static int firstKept(Parameter p) { for (int i = 0; i < p.size(); i++) if (p.mask[i] != 0) return i; return -1; }

    static float[][] state(Optimizer opt, int t) {
        if (opt instanceof Sgd s) return new float[][] {s.momentumBuffer(t)};
        Adam a = (Adam) opt;
        return new float[][] {a.firstMoment(t), a.secondMoment(t)};
    }

    @Test
    void fusedClipScaleAndValueEqualClippingTheGradientsFirst() {
        Rng rng = new Rng(21);
        Parameter a = param(rng, 300), b = param(new Rng(21), 300);
        randomGrad(a, rng);
        System.arraycopy(a.grad.data, 0, b.grad.data, 0, 300);
        Sgd fused = new Sgd(List.of(a), 0.1f, 0.9f, 0f, false), plain = new Sgd(List.of(b), 0.1f, 0.9f, 0f, false);
        double norm = GradClip.globalNorm(List.of(a));
        float s = GradClip.normScale(norm, norm / 3);
        fused.step(s, 0.05f);
        GradClip.clipByNorm(List.of(b), norm / 3);
        GradClip.clipByValue(List.of(b), 0.05f);
        plain.step(1f, 0f);
        assertArrayEquals(b.value.data, a.value.data);
    }

    @Test
    void clipByNormLeavesGlobalNormAtMinOfNormAndMax() {
        Rng rng = new Rng(31);
        List<Parameter> ps = List.of(param(rng, 7), param(rng, 129), param(rng, 1));
        for (double maxNorm : new double[] {0.5, 2.0, 1e6}) {
            for (Parameter p : ps) { randomGrad(p, rng); for (int i = 0; i < p.size(); i++) p.grad.data[i] *= 10; }
            double before = GradClip.clipByNorm(ps, maxNorm);
            double after = GradClip.globalNorm(ps);
            double want = Math.min(before, maxNorm);
            assertEquals(want, after, want * 1e-6, "maxNorm " + maxNorm + " pre-clip " + before);
        }
    }

    @Test
    void clipByValueBoundsEveryElement() {
        Rng rng = new Rng(32);
        List<Parameter> ps = List.of(param(rng, 129), param(rng, 7));
        for (Parameter p : ps) { randomGrad(p, rng); p.grad.data[0] = 1e30f; }
        GradClip.clipByValue(ps, 0.25f);
        for (Parameter p : ps) for (float g : p.grad.data) assertTrue(g >= -0.25f && g <= 0.25f, "g=" + g);
        assertEquals(0.25f, ps.get(0).grad.data[0]);
    }

    @Test
    void badHyperparametersAreRejected() {
        List<Parameter> ps = List.of(param(new Rng(1), 3));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, -1f, 0f, 0f, false));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, Float.NaN, 0f, 0f, false));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 0.1f, 1f, 0f, false));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 0.1f, 0f, 0f, true));
        assertThrows(IllegalArgumentException.class, () -> new Adam(ps, 0.1f, 1f, 0.9f, 1e-8f, 0f));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipByNorm(ps, 0));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipByValue(ps, Float.POSITIVE_INFINITY));
    }
}
