package dev.jprune.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.jprune.data.DataFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class Cifar10ReaderTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmp() throws IOException { ensureTmpDir(); }

    private static final int[] TRAIN_COUNTS = {3, 2, 1, 4, 2};
    private static final int TEST_COUNT = 3;

    private int[][][][][] trainPx = new int[5][][][][];
    private int[][] trainLabels = new int[5][];
    private int[][][][] testPx;
    private int[] testLabels;

    private void writeFolder(Path d) throws IOException {
        SplittableRandom r = new SplittableRandom(11);
        for (int b = 0; b < 5; b++) {
            trainPx[b] = randomCifarPixels(r, TRAIN_COUNTS[b]);
            trainLabels[b] = new int[TRAIN_COUNTS[b]];
            for (int i = 0; i < TRAIN_COUNTS[b]; i++) trainLabels[b][i] = (b * 3 + i) % 10; // known, covers 0..9
            Files.write(d.resolve("data_batch_" + (b + 1) + ".bin"), cifarRecords(trainPx[b], trainLabels[b]));
        }
        testPx = randomCifarPixels(r, TEST_COUNT);
        testLabels = new int[] {9, 0, 5};
        Files.write(d.resolve("test_batch.bin"), cifarRecords(testPx, testLabels));
    }

    /** Checks d's sample s against px[c][y][x] via the C×H×W index of a sample tensor. */
    private static void assertSample(Dataset d, int s, int[][][] px, int label) {
        assertEquals(label, d.label(s), "label of sample " + s);
        float[] t = d.sample(s).data; // [3, 32, 32]
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++) {
                    float expect = (float) (px[c][y][x] / 255.0);
                    assertEquals(expect, t[(c * 32 + y) * 32 + x], 0f,
                            "sample " + s + " c=" + c + " y=" + y + " x=" + x);
                }
    }

    @Test
    void exactPixelPlacementTrainAndTest() throws IOException {
        writeFolder(dir);
        Split s = Cifar10Reader.read(dir);
        int total = Arrays.stream(TRAIN_COUNTS).sum();
        assertEquals(total, s.train().size());
        assertEquals(TEST_COUNT, s.test().size());
        assertArrayEquals(new int[] {3, 32, 32}, s.train().sampleShape());
        assertEquals(10, s.train().numClasses());
        int at = 0;
        for (int b = 0; b < 5; b++)
            for (int i = 0; i < TRAIN_COUNTS[b]; i++) assertSample(s.train(), at++, trainPx[b][i], trainLabels[b][i]);
        for (int i = 0; i < TEST_COUNT; i++) assertSample(s.test(), i, testPx[i], testLabels[i]);
    }

    @Test
    void singlePixelMarkerLandsInItsChannelRowCol() throws IOException {
        // One record, all zero except R(0,1)=255, G(2,0)=51, B(31,31)=255: catches swapped rows/cols or channels.
        int[][][][] px = new int[1][3][32][32];
        px[0][0][0][1] = 255;
        px[0][1][2][0] = 51;
        px[0][2][31][31] = 255;
        Path f = dir.resolve("one.bin");
        Files.write(f, cifarRecords(px, new int[] {4}));
        Dataset d = Cifar10Reader.readBatch(f, "one");
        float[] im = d.images();
        int nonZero = 0;
        for (float v : im) if (v != 0) nonZero++;
        assertEquals(3, nonZero);
        assertEquals(1f, im[1]);                        // c0, y0, x1
        assertEquals(51 / 255f, im[1024 + 2 * 32]);      // c1, y2, x0
        assertEquals(1f, im[2 * 1024 + 31 * 32 + 31]);   // c2, y31, x31
        assertEquals(4, d.label(0));
    }

    @Test
    void missingFilesAreListed() throws IOException {
        writeFolder(dir);
        Files.delete(dir.resolve("data_batch_3.bin"));
        Files.delete(dir.resolve("test_batch.bin"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Cifar10Reader.read(dir));
        assertTrue(e.getMessage().contains("data_batch_3.bin") && e.getMessage().contains("test_batch.bin")
                && e.getMessage().contains(dir.toString()), e.getMessage());
        e = assertThrows(NoSuchFileException.class, () -> Cifar10Reader.readTest(dir));
        assertTrue(e.getMessage().contains("test_batch.bin"), e.getMessage());
    }

    @Test
    void sizeNotMultipleOfRecord() throws IOException {
        Path f = dir.resolve("bad.bin");
        Files.write(f, new byte[3073 * 2 + 1]);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Cifar10Reader.readBatch(f, "x"));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("6147")
                && e.getMessage().contains("3073"), e.getMessage());
        Path g = dir.resolve("short.bin");
        Files.write(g, new byte[3072]);
        assertThrows(DatasetFormatException.class, () -> Cifar10Reader.readBatch(g, "x"));
        Path empty = dir.resolve("empty.bin");
        Files.write(empty, new byte[0]);
        e = assertThrows(DatasetFormatException.class, () -> Cifar10Reader.readBatch(empty, "x"));
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
    }

    @Test
    void labelAboveNine() throws IOException {
        writeFolder(dir);
        Path f = dir.resolve("data_batch_4.bin");
        byte[] b = Files.readAllBytes(f);
        b[2 * 3073] = 10; // record 2's label
        Files.write(f, b);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Cifar10Reader.readTrain(dir));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("label 10")
                && e.getMessage().contains("record 2"), e.getMessage());
        b[2 * 3073] = (byte) 255;
        Files.write(f, b);
        e = assertThrows(DatasetFormatException.class, () -> Cifar10Reader.readTrain(dir));
        assertTrue(e.getMessage().contains("label 255"), e.getMessage());
    }
}
