package dev.jprune.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Linear;
import dev.jprune.nn.Parameter;
import dev.jprune.util.Rng;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Optimizer calls a user gets wrong are refused before any weight or state changes (SGD and Adam alike). */
class OptimizerMisuseTest {
    private static final List<Function<List<Parameter>, Optimizer>> OPTIMIZERS = List.of(
            ps -> new Sgd(ps, 0.1f, 0.9f, 0f, false), ps -> new Adam(ps, 0.01f));

    private static Linear layer() {
        Linear l = new Linear(3, 2, new Rng(4));
        l.weight.grad.fill(0.5f);
        l.bias.grad.fill(-0.25f);
        return l;
    }

    @Test
    void setLearningRateRefusesWhatTheConstructorRefusesAndKeepsTheRate() {
        for (var make : OPTIMIZERS) {
            Optimizer o = make.apply(layer().parameters());
            float lr = o.learningRate();
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, 0f, -0.1f}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> o.setLearningRate(bad), o.describe() + " " + bad);
                assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
                assertEquals(lr, o.learningRate());
            }
            o.setLearningRate(0.002f);
            assertEquals(0.002f, o.learningRate());
        }
    }

    @Test
    void stepRefusesANonFiniteOrNegativeGradientScaleBeforeTouchingWeights() {
        for (var make : OPTIMIZERS) {
            Linear l = layer();
            Optimizer o = make.apply(l.parameters());
            float[] before = l.weight.value.data.clone();
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, -1f}) {
                assertThrows(IllegalArgumentException.class, () -> o.step(bad, 0f), o.describe() + " " + bad);
            }
            assertArrayEquals(before, l.weight.value.data, "no NaN written into the weights");
            o.step(1f, 0f);
            assertNotEquals(before[0], l.weight.value.data[0], "a valid step still moves the weights");
        }
    }

    @Test
    void stepAndEnforceMasksRefuseAHandSetMaskOfAnotherLength() {
        for (var make : OPTIMIZERS) {
            Linear l = layer();
            Optimizer o = make.apply(l.parameters());
            l.weight.mask = new byte[5]; // the weight has 6 values
            float[] before = l.weight.value.data.clone();
            float[] bias = l.bias.value.data.clone();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.step(1f, 0f));
            assertTrue(e.getMessage().contains("5 entries for 6 values"), e.getMessage());
            assertArrayEquals(before, l.weight.value.data);
            assertArrayEquals(bias, l.bias.value.data, "checked before the first parameter is stepped");
            assertThrows(IllegalArgumentException.class, o::enforceMasks);
        }
    }

    @Test
    void adamRefusesAnInfiniteEpsilonThatWouldFreezeEveryWeight() {
        List<Parameter> ps = layer().parameters();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Adam(ps, 0.01f, 0.9f, 0.999f, Float.POSITIVE_INFINITY, 0f));
        assertTrue(e.getMessage().contains("eps"), e.getMessage());
    }
}
