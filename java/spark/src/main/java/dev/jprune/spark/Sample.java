package dev.jprune.spark;

import java.io.Serializable;

/**
 * One labelled training sample as an RDD element: the features in the model's sample layout (row-major, e.g. 1×28×28
 * for the MNIST models, so 784 floats) and the class label. Not copied: do not change the array after handing it over.
 * (A plain class, not a record: Spark's Kryo serializer cannot build records.)
 */
public final class Sample implements Serializable {
    private static final long serialVersionUID = 1L;

    private final float[] features;
    private final int label;

    /**
     * @param features the sample's values, {@code ModelSpec.sampleSize()} of them
     * @param label    the class, in [0, model outputs)
     * @throws IllegalArgumentException if {@code features} is null
     */
    public Sample(float[] features, int label) {
        if (features == null) throw new IllegalArgumentException("Sample: features are null");
        this.features = features;
        this.label = label;
    }

    /** The sample's values (the array itself, not a copy). */
    public float[] features() { return features; }

    /** The class label. */
    public int label() { return label; }
}
