package dev.jprune.data;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class NormalizationTest {
    /** n random 3×4×5 samples; channel c has values around offset c and scale c+1 (never constant). */
    private static Dataset random(int n, long seed) {
        Rng r = new Rng(seed);
        float[] im = new float[n * 60];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 3; c++)
                for (int k = 0; k < 20; k++) im[i * 60 + c * 20 + k] = c + (c + 1) * (float) r.nextGaussian();
        int[] lb = new int[n];
        return new Dataset("r" + seed, im, lb, new int[] {3, 4, 5}, 1);
    }

    /** Reference: mean and population std by the sum / sum-of-squares formula in double. */
    private static double[] refStats(Dataset d, int c) {
        double s = 0, q = 0, cnt = 0;
        for (int i = 0; i < d.size(); i++)
            for (int k = 0; k < 20; k++) {
                double v = d.images()[i * 60 + c * 20 + k];
                s += v; q += v * v; cnt++;
            }
        double m = s / cnt;
        return new double[] {m, Math.sqrt(q / cnt - m * m)};
    }

    @Test
    void computeMatchesReference() {
        for (int n : new int[] {1, 7, 129}) {
            Dataset d = random(n, n);
            Normalization.ChannelStats s = Normalization.compute(d);
            for (int c = 0; c < 3; c++) {
                double[] ref = refStats(d, c);
                assertEquals(ref[0], s.mean(c), 1e-5 + 1e-5 * Math.abs(ref[0]), "mean c=" + c + " n=" + n);
                assertEquals(ref[1], s.std(c), 1e-5 + 1e-5 * ref[1], "std c=" + c + " n=" + n);
            }
        }
    }

    @Test
    void fitOnTrainAppliesToBothInPlace() {
        Dataset train = random(129, 1), test = random(7, 2);
        float[] testBefore = test.images().clone();
        double[][] ref = new double[3][];
        for (int c = 0; c < 3; c++) ref[c] = refStats(train, c);
        float[] trainArray = train.images();
        Normalization.ChannelStats s = Normalization.fitAndApply(new Split(train, test));
        assertSame(trainArray, train.images()); // in place
        for (int c = 0; c < 3; c++) {
            double[] after = refStats(train, c);
            assertEquals(0, after[0], 1e-5, "train mean after, c=" + c);
            assertEquals(1, after[1], 1e-5, "train std after, c=" + c);
            assertEquals(ref[c][0], s.mean(c), 1e-5);
        }
        // Test split uses the TRAIN statistics, not its own.
        for (int i = 0; i < testBefore.length; i++) {
            int c = (i % 60) / 20;
            assertEquals((testBefore[i] - s.mean(c)) / s.std(c), test.images()[i], 0f, "test element " + i);
        }
    }

    @Test
    void fixedConstantsAndErrors() {
        float[] im = {0f, 0.1307f, 1f, 0.5f};
        Dataset d = new Dataset("m", im, new int[] {0}, new int[] {1, 2, 2}, 1);
        Dataset t = d.copy();
        Normalization.applyFixed(new Split(d, t), Normalization.MNIST);
        assertEquals(-0.1307f / 0.3081f, d.images()[0], 1e-7);
        assertEquals(0f, d.images()[1], 1e-7);
        assertEquals((1f - 0.1307f) / 0.3081f, t.images()[2], 1e-7);
        // Channel mismatch: rejected, nothing modified.
        Dataset rgb = random(2, 3);
        float[] before = rgb.images().clone();
        assertThrows(IllegalArgumentException.class, () -> Normalization.apply(rgb, Normalization.MNIST));
        assertArrayEquals(before, rgb.images());
        // Constant channel and bad constants.
        Dataset flat = new Dataset("f", new float[8], new int[] {0, 0}, new int[] {1, 2, 2}, 1);
        assertThrows(IllegalArgumentException.class, () -> Normalization.compute(flat));
        assertThrows(IllegalArgumentException.class,
                () -> new Normalization.ChannelStats(new float[] {0}, new float[] {0}));
        // The constants cannot be altered through their accessors.
        Normalization.MNIST.mean()[0] = 5;
        assertEquals(0.1307f, Normalization.MNIST.mean(0));
    }

    @Test
    void sameObjectForBothSplitsIsNormalisedOnce() {
        Dataset d = random(7, 4);
        Normalization.fitAndApply(new Split(d, d));
        assertEquals(0, refStats(d, 0)[0], 1e-5);
        assertEquals(1, refStats(d, 0)[1], 1e-5);
    }
}
