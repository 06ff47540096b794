package dev.jprune.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static dev.jprune.data.DataFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class DatasetsTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmp() throws IOException { ensureTmpDir(); }

    private byte[] trainPx, testPx, trainLb, testLb;

    /** An MNIST-style folder with 6 train / 4 test 3×2 images; train files gzip-named, test files plain. */
    private Path idxFolder() throws IOException {
        SplittableRandom r = new SplittableRandom(21);
        trainPx = randomBytes(r, 6 * 6);
        testPx = randomBytes(r, 4 * 6);
        trainLb = randomLabels(r, 6, 10);
        testLb = randomLabels(r, 4, 10);
        Path d = Files.createDirectories(dir.resolve("mnistlike"));
        write(d.resolve("train-images-idx3-ubyte.gz"), idxImages(6, 3, 2, trainPx), true);
        write(d.resolve("train-labels-idx1-ubyte.gz"), idxLabels(trainLb), true);
        write(d.resolve("t10k-images-idx3-ubyte"), idxImages(4, 3, 2, testPx), false);
        write(d.resolve("t10k-labels-idx1-ubyte"), idxLabels(testLb), false);
        return d;
    }

    @Test
    void embedded() throws IOException {
        Split s = Datasets.load("embedded");
        assertEquals(8000, s.train().size());
        assertEquals(2000, s.test().size());
    }

    @Test
    void idxFolderIsDetectedAndRead() throws IOException {
        Path d = idxFolder();
        Split s = Datasets.load(d.toString());
        assertEquals(6, s.train().size());
        assertEquals(4, s.test().size());
        assertArrayEquals(new int[] {1, 3, 2}, s.test().sampleShape());
        for (int i = 0; i < testPx.length; i++)
            assertEquals(Byte.toUnsignedInt(testPx[i]) / 255f, s.test().images()[i], 0f);
        for (int i = 0; i < 6; i++) assertEquals(trainLb[i], s.train().label(i));
    }

    @Test
    void partialIdxFolderNamesTheMissingFile() throws IOException {
        Path d = idxFolder();
        Files.delete(d.resolve("t10k-labels-idx1-ubyte"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Datasets.load(d.toString()));
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte") && e.getMessage().contains(d.toString()),
                e.getMessage());
        assertFalse(FashionMnist.isAvailable(d));
    }

    @Test
    void cifarFolderIsDetectedAndRead() throws IOException {
        Path d = Files.createDirectories(dir.resolve("cifar"));
        SplittableRandom r = new SplittableRandom(4);
        for (int b = 1; b <= 5; b++)
            Files.write(d.resolve("data_batch_" + b + ".bin"), cifarRecords(randomCifarPixels(r, 1), new int[] {b}));
        int[][][][] px = randomCifarPixels(r, 2);
        Files.write(d.resolve("test_batch.bin"), cifarRecords(px, new int[] {7, 3}));
        Split s = Datasets.load(d.toString());
        assertEquals(5, s.train().size());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5}, s.train().labels());
        assertArrayEquals(new int[] {7, 3}, s.test().labels());
        assertEquals(px[1][2][5][9] / 255f, s.test().images()[3072 + 2 * 1024 + 5 * 32 + 9], 0f);
    }

    @Test
    void neitherLayoutOrMissingFolder() throws IOException {
        Path d = Files.createDirectories(dir.resolve("junk"));
        Files.write(d.resolve("readme.txt"), new byte[] {1});
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Datasets.load(d.toString()));
        assertTrue(e.getMessage().contains(d.toString()) && e.getMessage().contains("neither"), e.getMessage());
        Path missing = dir.resolve("absent");
        NoSuchFileException n = assertThrows(NoSuchFileException.class, () -> Datasets.load(missing.toString()));
        assertTrue(n.getMessage().contains(missing.toString()), n.getMessage());
        Path file = Files.write(dir.resolve("a-file"), new byte[] {1});
        assertThrows(DatasetFormatException.class, () -> Datasets.load(file.toString()));
        assertThrows(IllegalArgumentException.class, () -> Datasets.load(" "));
    }

    @Test
    void bothLayoutsIsAmbiguous() throws IOException {
        Path d = idxFolder();
        Files.write(d.resolve("test_batch.bin"), new byte[3073]);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Datasets.load(d.toString()));
        assertTrue(e.getMessage().contains("both"), e.getMessage());
    }

    @Test
    void badFileInsideFolderIsReportedByName() throws IOException {
        Path d = idxFolder();
        write(d.resolve("t10k-labels-idx1-ubyte"), idxLabels(new byte[] {1, 2, 3, 12}), false);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Datasets.load(d.toString()));
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte") && e.getMessage().contains("label 12"),
                e.getMessage());
    }
}
