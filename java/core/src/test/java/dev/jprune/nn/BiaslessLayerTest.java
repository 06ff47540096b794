package dev.jprune.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.gpu.train.GpuModel;
import dev.jprune.tensor.Tensor;
import dev.jprune.testutil.GradCheck;
import dev.jprune.testutil.GradCheckConv;
import dev.jprune.util.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Linear and Conv2d without bias: PyTorch's {@code bias=False}: no "bias" parameter, y = x·Wᵀ / W * x. */
class BiaslessLayerTest {

    @ParameterizedTest(name = "Linear N={0} in={1} out={2} no bias")
    @CsvSource({"1,1,1", "3,7,5", "7,129,9"})
    void linearGradientsWithoutBias(int n, int in, int out) {
        Rng rng = new Rng(2000 + n * 31 + in * 7 + out);
        Linear lin = new Linear(in, out, false, rng);
        Tensor x = GradCheck.randomAwayFromZero(rng, 0.05f, n, in);
        float[] r = GradCheck.random(n * out, rng, -1, 1);
        lin.forward(x, true);
        lin.weight.zeroGrad();
        Tensor dx = lin.backward(Tensor.wrap(r.clone(), n, out));
        java.util.function.Supplier<Double> loss = () -> GradCheck.project(lin.forward(x, false), r);
        GradCheck.check("Linear dx", x.data, dx.data, loss, 1e-2f, 1e-3, 1e-4, 200, rng);
        GradCheck.check("Linear dW", lin.weight.value.data, lin.weight.grad.data, loss, 1e-2f, 1e-3, 1e-4, 200, rng);
    }

    @Test
    void conv2dGradientsWithoutBias() {
        Rng rng = new Rng(98);
        int[][] cases = {{2, 3, 4, 7, 3, 1, 1}, {1, 2, 3, 9, 5, 2, 2}, {2, 1, 2, 7, 1, 1, 0}};
        for (int[] cs : cases) {
            Conv2d conv = new Conv2d(cs[1], cs[2], cs[4], cs[5], cs[6], false, rng);
            Tensor x = Tensor.zeros(cs[0], cs[1], cs[3], cs[3]);
            rng.fillUniform(x.data, -1f, 1f);
            GradCheckConv.check(conv.describe(), conv, x, 5, 1e-2f, 1e-2, 1e-3); // checks every parameter: the weight
        }
    }

    /** The weight is drawn first either way, so a layer without bias has the same weight as one with it. */
    @Test
    void noBiasParameterAndTheSameWeightDraws() {
        Linear with = new Linear(7, 3, new Rng(4)), without = new Linear(7, 3, false, new Rng(4));
        assertNull(without.bias);
        assertFalse(without.hasBias());
        assertEquals(List.of(without.weight), without.parameters());
        assertArrayEquals(with.weight.value.data, without.weight.value.data);
        Conv2d cw = new Conv2d(2, 3, 3, 1, 1, new Rng(5)), cn = new Conv2d(2, 3, 3, 1, 1, false, new Rng(5));
        assertNull(cn.bias());
        assertEquals(List.of(cn.weight()), cn.parameters());
        assertArrayEquals(cw.weight().value.data, cn.weight().value.data);
        Sequential net = new Sequential(new Flatten(), new Linear(4, 3, false, new Rng(1)), new ReLU(),
                new Linear(3, 2, new Rng(2)));
        assertEquals(List.of("1.weight", "3.weight", "3.bias"), List.copyOf(net.namedParameters().keySet()));
        assertTrue(without.describe().contains("no bias"), without.describe());
    }

    /** Without bias the output is the with-bias layer's output minus its bias, exactly (the same products). */
    @Test
    void forwardIsTheBiasedOutputWithoutTheBias() {
        Rng rng = new Rng(6);
        Linear with = new Linear(9, 4, new Rng(7)), without = new Linear(9, 4, false, new Rng(7));
        java.util.Arrays.fill(with.bias.value.data, 0f);
        Tensor x = GradCheck.randomAwayFromZero(rng, 0.05f, 5, 9);
        assertArrayEquals(with.forward(x, false).data, without.forward(x, false).data);
        Conv2d cw = new Conv2d(2, 3, 3, 2, 1, new Rng(8)), cn = new Conv2d(2, 3, 3, 2, 1, false, new Rng(8));
        java.util.Arrays.fill(cw.bias().value.data, 0f);
        Tensor xi = Tensor.zeros(2, 2, 7, 7);
        rng.fillUniform(xi.data, -1f, 1f);
        assertArrayEquals(cw.forward(xi, false).data, cn.forward(xi, false).data);
    }

    /** The device kernels always add a bias: the GPU path names such a layer, so --device auto picks the CPU. */
    @Test
    void gpuPathRefusesLayersWithoutBiasByName() {
        Sequential lin = new Sequential(new Linear(4, 3, new Rng(1)), new ReLU(), new Linear(3, 2, false, new Rng(2)));
        String why = GpuModel.unsupportedLayer(lin);
        assertNotNull(why);
        assertTrue(why.startsWith("layer 2 (") && why.contains("without bias"), why);
        Sequential conv = new Sequential(new Conv2d(1, 2, 3, 1, 0, false, new Rng(3)));
        assertTrue(GpuModel.unsupportedLayer(conv).startsWith("layer 0 ("), GpuModel.unsupportedLayer(conv));
        assertNull(GpuModel.unsupportedLayer(new Sequential(new Linear(4, 3, new Rng(1)))));
    }
}
