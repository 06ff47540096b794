package dev.jprune.models;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.ModelSpec.Task;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * A hand-built {@link ModelSpec} whose parts disagree is refused where it is built, naming the model, instead of
 * failing deep in a training step (a 3-output net declared with 10 outputs used to fail as "label 6 outside [0, 3)").
 */
class ModelSpecContractTest {
    private static Sequential net(int in, int out) {
        return new Sequential(new Flatten(), new Linear(in, out, new Rng(1)));
    }

    private static ModelSpec spec(Sequential net, int[] shape, int outputs, float lr) {
        return new ModelSpec("hand", net, shape, Task.CLASSIFICATION, outputs, OptimizerKind.SGD, lr);
    }

    private static void refused(String expected, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().startsWith("ModelSpec hand") && e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void outputsThatTheNetworkDoesNotProduceAreRefused() {
        refused("outputs [1, 3]", () -> spec(net(784, 3), new int[] {1, 28, 28}, 10, 0.1f));
    }

    @Test
    void aSampleShapeTheNetworkCannotTakeIsRefused() {
        refused("does not take samples of shape [1, 28, 28]",
                () -> spec(net(100, 10), new int[] {1, 28, 28}, 10, 0.1f));
        refused("dimension < 1", () -> spec(net(100, 10), new int[] {0, 100}, 10, 0.1f));
    }

    @Test
    void nullPartsAndImpossibleDefaultsAreRefused() {
        refused("required", () -> spec(null, new int[] {4}, 2, 0.1f));
        refused("required", () -> spec(net(4, 2), null, 2, 0.1f));
        refused("learning rate", () -> spec(net(4, 2), new int[] {4}, 2, Float.NaN));
        refused("momentum", () -> new ModelSpec("hand", net(4, 2), new int[] {4}, Task.CLASSIFICATION, 2,
                OptimizerKind.SGD, 0.1f, 1f));
    }

    @Test
    void aFittingSpecIsBuiltAndKeepsItsOwnCopyOfTheSampleShape() {
        int[] shape = {1, 2, 2};
        ModelSpec m = spec(net(4, 3), shape, 3, 0.1f);
        shape[1] = 9;
        assertArrayEquals(new int[] {1, 2, 2}, m.sampleShape());
        assertEquals(4, m.sampleSize());
    }

    @Test
    void aNullModelNameIsAnUnknownModelNotANullPointer() {
        IllegalArgumentException build = assertThrows(IllegalArgumentException.class, () -> Models.build(null, 1));
        assertTrue(build.getMessage().startsWith("unknown model 'null'; known: "), build.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Models.architecture(null));
        assertThrows(IllegalArgumentException.class, () -> Models.resolve(null));
        assertThrows(IllegalArgumentException.class, () -> Models.build((String) null, 1, ModelOptions.DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> Models.build("mlp-128", 1, null));
    }
}
