package dev.jprune.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST container format) of unsigned bytes: images with magic
 * {@code 0x00000803} (count × rows × cols) and labels with magic {@code 0x00000801} (count). All integers
 * in the header are big-endian.
 *
 * <p>Each file may be plain or gzip-compressed; compression is detected from the first two bytes
 * ({@code 1f 8b}), never from the file name.
 *
 * <p>Strictness: a file must contain exactly the bytes its header promises. Fewer bytes is reported as a
 * truncated file; <b>trailing bytes after the declared body are rejected</b> too, because in practice they mean
 * the wrong file, a bad concatenation or a header that under-states the count — silently using a prefix would
 * hide that. (For gzip files, the check applies to the decompressed stream.)
 *
 * <p>Pixels become floats {@code v / 255f} in [0, 1]. Every fault raises an {@link IOException} naming the file:
 * {@link NoSuchFileException} for a missing file, {@link DatasetFormatException} for bad contents.
 */
public final class IdxReader {
    private IdxReader() {}

    /** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int BUF = 1 << 16;

    /** v / 255f for every byte value, so conversion is one table lookup and exactly v / 255f. */
    private static final float[] SCALE = new float[256];
    static {
        for (int v = 0; v < 256; v++) SCALE[v] = v / 255f;
    }

    /** Decoded IDX images: {@code pixels} is [count, rows, cols] row-major in [0, 1]. */
    public static final class Images {
        /** Number of images. */
        public final int count;
        /** Rows per image. */
        public final int rows;
        /** Columns per image. */
        public final int cols;
        /** [count × rows × cols], v / 255f. */
        public final float[] pixels;

        Images(int count, int rows, int cols, float[] pixels) {
            this.count = count;
            this.rows = rows;
            this.cols = cols;
            this.pixels = pixels;
        }
    }

    /** Reads an images file (plain or gzip). */
    public static Images readImages(Path file) throws IOException {
        try (InputStream in = open(file)) {
            return readImages(in, file.toString());
        }
    }

    /**
     * Reads images from {@code in} (plain or gzip, detected here; {@code in} is consumed but not closed).
     *
     * @param source name used in error messages (a file name or resource path)
     */
    public static Images readImages(InputStream in, String source) throws IOException {
        InputStream s = decompressIfGzip(in, source);
        try {
            byte[] h = readHeader(s, source, 16);
            checkMagic(h, source, IMAGES_MAGIC, 3, "images");
            int count = be32(h, 4), rows = be32(h, 8), cols = be32(h, 12);
            if (count < 0) throw new DatasetFormatException(source + ": negative image count " + count);
            if (rows <= 0 || cols <= 0) {
                throw new DatasetFormatException(source + ": invalid image size " + rows + "×" + cols);
            }
            // count × rows × cols can pass 2^63 (three 31-bit factors): saturate instead of wrapping negative
            long total;
            try {
                total = Math.multiplyExact(Math.multiplyExact((long) count, rows), cols);
            } catch (ArithmeticException e) {
                total = Long.MAX_VALUE;
            }
            if (total > Integer.MAX_VALUE - 8) {
                throw new DatasetFormatException(source + ": header declares " + count + " images of " + rows
                        + "×" + cols + " = " + total + " bytes, more than 2^31");
            }
            byte[] body = readBody(s, source, (int) total, count + " images of " + rows + "×" + cols);
            float[] px = new float[body.length];
            for (int i = 0; i < body.length; i++) px[i] = SCALE[body[i] & 0xFF];
            return new Images(count, rows, cols, px);
        } catch (DatasetFormatException e) {
            throw e;
        } catch (EOFException | ZipException e) {
            throw new DatasetFormatException(source + ": corrupt or truncated gzip stream (" + why(e) + ")", e);
        }
    }

    /** Reads a labels file (plain or gzip); every label must lie in [0, numClasses). */
    public static int[] readLabels(Path file, int numClasses) throws IOException {
        try (InputStream in = open(file)) {
            return readLabels(in, file.toString(), numClasses);
        }
    }

    /**
     * Reads labels from {@code in} (plain or gzip; consumed, not closed); every label must lie in [0, numClasses).
     *
     * @param source name used in error messages
     */
    public static int[] readLabels(InputStream in, String source, int numClasses) throws IOException {
        if (numClasses < 1 || numClasses > 256) {
            throw new IllegalArgumentException("readLabels " + source + ": numClasses must be in [1, 256], got "
                    + numClasses);
        }
        InputStream s = decompressIfGzip(in, source);
        try {
            byte[] h = readHeader(s, source, 8);
            checkMagic(h, source, LABELS_MAGIC, 1, "labels");
            int count = be32(h, 4);
            if (count < 0) throw new DatasetFormatException(source + ": negative label count " + count);
            byte[] body = readBody(s, source, count, count + " labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                int v = body[i] & 0xFF;
                if (v >= numClasses) {
                    throw new DatasetFormatException(source + ": label " + v + " at index " + i
                            + " out of range [0, " + numClasses + ")");
                }
                labels[i] = v;
            }
            return labels;
        } catch (DatasetFormatException e) {
            throw e;
        } catch (EOFException | ZipException e) {
            throw new DatasetFormatException(source + ": corrupt or truncated gzip stream (" + why(e) + ")", e);
        }
    }

