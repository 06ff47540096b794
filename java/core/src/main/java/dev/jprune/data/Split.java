package dev.jprune.data;

import java.util.Arrays;

/**
 * A train/test pair with the same sample shape and class count (or, regression, target size).
 *
 * @param train the training split (also the one normalisation statistics are computed from)
 * @param test  the held-out split
 */
public record Split(Dataset train, Dataset test) {
    /** @throws IllegalArgumentException if either is null or they differ in sample shape or class count */
    public Split {
        if (train == null || test == null) throw new IllegalArgumentException("Split: train and test must be non-null");
        if (!Arrays.equals(train.sampleShape(), test.sampleShape()) || train.numClasses() != test.numClasses()
                || train.isRegression() != test.isRegression() || train.targetSize() != test.targetSize()) {
            throw new IllegalArgumentException("Split: train " + train + " and test " + test
                    + " differ in sample shape or class count");
        }
    }
}
