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

    public static final String DEFAULT_DIR_NAME = "/usr/share/datasets/fashion-mnist";
    public static final Path DEFAULT_DIR = Path.of(DEFAULT_DIR_NAME);
    public static final int TRAIN_SIZE = 60_000;
    public static final int TEST_SIZE = 10_000;
    public static final int NUM_CLASSES = 10;

    /** Class names in label order, as published with the data set. */
    public static final java.util.List<String> CLASS_NAMES = java.util.List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** True if the default folder holds all four IDX files (plain or .gz). */
    public static boolean isAvailable() { return isAvailable(DEFAULT_DIR); }

    /** True if {@code dir} holds all four IDX files (plain or .gz). */
    public static boolean isAvailable(Path dir) { return IdxFolder.isComplete(dir); }

    public static Dataset train() throws IOException { return train(DEFAULT_DIR); }
    public static Dataset test() throws IOException { return test(DEFAULT_DIR); }
    public static Split load() throws IOException { return load(DEFAULT_DIR); }

    public static Dataset train(Path dir) throws IOException {
        return IdxFolder.readTrain(dir, NUM_CLASSES, "fashion-mnist/train");
    }

    public static Dataset test(Path dir) throws IOException {
        return IdxFolder.readTest(dir, NUM_CLASSES, "fashion-mnist/test");
    }

    public static Split load(Path dir) throws IOException {
        IdxFolder.requireComplete(dir);
        return new Split(train(dir), test(dir));
    }
}