    /**
     * Reads an images file and its labels file into a data set of sample shape {1, rows, cols}.
     *
     * @throws DatasetFormatException also when the two files disagree on the sample count
     */
    public static Dataset read(Path images, Path labels, int numClasses, String name) throws IOException {
        Images im = readImages(images);
        int[] lb = readLabels(labels, numClasses);
        return combine(im, images.toString(), lb, labels.toString(), numClasses, name);
    }

    /** As {@link #read(Path, Path, int, String)} over streams (consumed, not closed). */
    public static Dataset read(InputStream images, String imagesSource, InputStream labels, String labelsSource,
                               int numClasses, String name) throws IOException {
        Images im = readImages(images, imagesSource);
        int[] lb = readLabels(labels, labelsSource, numClasses);
        return combine(im, imagesSource, lb, labelsSource, numClasses, name);
    }

    private static Dataset combine(Images im, String imSrc, int[] lb, String lbSrc, int numClasses, String name)
            throws DatasetFormatException {
        if (im.count != lb.length) {
            throw new DatasetFormatException("count mismatch: " + imSrc + " has " + im.count + " images but "
                    + lbSrc + " has " + lb.length + " labels");
        }
        return new Dataset(name, im.pixels, lb, new int[] {1, im.rows, im.cols}, numClasses);
    }

    /** Opens {@code file} buffered, turning a missing file into a {@link NoSuchFileException} that says so. */
    static InputStream open(Path file) throws IOException {
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "data file not found");
        if (!Files.isRegularFile(file)) throw new DatasetFormatException(file + ": not a regular file");
        return Files.newInputStream(file);
    }

    /** Wraps {@code in} in a gzip decoder when it starts with 1f 8b; always returns a buffered stream. */
    static InputStream decompressIfGzip(InputStream in, String source) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, BUF);
        b.mark(2);
        int b0 = b.read(), b1 = b.read();
        b.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            try {
                return new BufferedInputStream(new GZIPInputStream(b, BUF), BUF);
            } catch (EOFException | ZipException e) {
                throw new DatasetFormatException(source + ": corrupt gzip header (" + why(e) + ")", e);
            }
        }
        return b;
    }

    private static byte[] readHeader(InputStream s, String source, int len) throws IOException {
        byte[] h = new byte[len];
        int got = s.readNBytes(h, 0, len);
        if (got < len) {
            throw new DatasetFormatException(source + ": truncated header: expected " + len + " bytes, found " + got);
        }
        return h;
    }

    private static void checkMagic(byte[] h, String source, int expected, int dims, String what)
            throws DatasetFormatException {
        int magic = be32(h, 0);
        if (magic == expected) return;
        // Same container (two zero bytes, unsigned-byte type) but another rank: say so, it is a common mix-up
        // (e.g. passing the labels file where the images file belongs).
        if (h[0] == 0 && h[1] == 0 && h[2] == 0x08) {
            throw new DatasetFormatException(
                    String.format("%s: IDX file has %d dimensions, expected %d for %s (magic 0x%08X, expected 0x%08X)",
                    source, h[3] & 0xFF, dims, what, magic, expected));
        }
        throw new DatasetFormatException(
                String.format("%s: wrong magic 0x%08X, expected 0x%08X (IDX %s of unsigned bytes)",
                source, magic, expected, what));
    }

    /** Reads exactly {@code len} body bytes and checks nothing follows. readNBytes(int) grows its buffer as data
     *  arrives, so a corrupt header promising gigabytes does not allocate them up front. */
    private static byte[] readBody(InputStream s, String source, int len, String promised) throws IOException {
        byte[] body = s.readNBytes(len);
        if (body.length < len) {
            throw new DatasetFormatException(source + ": truncated file: header promises " + promised + " ("
                    + len + " bytes after the header) but only " + body.length + " are present");
        }
        if (s.read() != -1) {
            throw new DatasetFormatException(source + ": trailing bytes after the " + promised
                    + " the header declares");
        }
        return body;
    }

    /** A decoder exception's message; EOFException and ZipException often carry none ("(null)" said nothing). */
    private static String why(IOException e) {
        if (e.getMessage() != null && !e.getMessage().isBlank()) return e.getMessage();
        return e instanceof EOFException ? "unexpected end of file" : e.getClass().getSimpleName();
    }

    private static int be32(byte[] b, int o) {
        return ((b[o] & 0xFF) << 24) | ((b[o + 1] & 0xFF) << 16) | ((b[o + 2] & 0xFF) << 8) | (b[o + 3] & 0xFF);
    }
}
