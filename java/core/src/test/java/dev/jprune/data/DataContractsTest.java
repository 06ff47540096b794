package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.util.Rng;
import java.util.Iterator;
import org.junit.jupiter.api.Test;

/** Contracts of dev.jprune.data pinned against their documented behaviour (issue 20). */
class DataContractsTest {

    /** Reference generator written from SyntheticImages' Javadoc (draw order, waves, offset, contrast, noise). */
    private static float[][] referenceSynthetic(int train, int test, double noise, long seed, int[][] labelsOut) {
        Rng rng = new Rng(seed);
        int cls = 10, ch = 3, s = 32, waves = 3;
        double[][] w = new double[cls * ch * waves][4];
        for (double[] wi : w) {
            wi[0] = 0.12 + 0.1 * rng.nextDouble();
            wi[1] = 2 * Math.PI * (0.5 + 2.5 * rng.nextDouble()) / s;
            wi[2] = 2 * Math.PI * (0.5 + 2.5 * rng.nextDouble()) / s;
            wi[3] = 2 * Math.PI * rng.nextDouble();
        }
        int[] counts = {train, test};
        float[][] out = new float[2][];
        for (int part = 0; part < 2; part++) {
            int n = counts[part];
            float[] x = new float[n * ch * s * s];
            labelsOut[part] = new int[n];
            for (int i = 0; i < n; i++) {
                int c = rng.nextInt(cls);
                labelsOut[part][i] = c;
                int dx = rng.nextInt(9) - 4;
                int dy = rng.nextInt(9) - 4;
                double contrast = 0.6 + 0.8 * rng.nextDouble();
                int at = i * ch * s * s;
                for (int q = 0; q < ch; q++) {
                    for (int y = 0; y < s; y++) {
                        for (int xx = 0; xx < s; xx++) {
                            double v = 0;
                            for (int k = 0; k < waves; k++) {
                                double[] wk = w[(c * ch + q) * waves + k];
                                v += wk[0] * Math.sin(wk[1] * (xx + dx) + wk[2] * (y + dy) + wk[3]);
                            }
                            double px = 0.5 + contrast * v + noise * rng.nextGaussian();
                            px = Math.max(0, Math.min(1, px));
                            x[at++] = Math.round(px * 255) / 255f;
                        }
                    }
                }
            }
            out[part] = x;
        }
        return out;
    }

    @Test
    void syntheticImagesMatchDocumentedGeneratorExactly() {
        for (double noise : new double[] {0.0, 0.3}) {
            Split sp = SyntheticImages.generate("train=3,test=2,noise=" + noise + ",seed=7");
            int[][] lb = new int[2][];
            float[][] ref = referenceSynthetic(3, 2, noise, 7, lb);
            assertArrayEquals(ref[0], sp.train().images(), "train pixels, noise " + noise);
            assertArrayEquals(lb[0], sp.train().labels());
            assertArrayEquals(ref[1], sp.test().images(), "test pixels, noise " + noise);
            assertArrayEquals(lb[1], sp.test().labels());
            assertArrayEquals(new int[] {3, 32, 32}, sp.train().sampleShape());
            assertEquals(10, sp.test().numClasses());
        }
    }

    @Test
    void syntheticImagesNoiseZeroAllowedNegativeRejected() {
        // noise=0 is documented as valid (>= 0); a negative noise names the parameter.
        SyntheticImages.generate("train=1,test=1,noise=0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticImages.generate("train=1,test=1,noise=-0.5"));
        assertTrue(e.getMessage().contains("noise"), e.getMessage());
    }

    @Test
    void syntheticImagesSeedDeterminesData() {
        Split a = SyntheticImages.generate("train=2,test=1,seed=3");
        Split b = SyntheticImages.generate("train=2,test=1,seed=3");
        Split c = SyntheticImages.generate("train=2,test=1,seed=4");
        assertArrayEquals(a.train().images(), b.train().images());
        assertTrue(!java.util.Arrays.equals(a.train().images(), c.train().images()));
    }

    /** SplitMix64 finaliser, written from its published constants. */
    private static long splitmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Test
    void epochSeedIsTwoSplitMixRounds() {
        long[] seeds = {0L, 1L, 42L, -7L, 0x123456789ABCDEFL};
        for (long s : seeds) {
            for (int e : new int[] {0, 1, 5}) {
                long expect = splitmix(splitmix(s) + 0x9E3779B97F4A7C15L * (e + 1L));
                assertEquals(expect, Batcher.epochSeed(s, e), "seed " + s + " epoch " + e);
            }
        }
    }

    private static Dataset small(int n) {
        float[] x = new float[n * 2];
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = 100 + i;
            l[i] = i % 3;
        }
        return new Dataset("small", x, l, new int[] {2}, 3);
    }

