package dev.jprune.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Zalando; 60,000 train + 10,000 test 28×28 grey images, 10 classes) read from IDX files.
 * Default location: {@value #DEFAULT_DIR_NAME}, where the Debian package {@code dataset-fashion-mnist}
 * installs {@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz}, {@code t10k-images-idx3-ubyte.gz}
 * and {@code t10k-labels-idx1-ubyte.gz}. Each call parses the files again and returns new arrays.
 */
public final class FashionMnist {
    private FashionMnist() {}

    /** Where Debian's dataset-fashion-mnist package installs the files. */
    public static final String DEFAULT_DIR_NAME = "/usr/share/datasets/fashion-mnist";
    /** {@link #DEFAULT_DIR_NAME} as a path. */
    public static final Path DEFAULT_DIR = Path.of(DEFAULT_DIR_NAME);
    /** Samples in the training set. */
    public static final int TRAIN_SIZE = 60_000;
    /** Samples in the test set. */
    public static final int TEST_SIZE = 10_000;
    /** Number of classes. */
    public static final int NUM_CLASSES = 10;

    /** Class names in label order, as published with the data set. */
    public static final java.util.List<String> CLASS_NAMES = java.util.List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** True if the default folder holds all four IDX files (plain or .gz). */
    public static boolean isAvailable() { return isAvailable(DEFAULT_DIR); }

    /** True if {@code dir} holds all four IDX files (plain or .gz). */
    public static boolean isAvailable(Path dir) { return IdxFolder.isComplete(dir); }

    /**
     * The training set from {@link #DEFAULT_DIR}.
     *
     * @throws IOException when the files are missing or malformed
     */
    public static Dataset train() throws IOException { return train(DEFAULT_DIR); }
    /**
     * The test set from {@link #DEFAULT_DIR}.
     *
     * @throws IOException when the files are missing or malformed
     */
    public static Dataset test() throws IOException { return test(DEFAULT_DIR); }
    /**
     * Both sets from {@link #DEFAULT_DIR}.
     *
     * @throws IOException when the files are missing or malformed
     */
    public static Split load() throws IOException { return load(DEFAULT_DIR); }

    /**
     * The training set from {@code dir} (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]).
     *
     * @throws IOException when the files are missing or malformed
     */
    public static Dataset train(Path dir) throws IOException {
        return IdxFolder.readTrain(dir, NUM_CLASSES, "fashion-mnist/train");
    }

    /**
     * The test set from {@code dir} (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]).
     *
     * @throws IOException when the files are missing or malformed
     */
    public static Dataset test(Path dir) throws IOException {
        return IdxFolder.readTest(dir, NUM_CLASSES, "fashion-mnist/test");
    }

    /**
     * Both sets from {@code dir}.
     *
     * @throws IOException when the files are missing or malformed
     */
    public static Split load(Path dir) throws IOException {
        IdxFolder.requireComplete(dir);
        return new Split(train(dir), test(dir));
    }
}
