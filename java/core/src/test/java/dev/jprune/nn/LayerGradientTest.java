package dev.jprune.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.loss.MeanSquaredError;
import dev.jprune.nn.loss.SoftmaxCrossEntropy;
import dev.jprune.tensor.Tensor;
import dev.jprune.testutil.GradCheck;
import dev.jprune.util.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of every layer and loss owned by the lead (Conv2d/MaxPool2d have their own). */
class LayerGradientTest {

    @ParameterizedTest(name = "Linear N={0} in={1} out={2}")
    @CsvSource({"1,1,1", "1,7,3", "3,7,5", "7,129,9", "2,33,1"})
    void linearGradients(int n, int in, int out) {
        Rng rng = new Rng(1000 + n * 31 + in * 7 + out);
        Linear lin = new Linear(in, out, rng);
        Tensor x = GradCheck.randomAwayFromZero(rng, 0.05f, n, in);
        float[] r = GradCheck.random(n * out, rng, -1, 1);
        Tensor y = lin.forward(x, true);
        lin.weight.zeroGrad(); lin.bias.zeroGrad();
        Tensor dx = lin.backward(Tensor.wrap(r.clone(), n, out));
        java.util.function.Supplier<Double> loss = () -> GradCheck.project(lin.forward(x, false), r);
        GradCheck.check("Linear dx", x.data, dx.data, loss, 1e-2f, 1e-3, 1e-4, 200, rng);
        GradCheck.check("Linear dW", lin.weight.value.data, lin.weight.grad.data, loss, 1e-2f, 1e-3, 1e-4, 200, rng);
        GradCheck.check("Linear db", lin.bias.value.data, lin.bias.grad.data, loss, 1e-2f, 1e-3, 1e-4, 200, rng);
        assertEquals(n * out, y.size());
    }

    @Test
    void linearBackwardAccumulatesIntoGrad() {
        Rng rng = new Rng(5);
        Linear lin = new Linear(7, 3, rng);
        Tensor x = GradCheck.randomAwayFromZero(rng, 0.1f, 4, 7);
        Tensor dy = GradCheck.randomAwayFromZero(rng, 0.1f, 4, 3);
        lin.forward(x, true);
        lin.backward(dy);
        float[] once = lin.weight.grad.data.clone();
        lin.forward(x, true);
        lin.backward(dy);
        for (int i = 0; i < once.length; i++)
            assertEquals(2 * once[i], lin.weight.grad.data[i], 1e-5f * Math.abs(once[i]) + 1e-7f);
    }

