package dev.jprune.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writers for small IDX and CIFAR-10 files used by the data tests (independent of the readers). */
final class DataFixtures {
    private DataFixtures() {}

    /**
     * The surefire argLine points java.io.tmpdir at target/tmp-N, which nothing creates; @TempDir then fails.
     * Test classes using @TempDir call this from a static @BeforeAll (which runs before instance injection).
     */
    static void ensureTmpDir() throws IOException {
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    }

    static byte[] be32(int... values) {
        byte[] b = new byte[4 * values.length];
        for (int i = 0; i < values.length; i++) {
            b[4 * i] = (byte) (values[i] >>> 24);
            b[4 * i + 1] = (byte) (values[i] >>> 16);
            b[4 * i + 2] = (byte) (values[i] >>> 8);
            b[4 * i + 3] = (byte) values[i];
        }
        return b;
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) o.writeBytes(p);
        return o.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (OutputStream g = new GZIPOutputStream(o)) { g.write(raw); }
        return o.toByteArray();
    }

    static Path write(Path file, byte[] raw, boolean gz) throws IOException {
        Files.write(file, gz ? gzip(raw) : raw);
        return file;
    }

    /** A well-formed IDX images file body: header + pixels [n, rows, cols]. */
    static byte[] idxImages(int n, int rows, int cols, byte[] pixels) {
        return cat(be32(0x00000803, n, rows, cols), pixels);
    }

    static byte[] idxLabels(byte[] labels) {
        return cat(be32(0x00000801, labels.length), labels);
    }

    static byte[] randomBytes(java.util.SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) r.nextInt(256);
        return b;
    }

    /** Random labels in [0, classes). */
    static byte[] randomLabels(java.util.SplittableRandom r, int n, int classes) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) r.nextInt(classes);
        return b;
    }

    /**
     * A CIFAR-10 batch file from px[record][channel][row][col] (unsigned values 0..255) and labels, written in
     * the published order: label byte, then the R plane, G plane, B plane, each row by row.
     */
    static byte[] cifarRecords(int[][][][] px, int[] labels) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (int r = 0; r < labels.length; r++) {
            o.write(labels[r]);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++) o.write(px[r][c][y][x]);
        }
        return o.toByteArray();
    }

    static int[][][][] randomCifarPixels(java.util.SplittableRandom r, int n) {
        int[][][][] px = new int[n][3][32][32];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++) px[i][c][y][x] = r.nextInt(256);
        return px;
    }
}
