package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dataset, RegressionData and the CIFAR-10 reader at their size limits and in their messages. */
class DatasetLimitsTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void tmp() throws IOException {
        DataFixtures.ensureTmpDir();
    }

    @Test
    void aLengthMismatchSaysHowManyFloatsTheLabelsNeed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("m", new float[5], new int[2], new int[] {3}, 1));
        assertEquals("Dataset m: 2 labels × sample size 3 = 6 floats, but images has 5", e.getMessage());
    }

    @Test
    void labelOfASampleOutsideTheSetNamesTheSetAndRange() {
        Dataset d = new Dataset("five", new float[5], new int[5], new int[] {1}, 1);
        for (int i : new int[] {5, -1}) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> d.label(i));
            assertEquals("Dataset five: sample " + i + " out of range [0, 5)", e.getMessage());
        }
    }

    @Test
    void aRegressionSetHasNoClassesToCount() {
        Dataset r = Dataset.regression("r", new float[2], new float[2], new int[] {1}, 1);
        assertArrayEquals(new int[0], r.classCounts());
    }

    @Test
    void aZeroDimensionIsRejectedEvenWhenTheLengthsWouldAgree() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.regression("z", new float[0], new float[3], new int[] {0}, 1));
        assertEquals("Dataset z: non-positive dimension in [0]", e.getMessage());
    }

    /** 2048 parts of 2^20 floats would be 2^31 floats: refused before anything is allocated. */
    @Test
    void concatRefusesMoreThan2To31FloatsBeforeAllocating() {
        Dataset one = new Dataset("big", new float[1 << 20], new int[1], new int[] {1 << 20}, 1);
        Dataset[] parts = new Dataset[2048];
        Arrays.fill(parts, one);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.concat("all", parts));
        assertEquals("Dataset.concat all: 2048 samples exceed 2^31 floats", e.getMessage());
        assertEquals(4, Dataset.concat("four", one, one, one, one).size());
    }

    @Test
    void regressionDataChecksItsTargetCountAgainstItsRows() {
        RegressionData ok = new RegressionData("rd", new float[6], 2, new float[6], 2);
        assertEquals(3, ok.size());
        assertEquals("rd", ok.name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RegressionData("rd", new float[6], 2, new float[5], 2));
        assertEquals("RegressionData rd: 3 rows need 6 targets, got 5", e.getMessage());
    }

    @Test
    void regressionDataSubsetCopiesExactlyTheAskedRows() {
        float[] x = {0, 1, 10, 11, 20, 21, 30, 31};
        float[] t = {0, -0.5f, -1, -1.5f, -2, -2.5f, -3, -3.5f}; // two targets per row
        RegressionData d = new RegressionData("rd", x, 2, t, 2);
        RegressionData mid = d.subset(1, 3);
        assertEquals("rd[1:3]", mid.name());
        assertArrayEquals(new float[] {10, 11, 20, 21}, mid.x());
        assertArrayEquals(new float[] {-1, -1.5f, -2, -2.5f}, mid.targets());
        assertArrayEquals(x, d.subset(0, 4).x());
        assertEquals(0, d.subset(2, 2).size());
        for (int[] bad : new int[][] {{-1, 2}, {0, 5}, {3, 2}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.subset(bad[0], bad[1]));
            assertEquals("RegressionData rd: subset [" + bad[0] + ", " + bad[1] + ") out of range for 4 rows",
                    e.getMessage());
        }
    }

    /** A (sparse) batch file of 699051 records would need 2^31 + 1024 floats: refused from its size alone. */
    @Test
    void cifarFilesTooLargeForOneArrayAreRefusedBeforeReading() throws IOException {
        Path f = dir.resolve("huge.bin");
        long records = 699_051;
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(records * Cifar10Reader.RECORD_BYTES);
        }
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Cifar10Reader.readBatch(f, "h"));
        assertEquals("h: 699051 records exceed 2^31 floats", e.getMessage());
    }

    @Test
    void aFolderWithSomeCifarBatchesIsCifarAndNamesTheMissingOnes() throws IOException {
        Path d = Files.createDirectories(dir.resolve("partial"));
        Files.write(d.resolve("data_batch_3.bin"), new byte[Cifar10Reader.RECORD_BYTES]);
        assertTrue(Cifar10Reader.looksLikeCifar(d));
        java.nio.file.NoSuchFileException e = assertThrows(java.nio.file.NoSuchFileException.class,
                () -> Datasets.load(d.toString()));
        assertTrue(e.getMessage().endsWith("CIFAR-10 folder is missing data_batch_1.bin, data_batch_2.bin, "
                + "data_batch_4.bin, data_batch_5.bin, test_batch.bin"), e.getMessage());
    }
}
