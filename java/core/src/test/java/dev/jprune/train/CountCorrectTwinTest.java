package dev.jprune.train;

import dev.jprune.cpu.CpuConvKernels;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** CpuConvKernels.countCorrect (the GPU accuracy count's twin) equals Trainer.countCorrect, ties and NaN included. */
class CountCorrectTwinTest {
    @Test
    void countCorrectTwinEqualsTrainer() {
        Rng r = new Rng(21);
        for (int rows : new int[] {1, 7, 129}) {
            for (int cols : new int[] {1, 2, 10, 129}) {
                float[] logits = new float[rows * cols];
                r.fillUniform(logits, -2, 2);
                for (int i = 0; i < logits.length; i++) {
                    if (i % 4 == 0) logits[i] = Math.round(logits[i]);  // ties
                    if (i % 13 == 0) logits[i] = Float.NaN;  // NaN at column 0 of some rows, elsewhere in others
                    if (i % 29 == 3) logits[i] = -0f;
                }
                int[] labels = new int[rows];
                for (int i = 0; i < rows; i++) labels[i] = r.nextInt(cols);
                long expected = Trainer.countCorrect(Tensor.wrap(logits, rows, cols), labels);
                assertEquals(expected, CpuConvKernels.countCorrect(logits, labels, rows, cols), rows + "x" + cols);
                // labels equal to each row's argmax: every row counts (the test can fail if the twin's argmax differs)
                int[] argmax = new int[rows];
                for (int i = 0; i < rows; i++) {
                    int best = 0;
                    for (int j = 1; j < cols; j++) if (logits[i * cols + j] > logits[i * cols + best]) best = j;
                    argmax[i] = best;
                }
                assertEquals(rows, CpuConvKernels.countCorrect(logits, argmax, rows, cols));
                assertEquals(rows, Trainer.countCorrect(Tensor.wrap(logits, rows, cols), argmax));
            }
        }
    }
}
