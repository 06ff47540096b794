package dev.jprune.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;

/**
 * The 10,000 MNIST digits embedded as classpath resources (see the README next to them), split
 * deterministically: the first 8,000 samples are train, the last 2,000 are test. The samples were shuffled
 * once when the resource was made, so this prefix split is class-balanced-ish.
 *
 * <p>The resources are parsed once per class loader and kept in a private cache; every method returns a
 * <b>fresh copy</b>, so callers may normalise or otherwise modify what they get without affecting later calls.
 */
public final class EmbeddedMnist {
    private EmbeddedMnist() {}

    /** Class-path location of the images (IDX, gzip). */
    public static final String IMAGES_RESOURCE = "/dev/jprune/data/mnist-10k/images-idx3-ubyte.gz";
    /** Class-path location of the labels (IDX, gzip). */
    public static final String LABELS_RESOURCE = "/dev/jprune/data/mnist-10k/labels-idx1-ubyte.gz";
    /** Number of embedded samples. */
    public static final int SIZE = 10_000;
    /** Samples in the training split (the first ones). */
    public static final int TRAIN_SIZE = 8_000;
    /** Samples in the test split (the last ones). */
    public static final int TEST_SIZE = SIZE - TRAIN_SIZE;
    /** Number of classes (digits 0-9). */
    public static final int NUM_CLASSES = 10;

    private static volatile Dataset cache; // the parsed 10k set; never handed out, only copied

    /** All 10,000 samples, shape {1, 28, 28} (a fresh copy). */
    public static Dataset all() throws IOException {
        return parsed().copy();
    }

    /** Samples [0, 8000) (a fresh copy). */
    public static Dataset train() throws IOException {
        return parsed().subset(0, TRAIN_SIZE, "mnist-10k/train");
    }

    /** Samples [8000, 10000) (a fresh copy). */
    public static Dataset test() throws IOException {
        return parsed().subset(TRAIN_SIZE, SIZE, "mnist-10k/test");
    }

    /** Both splits (fresh copies). */
    public static Split split() throws IOException {
        return new Split(train(), test());
    }

    /**
     * Both splits (fresh copies), standardised with the training set's mean and standard deviation
     * ({@link Normalization#fitAndApply}) — what the models are trained on.
     */
    public static Split standardizedSplit() throws IOException {
        Split s = split();
        Normalization.fitAndApply(s);
        return s;
    }

    private static Dataset parsed() throws IOException {
        Dataset d = cache;
        if (d != null) return d;
        synchronized (EmbeddedMnist.class) {
            if (cache == null) cache = load(IMAGES_RESOURCE, LABELS_RESOURCE, SIZE);
            return cache;
        }
    }

    /**
     * Parses the two IDX class-path resources (uncached: the cache above holds the result once per class loader,
     * so tests reach this path directly).
     *
     * @throws NoSuchFileException    naming a resource missing from the class path
     * @throws DatasetFormatException if the files are malformed or hold other than {@code expectedSize} samples
     */
    static Dataset load(String imagesResource, String labelsResource, int expectedSize) throws IOException {
        try (InputStream im = resource(imagesResource); InputStream lb = resource(labelsResource)) {
            Dataset loaded = IdxReader.read(im, "classpath:" + imagesResource, lb, "classpath:" + labelsResource,
                    NUM_CLASSES, "mnist-10k");
            if (loaded.size() != expectedSize) {
                throw new DatasetFormatException("classpath:" + imagesResource + ": expected " + expectedSize
                        + " samples, found " + loaded.size());
            }
            return loaded;
        }
    }

    private static InputStream resource(String path) throws NoSuchFileException {
        InputStream in = EmbeddedMnist.class.getResourceAsStream(path);
        if (in == null) throw new NoSuchFileException("classpath:" + path, null,
                "embedded MNIST resource missing from the classpath");
        return in;
    }
}
