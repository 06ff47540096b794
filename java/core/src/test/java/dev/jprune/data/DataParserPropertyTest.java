package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.testutil.Mutations;
import dev.jprune.testutil.Properties;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Properties (seeded random mutation, see {@link Properties}): damaged IDX files (plain, gzip, and gzip of damaged
 * plain bytes) and CIFAR-10 batch files either parse into a consistent data set or fail with
 * {@link DatasetFormatException} naming the source — never another exception, an OutOfMemoryError or a hang.
 */
class DataParserPropertyTest {
    @BeforeAll
    static void tmp() throws IOException {
        DataFixtures.ensureTmpDir();
    }

    @Test
    void damagedIdxFilesFailOnlyWithDatasetFormatException() {
        Properties.forAll("idx mutations", 0, Duration.ofSeconds(20), r -> {
            int n = r.nextInt(6), rows = 1 + r.nextInt(5), cols = 1 + r.nextInt(5);
            boolean labels = r.nextBoolean();
            byte[] plain = labels ? DataFixtures.idxLabels(DataFixtures.randomLabels(r, n, 10))
                    : DataFixtures.idxImages(n, rows, cols, DataFixtures.randomBytes(r, n * rows * cols));
            byte[] bad;
            switch (r.nextInt(3)) {
                case 0 -> bad = Mutations.mutate(plain, 1 + r.nextInt(3), r, 0, 0);
                case 1 -> bad = DataFixtures.gzip(Mutations.mutate(plain, 1 + r.nextInt(3), r, 0, 0));
                default -> bad = Mutations.mutate(DataFixtures.gzip(plain), 1 + r.nextInt(3), r, 0, 0);
            }
            String source = "mutated-" + (labels ? "labels" : "images");
            try {
                if (labels) {
                    int[] l = IdxReader.readLabels(new ByteArrayInputStream(bad), source, 10);
                    for (int v : l) assertTrue(v >= 0 && v < 10);
                } else {
                    IdxReader.Images im = IdxReader.readImages(new ByteArrayInputStream(bad), source);
                    assertEquals((long) im.count * im.rows * im.cols, im.pixels.length);
                }
            } catch (DatasetFormatException e) {
                assertTrue(e.getMessage().startsWith(source + ": "), e.getMessage());
                assertTrue(!e.getMessage().contains("(null)"), e.getMessage());
            }
        });
    }

    /**
     * Found by the property above: count × rows × cols overflowed a long and reached readNBytes as a negative length.
     */
    @Test
    void idxHeaderWhoseSizeOverflowsALongIsAFormatError() {
        byte[] header = DataFixtures.be32(IdxReader.IMAGES_MAGIC, Integer.MAX_VALUE, Integer.MAX_VALUE,
                Integer.MAX_VALUE);
        DatasetFormatException e = org.junit.jupiter.api.Assertions.assertThrows(DatasetFormatException.class,
                () -> IdxReader.readImages(new ByteArrayInputStream(header), "huge"));
        assertTrue(e.getMessage().startsWith("huge: header declares"), e.getMessage());
    }

    @Test
    void damagedCifarBatchesFailOnlyWithDatasetFormatException() {
        Properties.forAll("cifar mutations", 0, Duration.ofSeconds(20), r -> {
            int n = 1 + r.nextInt(3);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = r.nextInt(10);
            byte[] valid = DataFixtures.cifarRecords(DataFixtures.randomCifarPixels(r, n), labels);
            byte[] bad = Mutations.mutate(valid, 1 + r.nextInt(3), r, 0, 0);
            Path f = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "cifar", ".bin");
            try {
                Files.write(f, bad);
                try {
                    Dataset d = Cifar10Reader.readBatch(f, "mutated");
                    assertEquals(bad.length / Cifar10Reader.RECORD_BYTES, d.size());
                } catch (DatasetFormatException e) {
                    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
                }
            } finally {
                Files.deleteIfExists(f);
            }
        });
    }
}
