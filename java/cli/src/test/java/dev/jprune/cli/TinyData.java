package dev.jprune.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small MNIST-shaped IDX folders for CLI tests (fast to train on), written by hand from the IDX layout. */
final class TinyData {
    private TinyData() {}

    /** A folder of plain IDX files: {@code train} and {@code test} random 28×28 images with labels 0..9. */
    static Path idx(Path dir, int train, int test, long seed) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(seed);
        write(dir, "train", train, r);
        write(dir, "t10k", test, r);
        return dir;
    }

    private static void write(Path dir, String prefix, int n, Random r) throws IOException {
        byte[] px = new byte[n * 28 * 28], lb = new byte[n];
        r.nextBytes(px);
        for (int i = 0; i < n; i++) lb[i] = (byte) r.nextInt(10);
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), cat(be32(0x803, n, 28, 28), px));
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), cat(be32(0x801, n), lb));
    }

    static byte[] be32(int... v) {
        byte[] b = new byte[4 * v.length];
        for (int i = 0; i < v.length; i++) for (int k = 0; k < 4; k++) b[4 * i + k] = (byte) (v[i] >>> (24 - 8 * k));
        return b;
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) o.writeBytes(p);
        return o.toByteArray();
    }
}
