package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * InputScaling against a reference written from its Javadoc: statistics of the train split only, per feature,
 * applied to both splits; constant features centred (standardize) or zeroed (unit); images only standardised.
 */
class InputScalingTest {
    private static final int F = 3;

    /** Tabular split: feature 0 random, feature 1 constant 4, feature 2 random on a larger scale. */
    private static Split tabular(int trainRows, int testRows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Dataset[] parts = new Dataset[2];
        int[] rows = {trainRows, testRows};
        for (int p = 0; p < 2; p++) {
            float[] x = new float[rows[p] * F];
            for (int i = 0; i < rows[p]; i++) {
                x[i * F] = (float) r.nextGaussian();
                x[i * F + 1] = 4;
                x[i * F + 2] = (float) (100 * r.nextDouble() - 20);
            }
            parts[p] = Dataset.regression(p == 0 ? "train" : "test", x, new float[rows[p]], new int[] {F}, 1);
        }
        return new Split(parts[0], parts[1]);
    }

    /** Per feature of the train split: {mean, population std, min, max}, in double. */
    private static double[][] trainStats(Split s) {
        float[] x = s.train().images();
        int n = s.train().size();
        double[][] st = new double[F][];
        for (int j = 0; j < F; j++) {
            double sum = 0, lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                sum += x[i * F + j];
                lo = Math.min(lo, x[i * F + j]);
                hi = Math.max(hi, x[i * F + j]);
            }
            double mean = sum / n, q = 0;
            for (int i = 0; i < n; i++) q += (x[i * F + j] - mean) * (x[i * F + j] - mean);
            st[j] = new double[] {mean, Math.sqrt(q / n), lo, hi};
        }
        return st;
    }

    private static void assertClose(double expect, float got, String what) {
        assertEquals(expect, got, 1e-5 * (1 + Math.abs(expect)), what);
    }

    @Test
    void standardizeUsesTheTrainSplitsMeanAndStdPerFeature() {
        Split s = tabular(40, 9, 1);
        Split before = tabular(40, 9, 1);
        double[][] st = trainStats(s);
        InputScaling.STANDARDIZE.apply(s);
        for (Dataset[] d : new Dataset[][] {{before.train(), s.train()}, {before.test(), s.test()}}) {
            for (int i = 0; i < d[0].size(); i++) {
                for (int j = 0; j < F; j++) {
                    double x = d[0].images()[i * F + j];
                    double expect = st[j][1] > 0 ? (x - st[j][0]) / st[j][1] : x - st[j][0];
                    assertClose(expect, d[1].images()[i * F + j], d[1].name() + " row " + i + " feature " + j);
                }
            }
        }
        assertEquals(0f, s.test().images()[1], 0f, "a constant feature is only centred");
    }

    @Test
    void unitMapsTheTrainRangeOfEachFeatureOnto0To1() {
        Split s = tabular(30, 7, 2);
        Split before = tabular(30, 7, 2);
        double[][] st = trainStats(s);
        InputScaling.UNIT.apply(s);
        for (Dataset[] d : new Dataset[][] {{before.train(), s.train()}, {before.test(), s.test()}}) {
            for (int i = 0; i < d[0].size(); i++) {
                for (int j = 0; j < F; j++) {
                    double x = d[0].images()[i * F + j];
                    double expect = st[j][3] > st[j][2] ? (x - st[j][2]) / (st[j][3] - st[j][2]) : 0;
                    assertClose(expect, d[1].images()[i * F + j], d[1].name() + " row " + i + " feature " + j);
                }
            }
        }
    }

    private static Split images() {
        return SyntheticImages.generate("train=3,test=2,seed=5");
    }

    @Test
    void unitAndNoneLeaveImagesAsReadAndStandardizeNormalisesPerChannel() {
        Split s = images();
        float[] train = s.train().images().clone(), test = s.test().images().clone();
        InputScaling.UNIT.apply(s);
        InputScaling.NONE.apply(s);
        assertArrayEquals(train, s.train().images());
        assertArrayEquals(test, s.test().images());
        InputScaling.STANDARDIZE.apply(s);
        Split ref = images();
        Normalization.fitAndApply(ref);
        assertArrayEquals(ref.train().images(), s.train().images());
        assertArrayEquals(ref.test().images(), s.test().images());
        Split auto = images();
        InputScaling.AUTO.apply(auto);
        assertArrayEquals(ref.test().images(), auto.test().images(), "auto standardises images");
        Split none = tabular(5, 2, 3);
        float[] raw = none.train().images().clone();
        InputScaling.NONE.apply(none);
        assertArrayEquals(raw, none.train().images());
    }

    @Test
    void parseAcceptsEachNameAndItsAliasesInAnyCase() {
        String[][] names = {{"auto", "AUTO"}, {"standardize", "Standardise", "standard"}, {" unit ", "0-1", "minmax"},
            {"none", "RAW"}};
        InputScaling[] expect = {InputScaling.AUTO, InputScaling.STANDARDIZE, InputScaling.UNIT, InputScaling.NONE};
        for (int k = 0; k < names.length; k++) {
            for (String n : names[k]) assertEquals(expect[k], InputScaling.parse(n), n);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InputScaling.parse("log"));
        assertEquals("--input-scaling must be auto, standardize, unit or none; got 'log'", e.getMessage());
    }
}
