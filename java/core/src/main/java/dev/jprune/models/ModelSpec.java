package dev.jprune.models;

import dev.jprune.nn.Sequential;

/**
 * A network with what it expects and how it is trained by default.
 * @param sampleShape shape of one input sample without the batch dimension, e.g. {1, 28, 28}
 * @param outputs number of classes (classification) or regression outputs
 */
public record ModelSpec(String name, Sequential net, int[] sampleShape, Task task, int outputs,
                        OptimizerKind defaultOptimizer, float defaultLr) {
    /** What the model predicts: classes (softmax cross-entropy) or values (mean squared error). */
    public enum Task {
        /** Class logits, softmax cross-entropy. */
        CLASSIFICATION,
        /** Values, mean squared error. */
        REGRESSION
    }
    /** The optimizers a {@code TrainConfig} can name. */
    public enum OptimizerKind {
        /** Stochastic gradient descent with momentum. */
        SGD,
        /** Adam. */
        ADAM
    }

    /** Elements of one sample (the product of sampleShape). */
    public int sampleSize() {
        int n = 1;
        for (int d : sampleShape) n *= d;
        return n;
    }

    /** Throws a clear error unless a dataset's sample shape fits this model. */
    public void requireSampleShape(int[] dataShape, String dataName) {
        int size = 1;
        for (int d : dataShape) size *= d;
        boolean ok = java.util.Arrays.equals(dataShape, sampleShape) || (sampleShape.length == 1 && size == sampleShape[0]);
        if (!ok) {
            throw new IllegalArgumentException("model " + name + " expects samples of shape " + java.util.Arrays.toString(sampleShape)
                    + " but data set " + dataName + " has " + java.util.Arrays.toString(dataShape));
        }
    }
}
