package dev.jprune.data;

import static dev.jprune.data.DataFixtures.be32;
import static dev.jprune.data.DataFixtures.cat;
import static dev.jprune.data.DataFixtures.gzip;
import static dev.jprune.data.DataFixtures.idxImages;
import static dev.jprune.data.DataFixtures.idxLabels;
import static dev.jprune.data.DataFixtures.randomBytes;
import static dev.jprune.data.DataFixtures.randomLabels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IdxReader at the edges of what its header may declare, and the reasons its gzip errors pass on. */
class IdxReaderLimitsTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void tmp() throws IOException {
        DataFixtures.ensureTmpDir();
    }

    private static InputStream in(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    @Test
    void emptyFilesOfZeroImagesOrLabelsAreValid() throws IOException {
        IdxReader.Images im = IdxReader.readImages(in(idxImages(0, 28, 28, new byte[0])), "none");
        assertEquals(0, im.count);
        assertEquals(28, im.rows);
        assertEquals(0, im.pixels.length);
        assertEquals(0, IdxReader.readLabels(in(idxLabels(new byte[0])), "none", 10).length);
    }

    @Test
    void aZeroRowOrZeroColumnImageIsRejectedNamingTheSize() {
        for (int[] rc : new int[][] {{0, 3}, {3, 0}, {-1, 3}, {3, -1}}) {
            DatasetFormatException e = assertThrows(DatasetFormatException.class,
                    () -> IdxReader.readImages(in(be32(IdxReader.IMAGES_MAGIC, 1, rc[0], rc[1])), "z"));
            assertEquals("z: invalid image size " + rc[0] + "×" + rc[1], e.getMessage());
        }
    }

    /** Up to 2^31 − 9 body bytes may be declared (the largest Java array); one more is refused before reading. */
    @Test
    void theLargestDeclarableBodyIsReadAndOneByteMoreIsRefused() {
        int most = Integer.MAX_VALUE - 8; // = 7 × 17 × 18046081: 119 rows of 18046081 columns
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> IdxReader.readImages(in(be32(IdxReader.IMAGES_MAGIC, 1, 119, 18046081)), "max"));
        assertTrue(e.getMessage().startsWith("max: truncated file: header promises 1 images of 119×18046081 ("
                + most + " bytes after the header) but only 0"), e.getMessage());
        e = assertThrows(DatasetFormatException.class,
                () -> IdxReader.readImages(in(be32(IdxReader.IMAGES_MAGIC, 1, 1, most + 1)), "max1"));
        assertTrue(e.getMessage().startsWith("max1: header declares 1 images of 1×" + (most + 1)), e.getMessage());
    }

    @Test
    void labelClassCountMustBeFrom1To256() throws IOException {
        byte[] file = idxLabels(new byte[] {0, 0});
        assertArrayEquals(new int[] {0, 0}, IdxReader.readLabels(in(file), "l", 1));
        byte[] top = idxLabels(new byte[] {(byte) 255, 0});
        assertArrayEquals(new int[] {255, 0}, IdxReader.readLabels(in(top), "l", 256));
        for (int bad : new int[] {0, 257, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IdxReader.readLabels(in(file), "l", bad));
            assertEquals("readLabels l: numClasses must be in [1, 256], got " + bad, e.getMessage());
        }
    }

    @Test
    void negativeLabelCountIsNamed() {
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> IdxReader.readLabels(in(be32(IdxReader.LABELS_MAGIC, -3)), "neg", 10));
        assertEquals("neg: negative label count -3", e.getMessage());
    }

    /** The reason gzip's own decoder gives for {@code bytes}, or null when it reads them to the end. */
    private static String jdkReason(byte[] bytes) {
        try (InputStream g = new GZIPInputStream(in(bytes))) {
            g.readAllBytes();
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    @Test
    void aDamagedGzipBodyIsReportedWithTheDecodersReason() throws IOException {
        byte[] gz = gzip(idxImages(4, 8, 8, randomBytes(new SplittableRandom(3), 256)));
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        String reason = jdkReason(cut);
        assertTrue(reason != null && !reason.isBlank(), "the JDK names a truncated deflate stream: " + reason);
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> IdxReader.readImages(in(cut), "cut.gz"));
        assertEquals("cut.gz: corrupt or truncated gzip stream (" + reason + ")", e.getMessage());
        byte[] labels = gzip(idxLabels(randomLabels(new SplittableRandom(4), 300, 10)));
        byte[] cutLabels = Arrays.copyOf(labels, labels.length - 12); // deflate data intact up to the trailer
        String labelReason = jdkReason(cutLabels);
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(in(cutLabels), "l.gz", 10));
        assertEquals("l.gz: corrupt or truncated gzip stream (" + labelReason + ")", e.getMessage());
    }

    /** GZIPInputStream throws a bare EOFException for a cut header; the message must still say what happened. */
    @Test
    void aGzipHeaderCutShortSaysUnexpectedEndOfFile() {
        byte[] magicOnly = {0x1f, (byte) 0x8b, 8};
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> IdxReader.readImages(in(magicOnly), "h.gz"));
        assertEquals("h.gz: corrupt gzip header (unexpected end of file)", e.getMessage());
        byte[] badMethod = {0x1f, (byte) 0x8b, 7, 0, 0, 0, 0, 0, 0, 0};
        e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(in(badMethod), "m.gz", 10));
        assertEquals("m.gz: corrupt gzip header (" + jdkReason(badMethod) + ")", e.getMessage());
    }

    /** The stream overload (the embedded data's path) gives the same data set as the file overload. */
    @Test
    void readingStreamsGivesTheSameDataSetAsReadingFiles() throws IOException {
        SplittableRandom r = new SplittableRandom(8);
        byte[] images = idxImages(5, 3, 2, randomBytes(r, 30));
        byte[] labels = idxLabels(randomLabels(r, 5, 4));
        Path im = Files.write(dir.resolve("im.gz"), gzip(images));
        Path lb = Files.write(dir.resolve("lb"), labels);
        Dataset fromFiles = IdxReader.read(im, lb, 4, "files");
        Dataset fromStreams = IdxReader.read(in(gzip(images)), "im", in(labels), "lb", 4, "streams");
        assertEquals("streams", fromStreams.name());
        assertArrayEquals(fromFiles.images(), fromStreams.images());
        assertArrayEquals(fromFiles.labels(), fromStreams.labels());
        assertArrayEquals(new int[] {1, 3, 2}, fromStreams.sampleShape());
        assertEquals(4, fromStreams.numClasses());
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxReader.read(in(images),
                "im", in(cat(be32(IdxReader.LABELS_MAGIC, 4), new byte[4])), "lb", 4, "short"));
        assertEquals("count mismatch: im has 5 images but lb has 4 labels", e.getMessage());
    }
}
