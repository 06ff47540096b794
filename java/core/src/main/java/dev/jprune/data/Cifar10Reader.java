package dev.jprune.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the CIFAR-10 binary version: each record is 1 label byte (0..9) followed by 3072 pixel bytes —
 * 1024 red, then 1024 green, then 1024 blue, each a row-major 32×32 plane. That is already C×H×W order, so a
 * record maps to sample floats {@code [c*1024 + row*32 + col] = byte[1 + c*1024 + row*32 + col] / 255f}.
 *
 * <p>A folder holds {@code data_batch_1.bin} … {@code data_batch_5.bin} (train, 50,000) and
 * {@code test_batch.bin} (test, 10,000). Files must be plain (not gzip) and a whole number of records.
 */
public final class Cifar10Reader {
    private Cifar10Reader() {}

    /** Bytes of one image: 3 channels of 32×32. */
    public static final int IMAGE_BYTES = 3 * 32 * 32;
    /** Bytes of one record: the label byte, then the image. */
    public static final int RECORD_BYTES = 1 + IMAGE_BYTES;
    /** Number of classes. */
    public static final int NUM_CLASSES = 10;
    /** The training batch files, in order (immutable). */
    public static final List<String> TRAIN_FILES = List.of(
        "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    /** The test batch file. */
    public static final String TEST_FILE = "test_batch.bin";

    /** A sample's shape, channels × height × width: {3, 32, 32} (a new array each call). */
    public static int[] sampleShape() { return new int[] {3, 32, 32}; }

    private static final float[] SCALE = new float[256];
    static {
        for (int v = 0; v < 256; v++) SCALE[v] = v / 255f;
    }

    /** Reads one batch file. */
    public static Dataset readBatch(Path file, String name) throws IOException {
        return readFiles(new Path[] {file}, name);
    }

    /** Reads and concatenates data_batch_1..5.bin from {@code dir}. */
    public static Dataset readTrain(Path dir) throws IOException {
        Path[] files = new Path[TRAIN_FILES.size()];
        for (int i = 0; i < files.length; i++) files[i] = dir.resolve(TRAIN_FILES.get(i));
        return readFiles(files, "cifar10/train");
    }

    /** Reads test_batch.bin from {@code dir}. */
    public static Dataset readTest(Path dir) throws IOException {
        return readFiles(new Path[] {dir.resolve(TEST_FILE)}, "cifar10/test");
    }

    /** Reads the train and test splits from {@code dir}. */
    public static Split read(Path dir) throws IOException {
        requireAll(dir);
        return new Split(readTrain(dir), readTest(dir));
    }

    /** True if {@code dir} contains at least one of the CIFAR-10 batch file names. */
    public static boolean looksLikeCifar(Path dir) {
        if (Files.isRegularFile(dir.resolve(TEST_FILE))) return true;
        for (String f : TRAIN_FILES) if (Files.isRegularFile(dir.resolve(f))) return true;
        return false;
    }

    /** Throws one {@link NoSuchFileException} listing every missing batch file of {@code dir}. */
    static void requireAll(Path dir) throws NoSuchFileException {
        List<String> missing = new ArrayList<>();
        for (String f : TRAIN_FILES) if (!Files.isRegularFile(dir.resolve(f))) missing.add(f);
        if (!Files.isRegularFile(dir.resolve(TEST_FILE))) missing.add(TEST_FILE);
        if (!missing.isEmpty()) {
            throw new NoSuchFileException(dir.toString(), null,
                    "CIFAR-10 folder is missing " + String.join(", ", missing));
        }
    }

    /** Sizes are checked for every file before anything is allocated; then records are decoded straight into
     *  the one output array (no per-file arrays to concatenate). */
    private static Dataset readFiles(Path[] files, String name) throws IOException {
        long[] records = new long[files.length];
        long total = 0;
        for (int i = 0; i < files.length; i++) {
            Path f = files[i];
            if (!Files.exists(f)) throw new NoSuchFileException(f.toString(), null, "CIFAR-10 batch file not found");
            if (!Files.isRegularFile(f)) throw new DatasetFormatException(f + ": not a regular file");
            long size = Files.size(f);
            if (size == 0 || size % RECORD_BYTES != 0) {
                throw new DatasetFormatException(f + ": size " + size + " bytes is not a positive multiple of the "
                        + RECORD_BYTES + "-byte CIFAR-10 record (1 label + 3072 pixels)");
            }
            records[i] = size / RECORD_BYTES;
            total += records[i];
        }
        if (total * IMAGE_BYTES > Integer.MAX_VALUE - 8) {
            throw new DatasetFormatException(name + ": " + total + " records exceed 2^31 floats");
        }
        float[] images = new float[(int) (total * IMAGE_BYTES)]; // [total, 3, 32, 32]
        int[] labels = new int[(int) total];
        int at = 0;
        byte[] chunk = new byte[RECORD_BYTES * 1024]; // 1024 records (~3 MiB) per read
        for (int i = 0; i < files.length; i++) {
            Path f = files[i];
            try (InputStream in = Files.newInputStream(f)) {
                long left = records[i];
                long rec = 0;
                while (left > 0) {
                    int take = (int) Math.min(left, 1024);
                    int want = take * RECORD_BYTES;
                    int got = in.readNBytes(chunk, 0, want);
                    if (got < want) { // the file shrank between size() and read
                        throw new DatasetFormatException(f + ": truncated while reading record "
                                + (rec + got / RECORD_BYTES));
                    }
                    for (int r = 0; r < take; r++, rec++, at++) {
                        int off = r * RECORD_BYTES;
                        int label = chunk[off] & 0xFF;
                        if (label >= NUM_CLASSES) {
                            throw new DatasetFormatException(f + ": label " + label + " of record " + rec
                                    + " out of range [0, " + NUM_CLASSES + ")");
                        }
                        labels[at] = label;
                        int dst = at * IMAGE_BYTES;
                        for (int k = 0; k < IMAGE_BYTES; k++) images[dst + k] = SCALE[chunk[off + 1 + k] & 0xFF];
                    }
                    left -= take;
                }
            }
        }
        return new Dataset(name, images, labels, sampleShape(), NUM_CLASSES);
    }
}