    @Test
    void linearRejectsWrongShapeNamingBoth() {
        Linear lin = new Linear(784, 300, new Rng(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> lin.forward(Tensor.zeros(2, 3, 32, 32), false));
        assertTrue(e.getMessage().contains("784") && e.getMessage().contains("[2, 3, 32, 32]"), e.getMessage());
    }

    @ParameterizedTest(name = "ReLU n={0}")
    @CsvSource({"1", "7", "129"})
    void reluGradients(int n) {
        Rng rng = new Rng(n);
        ReLU relu = new ReLU();
        Tensor x = GradCheck.randomAwayFromZero(rng, 0.05f, 1, n);
        float[] r = GradCheck.random(n, rng, -1, 1);
        relu.forward(x, true);
        Tensor dx = relu.backward(Tensor.wrap(r.clone(), 1, n));
        GradCheck.check("ReLU dx", x.data, dx.data, () -> GradCheck.project(relu.forward(x, false), r), 1e-2f, 1e-4,
                1e-6, 200, rng);
    }

    @Test
    void dropoutIsIdentityAtEvalAndMatchesItsMaskInTraining() {
        Rng rng = new Rng(3);
        Dropout d = new Dropout(0.5f, 42);
        Tensor x = GradCheck.randomAwayFromZero(rng, 0.1f, 64, 129);
        assertSame(x, d.forward(x, false));
        Tensor y = d.forward(x, true);
        int kept = 0;
        for (int i = 0; i < x.size(); i++) {
            if (y.data[i] != 0) { kept++; assertEquals(x.data[i] * 2f, y.data[i], 1e-6f); }
        }
        double frac = kept / (double) x.size();
        assertTrue(Math.abs(frac - 0.5) < 0.03, "kept fraction " + frac);
        float[] r = GradCheck.random(x.size(), rng, -1, 1);
        Tensor dx = d.backward(Tensor.wrap(r.clone(), 64, 129));
        for (int i = 0; i < x.size(); i++) assertEquals(y.data[i] == 0 ? 0f : r[i] * 2f, dx.data[i], 1e-6f);
        // Same seed, same call count -> same mask; next call differs.
        Dropout d2 = new Dropout(0.5f, 42);
        assertArrayEquals(y.data, d2.forward(x, true).data);
        assertFalse(java.util.Arrays.equals(y.data, d2.forward(x, true).data));
    }

    @ParameterizedTest(name = "softmax-xent N={0} C={1}")
    @CsvSource({"1,1", "1,2", "7,10", "3,129"})
    void softmaxCrossEntropyGradient(int n, int c) {
        Rng rng = new Rng(n * 100 + c);
        Tensor logits = GradCheck.randomAwayFromZero(rng, 0.0f, n, c);
        for (int i = 0; i < logits.size(); i++) logits.data[i] *= 4;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = rng.nextInt(c);
        Tensor g = Tensor.zeros(n, c);
        SoftmaxCrossEntropy.lossAndGrad(logits, labels, g);
        GradCheck.check("softmax-xent", logits.data, g.data, () -> SoftmaxCrossEntropy.loss(logits, labels), 1e-3f,
                1e-2, 1e-5, 500, rng);
    }

    @Test
    void softmaxCrossEntropyIsStableForHugeLogitsAndMatchesLogSumExp() {
        Tensor logits = Tensor.wrap(new float[] {1000f, 0f, -1000f}, 1, 3);
        double l = SoftmaxCrossEntropy.loss(logits, new int[] {1});
        assertEquals(1000.0, l, 1e-3); // −log softmax = logsumexp − x_1 = 1000 − 0
        Tensor two = Tensor.wrap(new float[] {0f, 0f}, 1, 2);
        assertEquals(Math.log(2), SoftmaxCrossEntropy.loss(two, new int[] {0}), 1e-7);
        assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.loss(two, new int[] {2}));
    }

    @ParameterizedTest(name = "mse n={0}")
    @CsvSource({"1", "7", "129"})
    void mseGradient(int n) {
        Rng rng = new Rng(n + 7);
        Tensor p = GradCheck.randomAwayFromZero(rng, 0f, n, 1), t = GradCheck.randomAwayFromZero(rng, 0f, n, 1);
        Tensor g = Tensor.zeros(n, 1);
        MeanSquaredError.lossAndGrad(p, t, g);
        GradCheck.check("mse", p.data, g.data, () -> MeanSquaredError.lossAndGrad(p, t, Tensor.zeros(n, 1)), 1e-2f,
                1e-3, 1e-6, 200, rng);
    }

    @Test
    void sequentialChainsGradientsThroughAnMlp() {
        Rng rng = new Rng(77);
        Sequential net = new Sequential(new Linear(13, 9, rng), new ReLU(), new Flatten(), new Linear(9, 4, rng));
        Tensor x = GradCheck.randomAwayFromZero(rng, 0.05f, 5, 13);
        int[] labels = {0, 3, 1, 2, 3};
        Tensor logits = net.forward(x, true);
        Tensor g = Tensor.zeros(logits.shape());
        SoftmaxCrossEntropy.lossAndGrad(logits, labels, g);
        net.zeroGrad();
        Tensor dx = net.backward(g);
        java.util.function.Supplier<Double> loss = () -> SoftmaxCrossEntropy.loss(net.forward(x, false), labels);
        GradCheck.check("mlp dx", x.data, dx.data, loss, 1e-3f, 2e-2, 1e-5, 65, rng);
        for (var e : net.namedParameters().entrySet()) {
            GradCheck.check("mlp " + e.getKey(), e.getValue().value.data, e.getValue().grad.data, loss, 1e-3f,
                    2e-2, 1e-5, 60, rng);
        }
        assertEquals(java.util.List.of("0.weight", "0.bias", "3.weight", "3.bias"),
                java.util.List.copyOf(net.namedParameters().keySet()));
    }
}
