package dev.jprune.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.nn.Parameter;
import dev.jprune.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pins the optimizers' exact update rules, state handling and argument checks against torch's documented formulas. */
class OptimizerMathTest {

    /** Deterministic weights: w[i] = sin(i + 1) * 0.9. */
    static Parameter param(int n) {
        Tensor t = Tensor.zeros(n);
        for (int i = 0; i < n; i++) t.data[i] = (float) (Math.sin(i + 1) * 0.9);
        return new Parameter("weight", Parameter.Kind.WEIGHT, t);
    }

    /** Deterministic gradient for step s: g[i] = cos(1.7 i + s) * (1 + i % 3). */
    static void grad(Parameter p, int s) {
        for (int i = 0; i < p.size(); i++) p.grad.data[i] = (float) (Math.cos(1.7 * i + s) * (1 + i % 3));
    }

    /** Masks every third position (i % 3 == 1) and zeroes the weight there. */
    static void maskThirds(Parameter p) {
        p.mask = new byte[p.size()];
        for (int i = 0; i < p.size(); i++) p.mask[i] = (byte) (i % 3 == 1 ? 0 : 1);
        p.applyMask();
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * (1 + Math.abs(expected[i])), what + "[" + i + "]");
        }
    }

    static void assertMessage(Class<? extends Throwable> type, String part, Runnable r) {
        Throwable e = assertThrows(type, r::run);
        assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
    }

    // ---------------------------------------------------------------- Adam

    /** torch.optim.Adam, one step in double: L2 decay into g, moments, bias corrections, eps outside the sqrt. */
    static void adamRef(double[] w, double[] m, double[] v, float[] g, byte[] mask, double lr, double b1, double b2,
                        double eps, double wd, int t) {
        for (int i = 0; i < w.length; i++) {
            if (mask != null && mask[i] == 0) { w[i] = 0; m[i] = 0; v[i] = 0; continue; }
            double d = g[i] + wd * w[i];
            m[i] = b1 * m[i] + (1 - b1) * d;
            v[i] = b2 * v[i] + (1 - b2) * d * d;
            double mhat = m[i] / (1 - Math.pow(b1, t));
            double vhat = v[i] / (1 - Math.pow(b2, t));
            w[i] -= lr * mhat / (Math.sqrt(vhat) + eps);
        }
    }

    /** Adam with b1=0.7, b2=0.95, eps=0.05, wd=0.1 over 3 steps, masked and dense, matches the documented formula. */
    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 129})
    void adamMatchesDocumentedFormulaWithNonDefaultHyperparameters(int n) {
        Parameter p = param(n);
        if (n > 1) maskThirds(p);
        float lr = 0.03f, b1 = 0.7f, b2 = 0.95f, eps = 0.05f, wd = 0.1f;
        Adam adam = new Adam(List.of(p), lr, b1, b2, eps, wd);
        assertNull(adam.firstMoment(0), "no moments before the first step");
        double[] w = toDouble(p.value.data), m = new double[n], v = new double[n];
        for (int s = 1; s <= 3; s++) {
            grad(p, s);
            adamRef(w, m, v, p.grad.data, p.mask, lr, b1, b2, eps, wd, s);
            adam.step(1f, 0f);
            assertEquals(s, adam.stepCount(), "step count");
            assertClose(w, p.value.data, 2e-6, "w step " + s);
            assertClose(m, adam.firstMoment(0), 2e-6, "m step " + s);
            assertClose(v, adam.secondMoment(0), 2e-6, "v step " + s);
        }
    }

    /** After one step from zero state: m = (1-b1) g and v = (1-b2) g^2 exactly as documented (no decay). */
    @Test
    void adamFirstStepMomentsAreOneMinusBetaTimesGradAndGradSquared() {
        Parameter p = param(7);
        grad(p, 1);
        Adam adam = new Adam(List.of(p), 0.01f, 0.6f, 0.8f, 1e-3f, 0f);
        adam.step(1f, 0f);
        for (int i = 0; i < 7; i++) {
            double g = p.grad.data[i];
            assertEquals(0.4 * g, adam.firstMoment(0)[i], 1e-6);
            assertEquals(0.2 * g * g, adam.secondMoment(0)[i], 1e-6);
        }
    }

    /** enforceMasks zeroes weight, m and v at newly pruned positions and leaves kept positions' moments alone. */
    @Test
    void adamEnforceMasksZeroesPrunedWeightAndMomentsOnly() {
        Parameter dense = param(5), p = param(7);
        Adam adam = new Adam(List.of(dense, p), 0.01f);
        adam.enforceMasks(); // before any step: no moments, must not fail
        grad(dense, 1);
        grad(p, 1);
        adam.step(1f, 0f);
        float[] m0 = adam.firstMoment(1).clone(), v0 = adam.secondMoment(1).clone(), w0 = p.value.data.clone();
        maskThirds(p);
        p.value.data[1] = 0.5f; // as if the mask were set without applying it
        adam.enforceMasks();
        for (int i = 0; i < 7; i++) {
            boolean pruned = i % 3 == 1;
            assertEquals(pruned ? 0f : w0[i], p.value.data[i], "w[" + i + "]");
            assertEquals(pruned ? 0f : m0[i], adam.firstMoment(1)[i], "m[" + i + "]");
            assertEquals(pruned ? 0f : v0[i], adam.secondMoment(1)[i], "v[" + i + "]");
        }
    }

    /** enforceMasks applies the mask to the weights even when no step has created moments yet. */
    @Test
    void adamEnforceMasksBeforeAnyStepAppliesMask() {
        Parameter p = param(4);
        p.mask = new byte[] {1, 0, 1, 0};
        Adam adam = new Adam(List.of(p), 0.01f);
        adam.enforceMasks();
        assertEquals(0f, p.value.data[1]);
        assertEquals(0f, p.value.data[3]);
        assertNull(adam.firstMoment(0));
    }

    /** setState copies the arrays and step; the next step continues the documented formula from them at t = step+1. */
    @Test
    void adamSetStateResumesFromGivenMomentsAndStep() {
        Parameter a = param(7), b = param(3);
        float lr = 0.02f, b1 = 0.8f, b2 = 0.9f, eps = 0.01f;
        Adam adam = new Adam(List.of(a, b), lr, b1, b2, eps, 0f);
        float[] m = new float[7], v = new float[7];
        for (int i = 0; i < 7; i++) { m[i] = 0.1f * (i - 3); v[i] = 0.05f * (i + 1); }
        adam.setState(4, new float[][] {m, null}, new float[][] {v, null});
        assertEquals(4, adam.stepCount());
        assertArrayEquals(m, adam.firstMoment(0));
        assertArrayEquals(v, adam.secondMoment(0));
        assertNull(adam.firstMoment(1), "null first moment stays null");
        assertNull(adam.secondMoment(1), "null second moment stays null");
        m[0] = 99f;
        v[0] = 99f;
        assertEquals(-0.3f, adam.firstMoment(0)[0], "setState keeps a copy of m");
        assertEquals(0.05f, adam.secondMoment(0)[0], "setState keeps a copy of v");
        double[] w = toDouble(a.value.data), md = toDouble(adam.firstMoment(0)), vd = toDouble(adam.secondMoment(0));
        grad(a, 2);
        grad(b, 2);
        adam.step(1f, 0f);
        adamRef(w, md, vd, a.grad.data, null, lr, b1, b2, eps, 0, 5);
        assertClose(w, a.value.data, 2e-6, "w after resume");
        assertClose(md, adam.firstMoment(0), 2e-6, "m after resume");
        assertNotNull(adam.firstMoment(1), "step creates the missing moments");
        adam.setState(0, new float[2][], new float[2][]);
        assertEquals(0, adam.stepCount(), "step 0 is allowed");
        assertNull(adam.firstMoment(0));
    }

    /** setState rejects a negative step, wrong array counts, null mismatches and wrong lengths, naming the problem. */
    @Test
    void adamSetStateRejectsInconsistentState() {
        Adam adam = new Adam(List.of(param(3), param(2)), 0.01f);
        float[] three = new float[3], two = new float[2];
        assertMessage(IllegalArgumentException.class, "negative step -1",
                () -> adam.setState(-1, new float[2][], new float[2][]));
        assertMessage(IllegalArgumentException.class, "1 / 2 moment arrays for 2 parameters",
                () -> adam.setState(1, new float[1][], new float[2][]));
        assertMessage(IllegalArgumentException.class, "2 / 3 moment arrays for 2 parameters",
                () -> adam.setState(1, new float[2][], new float[3][]));
        String p0 = "moments of parameter 0 do not match its 3 elements";
        assertMessage(IllegalArgumentException.class, p0,
                () -> adam.setState(1, new float[][] {three, null}, new float[][] {null, null}));
        assertMessage(IllegalArgumentException.class, p0,
                () -> adam.setState(1, new float[][] {null, null}, new float[][] {three, null}));
        assertMessage(IllegalArgumentException.class, p0,
                () -> adam.setState(1, new float[][] {two, null}, new float[][] {three, null}));
        assertMessage(IllegalArgumentException.class, p0,
                () -> adam.setState(1, new float[][] {three, null}, new float[][] {two, null}));
        assertMessage(IllegalArgumentException.class, "moments of parameter 1 do not match its 2 elements",
                () -> adam.setState(1, new float[][] {three, three}, new float[][] {three, two}));
        assertEquals(0, adam.stepCount(), "a rejected setState changes nothing");
        assertNull(adam.firstMoment(0));
    }

    /** reset clears moments and the step count; the next step is a first step again (bias correction t = 1). */
    @Test
    void adamResetClearsMomentsAndStepCount() {
        Parameter p = param(7);
        Adam adam = new Adam(List.of(p), 0.01f, 0.5f, 0.75f, 0.1f, 0f);
        grad(p, 1);
        adam.step(1f, 0f);
        adam.step(1f, 0f);
        adam.reset();
        assertEquals(0, adam.stepCount());
        assertNull(adam.firstMoment(0));
        assertNull(adam.secondMoment(0));
        double[] w = toDouble(p.value.data);
        adamRef(w, new double[7], new double[7], p.grad.data, null, 0.01, 0.5, 0.75, 0.1, 0, 1);
        adam.step(1f, 0f);
        assertClose(w, p.value.data, 2e-6, "w after reset");
    }

    /** Accessors return the constructor's values; describe names every hyper-parameter in PyTorch's words. */
    @Test
    void adamAccessorsAndDescribe() {
        Parameter p = param(2);
        Adam adam = new Adam(List.of(p), 0.25f, 0.5f, 0.75f, 0.125f, 0.5f);
        assertEquals(0.25f, adam.learningRate());
        assertEquals(List.of(p), adam.parameters());
        assertSame(p, adam.parameters().get(0));
        assertEquals("Adam(lr=0.25, betas=(0.5, 0.75), eps=0.125, weight_decay=0.5)", adam.describe());
        adam.setLearningRate(0.5f);
        assertEquals(0.5f, adam.learningRate());
    }

    /** Argument checks at their boundaries: lr 0, beta 1 and eps 0 are rejected; beta 0 is accepted. */
    @Test
    void adamArgumentBoundaries() {
        List<Parameter> ps = List.of(param(2));
        assertMessage(IllegalArgumentException.class, "learning rate must be positive and finite, got 0.0",
                () -> new Adam(ps, 0f));
        assertMessage(IllegalArgumentException.class, "betas must be in [0, 1), got 1.0, 0.5",
                () -> new Adam(ps, 0.1f, 1f, 0.5f, 1e-8f, 0f));
        assertMessage(IllegalArgumentException.class, "betas must be in [0, 1), got 0.5, 1.0",
                () -> new Adam(ps, 0.1f, 0.5f, 1f, 1e-8f, 0f));
        assertMessage(IllegalArgumentException.class, "eps must be positive and finite, got 0.0",
                () -> new Adam(ps, 0.1f, 0.5f, 0.5f, 0f, 0f));
        assertEquals(0f, new Adam(ps, 0.1f, 0f, 0.5f, 1e-8f, 0f).beta1, "beta1 = 0 is allowed");
        assertEquals(0f, new Adam(ps, 0.1f, 0.5f, 0f, 1e-8f, 0f).beta2, "beta2 = 0 is allowed");
    }

    // ---------------------------------------------------------------- SGD

    /** torch.optim.SGD, one step in double (dampening 0): decay, buffer b = mu b + d (first b = d), Nesterov. */
    static void sgdRef(double[] w, double[] b, float[] g, byte[] mask, double lr, double mu, double wd,
                       boolean nesterov, boolean first) {
        for (int i = 0; i < w.length; i++) {
            if (mask != null && mask[i] == 0) { w[i] = 0; b[i] = 0; continue; }
            double d = g[i] + wd * w[i];
            b[i] = first ? d : mu * b[i] + d;
            d = nesterov ? d + mu * b[i] : b[i];
            w[i] -= lr * d;
        }
    }

    /** SGD with momentum 0.7, wd 0.05, plain and Nesterov, over 3 steps with a mask, matches the formula. */
    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 129})
    void sgdMatchesDocumentedFormula(int n) {
        for (boolean nesterov : new boolean[] {false, true}) {
            Parameter p = param(n);
            if (n > 1) maskThirds(p);
            Sgd sgd = new Sgd(List.of(p), 0.05f, 0.7f, 0.05f, nesterov);
            double[] w = toDouble(p.value.data), b = new double[n];
            for (int s = 1; s <= 3; s++) {
                grad(p, s);
                sgdRef(w, b, p.grad.data, p.mask, 0.05, 0.7, 0.05, nesterov, s == 1);
                sgd.step(1f, 0f);
                assertClose(w, p.value.data, 2e-6, "w step " + s + " nesterov " + nesterov);
                assertClose(b, sgd.momentumBuffer(0), 2e-6, "buf step " + s);
            }
        }
    }

    /** enforceMasks zeroes the weight (and buffer) at pruned positions. */
    @Test
    void sgdEnforceMasksZeroesPrunedWeights() {
        Parameter p = param(7);
        Sgd sgd = new Sgd(List.of(p), 0.1f, 0.5f, 0f, false);
        grad(p, 1);
        sgd.step(1f, 0f);
        float[] w0 = p.value.data.clone();
        p.mask = new byte[] {1, 0, 1, 1, 0, 1, 1};
        sgd.enforceMasks();
        for (int i = 0; i < 7; i++) {
            boolean pruned = p.mask[i] == 0;
            assertEquals(pruned ? 0f : w0[i], p.value.data[i], "w[" + i + "]");
            if (pruned) assertEquals(0f, sgd.momentumBuffer(0)[i], "buf[" + i + "]");
            else assertTrue(sgd.momentumBuffer(0)[i] != 0f, "kept buffer untouched");
        }
    }

    /** setMomentumBuffer stores a copy (null clears it) and the next step continues b = mu b + d from it. */
    @Test
    void sgdSetMomentumBufferCopiesAndResumes() {
        Parameter p = param(3);
        Sgd sgd = new Sgd(List.of(p), 0.1f, 0.5f, 0f, false);
        float[] b = {1f, -2f, 0.5f};
        sgd.setMomentumBuffer(0, b);
        b[0] = 42f;
        assertArrayEquals(new float[] {1f, -2f, 0.5f}, sgd.momentumBuffer(0), "a copy is kept");
        double[] w = toDouble(p.value.data), bd = {1, -2, 0.5};
        grad(p, 1);
        sgd.step(1f, 0f);
        sgdRef(w, bd, p.grad.data, null, 0.1, 0.5, 0, false, false);
        assertClose(w, p.value.data, 2e-6, "w after resume");
        sgd.setMomentumBuffer(0, null);
        assertNull(sgd.momentumBuffer(0));
        assertMessage(IllegalArgumentException.class, "2 values for parameter 0 of 3",
                () -> sgd.setMomentumBuffer(0, new float[2]));
    }

    /** reset drops the buffer; accessors and describe (with and without Nesterov) report the settings. */
    @Test
    void sgdAccessorsDescribeAndReset() {
        Parameter p = param(2);
        Sgd plain = new Sgd(List.of(p), 0.25f, 0.5f, 0.125f, false);
        assertEquals("SGD(lr=0.25, momentum=0.5, weight_decay=0.125)", plain.describe());
        assertEquals("SGD(lr=0.25, momentum=0.5, nesterov, weight_decay=0.125)",
                new Sgd(List.of(p), 0.25f, 0.5f, 0.125f, true).describe());
        assertEquals(0.25f, plain.learningRate());
        assertSame(p, plain.parameters().get(0));
        assertEquals(1, plain.parameters().size());
        plain.step(1f, 0f);
        assertNotNull(plain.momentumBuffer(0));
        plain.reset();
        assertNull(plain.momentumBuffer(0));
    }

    /** SGD argument checks: lr 0 and momentum 1 rejected; momentum 0 (plain SGD, no buffer) accepted. */
    @Test
    void sgdArgumentBoundaries() {
        List<Parameter> ps = List.of(param(2));
        assertMessage(IllegalArgumentException.class, "learning rate must be positive and finite, got 0.0",
                () -> new Sgd(ps, 0f, 0f, 0f, false));
        assertMessage(IllegalArgumentException.class, "momentum must be in [0, 1), got 1.0",
                () -> new Sgd(ps, 0.1f, 1f, 0f, false));
        Sgd s = new Sgd(ps, 0.1f, 0f, 0f, false);
        s.step(1f, 0f);
        assertNull(s.momentumBuffer(0), "momentum 0 keeps no buffer");
    }

    // ---------------------------------------------------------------- GradMask

    /** BELOW zeroes |g| <= eps (boundary at exactly eps, both signs), ABOVE zeroes |g| > eps, CLAMP into [0, eps]. */
    @Test
    void gradMaskRulesAtTheEpsBoundary() {
        float e = 0.25f;
        float[] g = {0.25f, -0.25f, 0.2500001f, -0.3f, 0.1f, 0f, -0.1f};
        float[] below = g.clone(), above = g.clone(), clamp = g.clone();
        new GradMask(GradMask.Mode.BELOW, e).apply(below, below.length);
        new GradMask(GradMask.Mode.ABOVE, e).apply(above, above.length);
        new GradMask(GradMask.Mode.CLAMP, e).apply(clamp, clamp.length);
        assertArrayEquals(new float[] {0f, 0f, 0.2500001f, -0.3f, 0f, 0f, 0f}, below);
        assertArrayEquals(new float[] {0.25f, -0.25f, 0f, 0f, 0.1f, 0f, -0.1f}, above);
        assertArrayEquals(new float[] {0.25f, 0f, 0.25f, 0f, 0.1f, 0f, 0f}, clamp);
    }

    /** NONE is inactive, masking modes are active; eps 0 is rejected for a masking mode. */
    @Test
    void gradMaskActiveAndEpsCheck() {
        assertFalse(GradMask.NONE.active());
        assertTrue(new GradMask(GradMask.Mode.ABOVE, 1f).active());
        assertMessage(IllegalArgumentException.class, "positive finite number, got 0.0",
                () -> new GradMask(GradMask.Mode.BELOW, 0f));
    }

    /** describe gives "none" or "mode:eps", and parse reads it back. */
    @Test
    void gradMaskDescribeRoundTrips() {
        assertEquals("none", GradMask.NONE.describe());
        assertEquals("below:0.5", new GradMask(GradMask.Mode.BELOW, 0.5f).describe());
        assertEquals("clamp:0.25", new GradMask(GradMask.Mode.CLAMP, 0.25f).describe());
        assertEquals(new GradMask(GradMask.Mode.ABOVE, 0.125f), GradMask.parse(" Above:0.125 "));
        assertSame(GradMask.NONE, GradMask.parse(GradMask.NONE.describe()));
    }

    // ---------------------------------------------------------------- GradClip

    /** normScale = min(1, max / (norm + 1e-6)); a non-positive max means no clipping (1). */
    @Test
    void normScaleFormulaAndBoundaries() {
        assertEquals(1f, GradClip.normScale(5.0, 0.0), "max 0: no clipping");
        assertEquals(1f, GradClip.normScale(5.0, -1.0), "negative max: no clipping");
        assertEquals((float) (1e-7 / 2e-6), GradClip.normScale(1e-6, 1e-7), 1e-9, "the 1e-6 is added to the norm");
        assertEquals((float) (2.0 / (2.0 + 1e-6)), GradClip.normScale(2.0, 2.0), "norm == max: just below 1");
        assertTrue(GradClip.normScale(2.0, 2.0) < 1f);
        assertEquals(1f, GradClip.normScale(1.0, 3.0), "norm below max: 1");
        assertThrows(ArithmeticException.class, () -> GradClip.normScale(Double.NaN, 1.0));
    }

    /** clipByNorm scales grads by max/(norm+1e-6) when norm >= max and returns the pre-clip norm. */
    @Test
    void clipByNormScalesByDocumentedFactor() {
        Parameter p = param(2);
        p.grad.data[0] = 3f;
        p.grad.data[1] = 4f;
        assertEquals(5.0, GradClip.clipByNorm(List.of(p), 2.5), 0.0);
        double s = 2.5 / (5.0 + 1e-6);
        assertEquals(3 * s, p.grad.data[0], 1e-6);
        assertEquals(4 * s, p.grad.data[1], 1e-6);
    }

    /** clipByValue clamps into [-c, c]; c = 0 is rejected. */
    @Test
    void clipByValueClampsAndRejectsZero() {
        Parameter p = param(3);
        p.grad.data[0] = 2f;
        p.grad.data[1] = -2f;
        p.grad.data[2] = 0.5f;
        GradClip.clipByValue(List.of(p), 1f);
        assertArrayEquals(new float[] {1f, -1f, 0.5f}, p.grad.data);
        assertMessage(IllegalArgumentException.class, "bound must be positive and finite, got 0.0",
                () -> GradClip.clipByValue(List.of(p), 0f));
    }
}
