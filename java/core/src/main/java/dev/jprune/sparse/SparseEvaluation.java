package dev.jprune.sparse;

import dev.jprune.data.Batcher;
import dev.jprune.data.Dataset;
import dev.jprune.nn.loss.SoftmaxCrossEntropy;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.Evaluation;

/**
 * Accuracy and loss of a {@link SparseModel} on a classification data set, in the data set's order and in batches
 * (the same figures as {@code Trainer.evaluate} on the dense model, up to the CSR kernels' rounding). Reads only.
 */
public final class SparseEvaluation {
    private SparseEvaluation() {}

    /** Default evaluation batch size. */
    public static final int DEFAULT_BATCH = 500;

    /**
     * Accuracy in [0, 1] (argmax of the logits, ties to the lower class) and mean softmax cross-entropy over
     * {@code test}, batches of {@code batchSize}.
     *
     * @throws IllegalArgumentException for an empty data set, a regression set, batchSize &lt; 1, or samples that do
     *     not fit the model
     */
    public static Evaluation evaluate(SparseModel model, Dataset test, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (test.size() == 0) throw new IllegalArgumentException("data set " + test.name()
                + " is empty: nothing to evaluate");
        if (test.isRegression()) {
            throw new IllegalArgumentException("data set " + test.name()
                    + " has regression targets; sparse evaluation measures" + " the accuracy of class labels");
        }
        Batcher batcher = new Batcher(test, batchSize, false, false, 0);
        long correct = 0;
        double lossSum = 0;
        for (Batcher.Batch b : batcher.epoch(0)) {
            Tensor logits = model.forward(b.x());
            if (logits.shape().length != 2 || logits.dim(0) != b.size()) {
                throw new IllegalArgumentException("the model's output " + java.util.Arrays.toString(logits.shape())
                        + " is not [batch, classes]");
            }
            lossSum += SoftmaxCrossEntropy.loss(logits, b.labels()) * b.size();
            int n = logits.dim(0), c = logits.dim(1);
            for (int r = 0; r < n; r++) {
                int best = 0;
                for (int j = 1; j < c; j++) if (logits.data[r * c + j] > logits.data[r * c + best]) best = j;
                if (best == b.labels()[r]) correct++;
            }
        }
        return new Evaluation(correct / (double) test.size(), lossSum / test.size(), test.size());
    }
}
