package dev.jprune.models;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Parameter;
import dev.jprune.nn.loss.SoftmaxCrossEntropy;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelsTest {
    /** Parameter counts of the documented architectures, computed by hand from their layer sizes. */
    @Test
    void everyModelBuildsWithItsDocumentedSizeAndTrainsOneStep() {
        long[][] expected = {
                {784L * 128 + 128 + 128L * 10 + 10},                                       // mlp-128
                {784L * 300 + 300 + 300L * 100 + 100 + 100L * 10 + 10},                    // lenet-300-100
                {20L * 25 + 20 + 50L * 20 * 25 + 50 + 800L * 500 + 500 + 500L * 10 + 10},  // lenet-5
                {64L * 27 + 64 + 128L * 64 * 9 + 128 + 8192L * 1024 + 1024                 // cifar-cnn-a
                        + 1024L * 10 + 10},
                {32L * 27 + 32 + 64L * 32 * 9 + 64 + 64L * 64 * 9 + 64 + 1024L * 64 + 64   // cifar-cnn-b
                        + 64L * 10 + 10},
                {11}, {2}};                                                                // linear-regression (10, 1)
        for (int i = 0; i < Models.NAMES.size(); i++) {
            String name = Models.NAMES.get(i);
            ModelSpec m = Models.build(name, 3);
            assertEquals(expected[i][0], m.net().parameterCount(), name);
            int[] shape = new int[m.sampleShape().length + 1];
            shape[0] = 2;
            System.arraycopy(m.sampleShape(), 0, shape, 1, m.sampleShape().length);
            Tensor x = Tensor.zeros(shape);
            new Rng(5).fillUniform(x.data, -1, 1);
            Tensor y = m.net().forward(x, true);
            assertArrayEquals(new int[] {2, m.outputs()}, y.shape(), name);
            assertArrayEquals(m.net().outputShape(shape), y.shape(), name);
            if (m.task() == ModelSpec.Task.CLASSIFICATION) {
                Tensor d = Tensor.zeros(y.shape());
                SoftmaxCrossEntropy.lossAndGrad(y, new int[] {1, 7}, d);
                m.net().zeroGrad();
                m.net().backward(d, false);
                List<Parameter> ps = m.net().parameters();
                for (Parameter p : ps) {
                    boolean any = false;
                    for (float g : p.grad.data) if (g != 0f) { any = true; break; }
                    assertTrue(any, name + ": no gradient reached " + p.localName + " "
                            + java.util.Arrays.toString(p.value.shape()));
                }
            }
        }
    }

    @Test
    void sameSeedSameWeightsDifferentSeedDifferent() {
        float[] a = Models.build("lenet-5", 1).net().parameters().get(0).value.data;
        float[] b = Models.build("lenet-5", 1).net().parameters().get(0).value.data;
        float[] c = Models.build("lenet-5", 2).net().parameters().get(0).value.data;
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c));
        assertThrows(IllegalArgumentException.class, () -> Models.build("resnet-50", 1));
    }
}