    @Test
    void batcherAccessorsAndPartialLastBatch() {
        Batcher b = new Batcher(small(7), 3, false, false, 1);
        assertEquals(3, b.batchSize());
        assertEquals(7, b.datasetSize());
        int idx = 0;
        int expectedFirst = 0;
        for (Batcher.Batch bt : b.epoch(0)) {
            assertEquals(idx, bt.index());
            int size = Math.min(3, 7 - expectedFirst);
            assertEquals(size, bt.size());
            for (int k = 0; k < size; k++) {
                int i = expectedFirst + k;
                assertEquals(i, bt.indices()[k]);
                assertEquals(i % 3, bt.labels()[k]);
                assertEquals(i, bt.x().data[2 * k], 0f);
                assertEquals(100 + i, bt.x().data[2 * k + 1], 0f);
            }
            expectedFirst += size;
            idx++;
        }
        assertEquals(3, idx);
    }

    @Test
    void batcherRegressionTargetsFollowOrder() {
        float[] x = {0, 1, 2, 3, 4};
        float[] t = {10, 11, 20, 21, 30, 31, 40, 41, 50, 51};
        Dataset d = Dataset.regression("r", x, t, new int[] {1}, 2);
        Batcher b = new Batcher(d, 2, true, false, 9);
        int[] order = b.order(0);
        int pos = 0;
        for (Batcher.Batch bt : b.epoch(0)) {
            for (int k = 0; k < bt.size(); k++) {
                int i = order[pos++];
                assertEquals(i, bt.indices()[k]);
                assertEquals(10 * (i + 1), bt.targets().data[2 * k], 0f);
                assertEquals(10 * (i + 1) + 1, bt.targets().data[2 * k + 1], 0f);
            }
        }
        assertEquals(5, pos);
    }

    @Test
    void supersededBatchAccessorsThrow() {
        Batcher b = new Batcher(small(6), 2, false, false, 1);
        Iterator<Batcher.Batch> it = b.epoch(0).iterator();
        Batcher.Batch first = it.next();
        it.next();
        assertThrows(IllegalStateException.class, first::indices);
        assertThrows(IllegalStateException.class, first::targets);
        assertThrows(IllegalStateException.class, first::copy);
    }

    @Test
    void datasetNameLabelIndexCheckAndCounts() {
        Dataset d = small(5);
        assertEquals("small", d.name());
        assertThrows(RuntimeException.class, () -> d.label(5));
        assertThrows(RuntimeException.class, () -> d.label(-1));
        assertArrayEquals(new int[] {2, 2, 1}, d.classCounts());
        Dataset c = d.copy();
        assertArrayEquals(d.images(), c.images());
        assertTrue(c.images() != d.images());
    }

    @Test
    void datasetSizeMismatchRejected() {
        // 2 labels x sample size 3 = 6 floats; 5 or 7 must be rejected, 6 accepted.
        new Dataset("m", new float[6], new int[2], new int[] {3}, 1);
        assertThrows(IllegalArgumentException.class,
                () -> new Dataset("m", new float[5], new int[2], new int[] {3}, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new Dataset("m", new float[7], new int[2], new int[] {3}, 1));
        // a sample shape of exactly Integer.MAX_VALUE floats is not "too large" by itself
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("m", new float[0], new int[1], new int[] {Integer.MAX_VALUE}, 1));
        assertTrue(e.getMessage().contains("labels"), e.getMessage());
    }

    @Test
    void regressionShapeChecksAndSize() {
        Dataset r = Dataset.regression("r", new float[6], new float[4], new int[] {3}, 2);
        assertEquals(2, r.size());
        assertThrows(IllegalArgumentException.class,
                () -> Dataset.regression("r", new float[6], new float[4], new int[] {0}, 2));
        assertThrows(IllegalArgumentException.class,
                () -> Dataset.regression("r", new float[6], new float[6], new int[] {3}, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.regression("r", new float[6], new float[] {0, 0, Float.NaN, 0}, new int[] {3}, 2));
        assertTrue(e.getMessage().contains("sample 1"), e.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> Dataset.regression("r", new float[0], new float[1], new int[] {Integer.MAX_VALUE}, 1));
        assertTrue(big.getMessage().contains("do not match"), big.getMessage());
    }

    @Test
    void regressionSelectAndSubsetCopyTargets() {
        float[] x = {1, 2, 3};
        float[] t = {10, 11, 20, 21, 30, 31};
        Dataset d = Dataset.regression("r", x, t, new int[] {1}, 2);
        Dataset s = d.select(new int[] {2, 0}, "sel");
        assertArrayEquals(new float[] {3, 1}, s.images());
        assertArrayEquals(new float[] {30, 31, 10, 11}, s.targets());
        Dataset sub = d.subset(1, 3);
        assertArrayEquals(new float[] {20, 21, 30, 31}, sub.targets());
        assertEquals(2, sub.size());
        assertThrows(IllegalArgumentException.class, () -> d.select(new int[] {3}, "bad"));
        Dataset cp = d.copy();
        assertArrayEquals(t, cp.targets());
        assertNotEquals(System.identityHashCode(t), System.identityHashCode(cp.targets()));
    }
}
