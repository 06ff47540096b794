package dev.jprune.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.jprune.data.DataFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class IdxReaderTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmp() throws IOException { ensureTmpDir(); }

    private static void assertMessage(IOException e, Path file, String... parts) {
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), "message should name the file " + file + ": " + m);
        for (String p : parts) assertTrue(m.contains(p), "message should say '" + p + "': " + m);
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void roundTripExactContent(boolean gz) throws IOException {
        SplittableRandom r = new SplittableRandom(7);
        int n = 13, rows = 7, cols = 5;
        byte[] px = randomBytes(r, n * rows * cols);
        px[0] = 0; px[1] = (byte) 255; px[2] = (byte) 128; // both extremes and the sign-bit boundary
        byte[] lb = randomLabels(r, n, 10);
        Path im = write(dir.resolve("im"), idxImages(n, rows, cols, px), gz);
        Path la = write(dir.resolve("la"), idxLabels(lb), gz);
        Dataset d = IdxReader.read(im, la, 10, "t");
        assertEquals(n, d.size());
        assertArrayEquals(new int[] {1, rows, cols}, d.sampleShape());
        assertEquals(0f, d.images()[0]);
        assertEquals(1f, d.images()[1]);
        for (int i = 0; i < px.length; i++) {
            float expect = (float) (Byte.toUnsignedInt(px[i]) / 255.0); // double division rounded once == v/255f
            assertEquals(expect, d.images()[i], 0f, "pixel " + i);
        }
        for (int i = 0; i < n; i++) assertEquals(lb[i], d.label(i), "label " + i);
    }

    @Test
    void gzipDetectedByContentNotName() throws IOException {
        SplittableRandom r = new SplittableRandom(8);
        byte[] px = randomBytes(r, 2 * 3 * 4);
        Path gzNoSuffix = write(dir.resolve("images-plainname"), idxImages(2, 3, 4, px), true);
        Path plainGzSuffix = write(dir.resolve("images.gz"), idxImages(2, 3, 4, px), false);
        IdxReader.Images a = IdxReader.readImages(gzNoSuffix), b = IdxReader.readImages(plainGzSuffix);
        assertArrayEquals(a.pixels, b.pixels);
        assertEquals(3, a.rows);
        assertEquals(4, a.cols);
        assertEquals(Byte.toUnsignedInt(px[5]) / 255f, a.pixels[5]);
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nope-idx3-ubyte");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> IdxReader.readImages(f));
        assertMessage(e, f, "not found");
        e = assertThrows(NoSuchFileException.class, () -> IdxReader.readLabels(f, 10));
        assertMessage(e, f, "not found");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void wrongMagic(boolean gz) throws IOException {
        Path f = write(dir.resolve("bad"), cat(be32(0x12345678, 1, 1, 1), new byte[1]), gz);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertMessage(e, f, "wrong magic", "0x12345678", "0x00000803");
        Path g = write(dir.resolve("badl"), cat(be32(0x00000D01, 1), new byte[1]), gz); // float type, not u8
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(g, 10));
        assertMessage(e, g, "wrong magic", "0x00000D01");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void wrongNumberOfDims(boolean gz) throws IOException {
        // A labels file passed as images, and an images file passed as labels.
        Path labels = write(dir.resolve("labels"),
                idxLabels(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6}), gz);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(labels));
        assertMessage(e, labels, "1 dimensions", "expected 3");
        Path images = write(dir.resolve("images"), idxImages(1, 2, 2, new byte[4]), gz);
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(images, 10));
        assertMessage(e, images, "3 dimensions", "expected 1");
        Path twoD = write(dir.resolve("twoD"), cat(be32(0x00000802, 2, 2), new byte[4]), gz);
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(twoD));
        assertMessage(e, twoD, "2 dimensions");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void truncatedHeader(boolean gz) throws IOException {
        byte[] full = idxImages(2, 2, 2, new byte[8]);
        Path f = write(dir.resolve("th"), Arrays.copyOf(full, 10), gz);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertMessage(e, f, "truncated header", "16", "found 10");
        Path g = write(dir.resolve("thl"), Arrays.copyOf(idxLabels(new byte[3]), 6), gz);
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(g, 10));
        assertMessage(e, g, "truncated header", "found 6");
        Path empty = write(dir.resolve("empty"), new byte[0], gz);
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(empty));
        assertMessage(e, empty, "truncated header", "found 0");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void truncatedBody(boolean gz) throws IOException {
        byte[] body = new byte[3 * 4 * 4 - 5];
        Path f = write(dir.resolve("tb"), cat(be32(0x00000803, 3, 4, 4), body), gz);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertMessage(e, f, "truncated", "3 images of 4×4", "48 bytes", "only 43");
        Path g = write(dir.resolve("tbl"), cat(be32(0x00000801, 9), new byte[4]), gz);
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(g, 10));
        assertMessage(e, g, "truncated", "9 labels", "only 4");
    }

    @Test
    void hugeDeclaredCountOnTinyFileIsTruncatedNotOutOfMemory() throws IOException {
        Path f = write(dir.resolve("huge"), cat(be32(0x00000803, 2_000_000, 28, 28), new byte[100]), true);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertMessage(e, f, "truncated", "only 100");
        Path g = write(dir.resolve("over"), cat(be32(0x00000803, 100_000_000, 28, 28), new byte[1]), false);
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(g));
        assertMessage(e, g, "more than 2^31");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void trailingBytesRejected(boolean gz) throws IOException {
        Path f = write(dir.resolve("tr"), cat(idxImages(1, 2, 2, new byte[4]), new byte[] {9}), gz);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertMessage(e, f, "trailing bytes");
        Path g = write(dir.resolve("trl"), cat(idxLabels(new byte[] {1, 2}), new byte[] {3}), gz);
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(g, 10));
        assertMessage(e, g, "trailing bytes");
    }

    @Test
    void invalidDimensions() throws IOException {
        Path f = write(dir.resolve("neg"), be32(0x00000803, -1, 2, 2), false);
        assertMessage(assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f)), f,
                "negative image count");
        Path g = write(dir.resolve("zero"), be32(0x00000803, 1, 0, 2), false);
        assertMessage(assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(g)), g,
                "invalid image size");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void countMismatch(boolean gz) throws IOException {
        Path im = write(dir.resolve("im"), idxImages(3, 2, 2, new byte[12]), gz);
        Path la = write(dir.resolve("la"), idxLabels(new byte[] {0, 1}), gz);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.read(im, la, 10, "t"));
        assertMessage(e, im, "count mismatch", "3 images", "2 labels");
        assertTrue(e.getMessage().contains(la.toString()));
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void labelOutOfRange(boolean gz) throws IOException {
        Path la = write(dir.resolve("la"), idxLabels(new byte[] {0, 9, 10, 1}), gz);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(la, 10));
        assertMessage(e, la, "label 10", "index 2", "[0, 10)");
        Path la2 = write(dir.resolve("la2"), idxLabels(new byte[] {(byte) 255}), gz);
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(la2, 10));
        assertMessage(e, la2, "label 255"); // unsigned, not -1
        assertArrayEquals(new int[] {0, 9, 10, 1}, IdxReader.readLabels(la, 11)); // fine with more classes
    }

    @Test
    void corruptGzipStream() throws IOException {
        byte[] gz = gzip(idxImages(4, 8, 8, randomBytes(new SplittableRandom(3), 256)));
        Path cut = dir.resolve("cut");
        Files.write(cut, Arrays.copyOf(gz, gz.length / 2));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(cut));
        assertMessage(e, cut);
        byte[] flipped = gz.clone();
        for (int i = 12; i < flipped.length - 8; i++) flipped[i] ^= 0x5A;
        Path bad = dir.resolve("bad");
        Files.write(bad, flipped);
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(bad));
        assertMessage(e, bad);
    }
}
