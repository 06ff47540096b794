package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.Dataset;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** SparseEvaluation's argmax and batch-size rules. */
class SparseEvaluationTest {

    /**
     * Tied logits go to the lower class: a model with all-zero logits predicts class 0 for every sample, so labels 0
     * are all right and labels 3 all wrong; batches of one sample are allowed; the loss is ln(4) per sample.
     */
    @Test
    void tiesGoToTheLowerClassAndBatchesOfOneAreAllowed() {
        Linear zero = new Linear(2, 4, new Rng(1));
        Arrays.fill(zero.weight.value.data, 0f);
        Arrays.fill(zero.bias.value.data, 0f);
        SparseModel sm = SparseModel.export(new Sequential(zero));
        float[] images = {0.5f, -1f, 0.25f, 2f, -3f, 1f};
        Dataset zeros = new Dataset("zeros", images, new int[] {0, 0, 0}, new int[] {2}, 4);
        Dataset threes = new Dataset("threes", images, new int[] {3, 3, 3}, new int[] {2}, 4);
        for (int batch : new int[] {1, 2, 500}) {
            var right = SparseEvaluation.evaluate(sm, zeros, batch);
            assertEquals(1.0, right.accuracy(), "batch " + batch);
            assertEquals(3, right.samples());
            assertEquals(Math.log(4), right.loss(), 1e-6);
            assertEquals(0.0, SparseEvaluation.evaluate(sm, threes, batch).accuracy(), "batch " + batch);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparseEvaluation.evaluate(sm, zeros, 0));
        assertTrue(e.getMessage().contains("batch size must be >= 1"), e.getMessage());
    }
}
