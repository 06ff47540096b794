package dev.jprune.spark;

import java.io.Serializable;

/**
 * One labelled training sample as an RDD element: the features in the model's sample layout (row-major, e.g. 1×28×28
 * for the MNIST models, so 784 floats) and the class label. Not copied: do not change the array after handing it over.
 *
 * @param features the sample's values, {@code ModelSpec.sampleSize()} of them
 * @param label    the class, in [0, model outputs)
 */
public record Sample(float[] features, int label) implements Serializable {
    private static final long serialVersionUID = 1L;

    public Sample {
        if (features == null) throw new IllegalArgumentException("Sample: features are null");
    }
}
