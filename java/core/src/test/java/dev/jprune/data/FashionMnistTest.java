package dev.jprune.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FashionMnistTest {
    private static Split split;

    @BeforeAll
    static void load() throws IOException {
        assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST not installed at " + FashionMnist.DEFAULT_DIR
                + " (Debian package dataset-fashion-mnist); skipping the real-data checks");
        split = FashionMnist.load();
    }

    @Test
    void sizesAndBalancedClasses() {
        assertEquals(60_000, split.train().size());
        assertEquals(10_000, split.test().size());
        assertArrayEquals(new int[] {1, 28, 28}, split.train().sampleShape());
        assertEquals(10, split.train().numClasses());
        for (int c : split.train().classCounts()) assertEquals(6000, c);
        for (int c : split.test().classCounts()) assertEquals(1000, c);
        float max = 0;
        for (float v : split.test().images()) {
            assertTrue(v >= 0f && v <= 1f);
            max = Math.max(max, v);
        }
        assertEquals(1f, max);
    }

    @Test
    void trainStatisticsMatchTheQuotedConstants() {
        Normalization.ChannelStats s = Normalization.compute(split.train());
        assertEquals(Normalization.FASHION_MNIST.mean(0), s.mean(0), 5e-4);
        assertEquals(Normalization.FASHION_MNIST.std(0), s.std(0), 5e-4);
    }

    @Test
    void specLoadsTheSameData() throws IOException {
        Split s = Datasets.load("fashion-mnist");
        assertArrayEquals(split.test().labels(), s.test().labels());
        assertArrayEquals(split.test().images(), s.test().images());
    }

    @Test
    void theDefaultFolderAccessorsReadTheSameSplits() throws IOException {
        Dataset test = FashionMnist.test();
        assertEquals("fashion-mnist/test", test.name());
        assertArrayEquals(split.test().labels(), test.labels());
        assertArrayEquals(split.train().labels(), FashionMnist.train().labels());
    }
}
