package dev.jprune.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The MNIST-style folder layout: {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each either plain or with {@code .gz}.
 * If both variants exist the plain one is used (no decompression needed). Whether a file is really gzip is
 * decided by its content ({@link IdxReader}), the suffix only helps find it.
 */
final class IdxFolder {
    private IdxFolder() {}

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    private static final String[] ALL = {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS};

    /** The file for base name {@code base} in {@code dir}, or null if neither variant exists. */
    static Path find(Path dir, String base) {
        Path plain = dir.resolve(base);
        if (Files.isRegularFile(plain)) return plain;
        Path gz = dir.resolve(base + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    /** "BASE[.gz]", saying so when something that is not a regular file (a folder, a FIFO) has either name. */
    private static String missing(Path dir, String base) {
        String odd = Files.exists(dir.resolve(base)) ? base : Files.exists(dir.resolve(base + ".gz")) ? base + ".gz"
                : null;
        return base + "[.gz]" + (odd == null ? "" : " (" + odd + " there is not a regular file)");
    }

    static boolean isComplete(Path dir) {
        for (String b : ALL) if (find(dir, b) == null) return false;
        return true;
    }

    static boolean hasAny(Path dir) {
        for (String b : ALL) if (find(dir, b) != null) return true;
        return false;
    }

    /** Throws one exception naming every missing file. */
    static void requireComplete(Path dir) throws NoSuchFileException {
        if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString(), null, "IDX data folder not found");
        List<String> missing = new ArrayList<>();
        for (String b : ALL) if (find(dir, b) == null) missing.add(missing(dir, b));
        if (!missing.isEmpty()) {
            throw new NoSuchFileException(dir.toString(), null,
                    "IDX data folder is missing " + String.join(", ", missing));
        }
    }

    static Dataset readTrain(Path dir, int numClasses, String name) throws IOException {
        return read(dir, TRAIN_IMAGES, TRAIN_LABELS, numClasses, name);
    }

    static Dataset readTest(Path dir, int numClasses, String name) throws IOException {
        return read(dir, TEST_IMAGES, TEST_LABELS, numClasses, name);
    }

    private static Dataset read(Path dir, String images, String labels, int numClasses, String name)
            throws IOException {
        Path im = find(dir, images), lb = find(dir, labels);
        if (im == null || lb == null) {
            throw new NoSuchFileException(dir.toString(), null, "IDX data folder is missing "
                    + (im == null ? missing(dir, images) : "") + (im == null && lb == null ? ", " : "")
                    + (lb == null ? missing(dir, labels) : ""));
        }
        return IdxReader.read(im, lb, numClasses, name);
    }
}
