package dev.jprune.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.Dataset;
import dev.jprune.models.ModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Backend's close contract on the CPU: closing twice is harmless, work after close is refused. */
class CpuBackendCloseTest {
    private static Dataset twoSamples() {
        return new Dataset("two", new float[] {2, 0, 0, 1}, new int[] {0, 1}, new int[] {2}, 2);
    }

    @Test
    void aClosedCpuBackendRefusesWorkAndClosesTwice() {
        ModelSpec m = TrainerContractsTest.identityClassifier();
        CpuBackend b = new CpuBackend(m, TrainerContractsTest.cfg(0.1f, 2, 0f));
        assertEquals(2, b.trainEpoch(twoSamples(), 0, TrainListener.NONE).samples());
        b.close();
        b.close();
        float[] before = m.net().parameters().get(0).value.data.clone();
        List<Runnable> calls = List.of(() -> b.trainEpoch(twoSamples(), 1, null), () -> b.evaluate(twoSamples()),
                () -> b.gradientsOnBatches(twoSamples(), 1, 1, null), b::masksChanged,
                b::weightsReplacedAndResetOptimizer, b::syncToHost, () -> b.setLearningRate(0.5f));
        for (Runnable c : calls) {
            IllegalStateException e = assertThrows(IllegalStateException.class, c::run);
            assertTrue(e.getMessage().contains("after close"), e.getMessage());
        }
        assertArrayEquals(before, m.net().parameters().get(0).value.data, "nothing trained after close");
        assertEquals("cpu", b.describe());
    }

    @Test
    void aNullListenerMeansNoCallbacks() {
        ModelSpec m = TrainerContractsTest.identityClassifier();
        Trainer t = new Trainer(m, TrainerContractsTest.cfg(0.1f, 2, 0f));
        assertEquals(1, t.fit(twoSamples(), 0, null).size());
        assertEquals(2, t.trainEpoch(twoSamples(), 1, null).samples());
    }
}
