package dev.jprune.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads a train/test {@link Split} from a short specification string (as given on the command line). */
public final class Datasets {
    private Datasets() {}

    /** Class count assumed for a folder of IDX files (the MNIST family: MNIST, Fashion-MNIST, KMNIST). */
    public static final int IDX_FOLDER_CLASSES = 10;

    /**
     * Loads {@code spec}:
     * <ul>
     *   <li>{@code "embedded"}: the embedded MNIST-10k (8,000 train / 2,000 test), see {@link EmbeddedMnist};</li>
     *   <li>{@code "fashion-mnist"}: Fashion-MNIST from {@link FashionMnist#DEFAULT_DIR};</li>
     *   <li>{@code "csv:PATH"}: a CSV file ({@link CsvData}; regression on the last column, see
     *       {@link #load(String, CsvData.Options)} for the target, the task and the test fraction);</li>
     *   <li>{@code "synthetic-regression[:key=value,...]"}: a generated linear-regression problem
     *       ({@link SyntheticRegression});</li>
     *   <li>{@code "synthetic-cifar10[:key=value,...]"}: generated images in CIFAR-10's format
     *       ({@link SyntheticImages});</li>
     *   <li>a folder path: either MNIST-style IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
     *       t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]; {@value #IDX_FOLDER_CLASSES} classes) or the
     *       CIFAR-10 binary files (data_batch_1.bin … data_batch_5.bin, test_batch.bin).</li>
     * </ul> A folder with files of both kinds is rejected as ambiguous.
     *
     * @throws NoSuchFileException   if the folder or any file of the detected layout is missing, or
     *                               Fashion-MNIST is not installed
     * @throws DatasetFormatException if a file is malformed, or the folder holds neither layout
     */
    public static Split load(String spec) throws IOException {
        return load(spec, CsvData.Options.DEFAULT);
    }

    /**
     * {@link #load(String)} with the options a {@code csv:PATH} specification is read with (the others ignore them).
     *
     * @throws IllegalArgumentException for a malformed generated-data specification
     */
    public static Split load(String spec, CsvData.Options csv) throws IOException {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException(
                "Datasets.load: empty data set specification");
        if (spec.startsWith("csv:")) {
            String file = spec.substring(4);
            if (file.isBlank()) throw new IllegalArgumentException("--data csv: needs a file, e.g. csv:data.csv");
            return CsvData.read(Path.of(file), csv);
        }
        if (spec.equals(SyntheticRegression.NAME) || spec.startsWith(SyntheticRegression.NAME + ":")) {
            return SyntheticRegression.parse(spec.substring(Math.min(spec.length(), SyntheticRegression.NAME.length()
                    + 1))).generate();
        }
        if (spec.equals(SyntheticImages.NAME) || spec.startsWith(SyntheticImages.NAME + ":")) {
            return SyntheticImages.generate(spec.substring(Math.min(spec.length(), SyntheticImages.NAME.length() + 1)));
        }
        switch (spec) {
            case "embedded":
                return EmbeddedMnist.split();
            case "fashion-mnist":
                if (!FashionMnist.isAvailable()) {
                    throw new NoSuchFileException(FashionMnist.DEFAULT_DIR_NAME, null,
                            "Fashion-MNIST not found (install the Debian package dataset-fashion-mnist, "
                            + "or pass the folder path)");
                }
                return FashionMnist.load();
            default:
                return loadFolder(Path.of(spec));
        }
    }

    /** Loads a folder of IDX or CIFAR-10 binary files, detecting which (see {@link #load}). */
    public static Split loadFolder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null,
                    "data set folder not found (specs: embedded, fashion-mnist, or a folder)");
        }
        if (!Files.isDirectory(dir)) throw new DatasetFormatException(dir
                + ": not a folder (specs: embedded, fashion-mnist, or a folder)");
        boolean idx = IdxFolder.hasAny(dir), cifar = Cifar10Reader.looksLikeCifar(dir);
        if (idx && cifar) {
            throw new DatasetFormatException(dir
                    + ": holds both IDX files and CIFAR-10 batch files; keep one layout per folder");
        }
        if (idx) {
            IdxFolder.requireComplete(dir);
            String base = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
            return new Split(IdxFolder.readTrain(dir, IDX_FOLDER_CLASSES, base + "/train"),
                    IdxFolder.readTest(dir, IDX_FOLDER_CLASSES, base + "/test"));
        }
        if (cifar) return Cifar10Reader.read(dir);
        throw new DatasetFormatException(dir
                + ": neither an IDX folder (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
                + "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) nor a CIFAR-10 binary folder "
                + "(data_batch_1.bin … data_batch_5.bin, test_batch.bin)");
    }
}
