package dev.jprune.models;

import dev.jprune.nn.Sequential;

/**
 * A network with what it expects and how it is trained by default.
 * @param sampleShape shape of one input sample without the batch dimension, e.g. {1, 28, 28}
 * @param outputs number of classes (classification) or regression outputs
 * @param defaultMomentum the SGD momentum a run uses unless told otherwise (0.9; 0 for a model standing for a
 *                        write-up that trains with plain SGD)
 */
public record ModelSpec(String name, Sequential net, int[] sampleShape, Task task, int outputs,
                        OptimizerKind defaultOptimizer, float defaultLr, float defaultMomentum) {
    /**
     * Checks the parts against each other, so a mismatch is named here rather than deep in a training step: the
     * network must turn a batch of {@code sampleShape} into [N, outputs]. Copies {@code sampleShape}.
     *
     * @throws IllegalArgumentException for a null part, a non-positive dimension or output count, a learning rate
     *     that is not positive and finite, a momentum outside [0, 1), or a network whose input or output does not fit
     */
    public ModelSpec {
        if (name == null || net == null || sampleShape == null || task == null || defaultOptimizer == null) {
            throw new IllegalArgumentException("ModelSpec " + name + ": name, net, sampleShape, task and"
                    + " defaultOptimizer are required");
        }
        sampleShape = sampleShape.clone();
        int[] batch = new int[sampleShape.length + 1];
        batch[0] = 1;
        for (int i = 0; i < sampleShape.length; i++) {
            if (sampleShape[i] < 1) throw new IllegalArgumentException("ModelSpec " + name + ": sample shape "
                    + java.util.Arrays.toString(sampleShape) + " has a dimension < 1");
            batch[i + 1] = sampleShape[i];
        }
        if (outputs < 1) throw new IllegalArgumentException("ModelSpec " + name + ": outputs must be >= 1, got "
                + outputs);
        if (!(defaultLr > 0) || !Float.isFinite(defaultLr)) throw new IllegalArgumentException("ModelSpec " + name
                + ": default learning rate must be positive and finite, got " + defaultLr);
        if (!(defaultMomentum >= 0 && defaultMomentum < 1)) throw new IllegalArgumentException("ModelSpec " + name
                + ": default momentum must be in [0, 1), got " + defaultMomentum);
        int[] out;
        try {
            out = net.outputShape(batch);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ModelSpec " + name + ": the network does not take samples of shape "
                    + java.util.Arrays.toString(sampleShape) + ": " + e.getMessage(), e);
        }
        if (out.length != 2 || out[1] != outputs) {
            throw new IllegalArgumentException("ModelSpec " + name + ": the network outputs "
                    + java.util.Arrays.toString(out) + " for a batch of 1 but the model declares " + outputs
                    + " outputs ([1, " + outputs + "])");
        }
    }

    /**
     * A model whose SGD default momentum is 0.9 ({@code TrainConfig.DEFAULT_MOMENTUM}).
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public ModelSpec(String name, Sequential net, int[] sampleShape, Task task, int outputs,
                     OptimizerKind defaultOptimizer, float defaultLr) {
        this(name, net, sampleShape, task, outputs, defaultOptimizer, defaultLr, 0.9f);
    }

    /** This model with another network (e.g. a physically shrunk one); everything else is kept. */
    public ModelSpec withNet(Sequential other) {
        return new ModelSpec(name, other, sampleShape, task, outputs, defaultOptimizer, defaultLr, defaultMomentum);
    }

    /**
     * Throws a clear error unless {@code data} fits this model: its sample shape ({@link #requireSampleShape}), and
     * its kind — class labels for a classification model (no more classes than outputs), real targets for a
     * regression model (as many as outputs).
     */
    public void requireData(dev.jprune.data.Dataset data) {
        requireSampleShape(data.sampleShape(), data.name());
        if (task == Task.REGRESSION && !data.isRegression()) {
            throw new IllegalArgumentException("model " + name + " is a regression model but data set " + data.name()
                    + " has class labels; give regression data (csv:FILE --target NAME, synthetic-regression)");
        }
        if (task == Task.CLASSIFICATION && data.isRegression()) {
            throw new IllegalArgumentException("model " + name + " is a classification model but data set "
                    + data.name()
                    + " has real-valued targets; use --task classification for integer labels, or a regression model");
        }
        if (data.isRegression() && data.targetSize() != outputs) {
            throw new IllegalArgumentException("model " + name + " has " + outputs + " outputs but data set "
                    + data.name()
                    + " has " + data.targetSize() + " targets per sample");
        }
        if (!data.isRegression() && data.numClasses() > outputs) {
            throw new IllegalArgumentException("data set " + data.name() + " has " + data.numClasses()
                    + " classes but model "
                    + name + " has " + outputs + " outputs");
        }
    }
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
        boolean ok = java.util.Arrays.equals(dataShape, sampleShape)
                || (sampleShape.length == 1 && size == sampleShape[0]);
        if (!ok) {
            throw new IllegalArgumentException("model " + name + " expects samples of shape "
                    + java.util.Arrays.toString(sampleShape)
                    + " but data set " + dataName + " has " + java.util.Arrays.toString(dataShape));
        }
    }
}
