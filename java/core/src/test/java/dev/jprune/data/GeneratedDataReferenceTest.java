package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * The generated regression problems against references written from their Javadoc draw order (with noise, so the
 * noise term's sign and scale are pinned), their parameter ranges at both ends, and the 2^31-float guards.
 */
class GeneratedDataReferenceTest {
    private static void assertClose(double expect, float got, String what) {
        assertEquals(expect, got, 1e-6 * (1 + Math.abs(expect)), what);
    }

    @Test
    void linearRegressionDataFollowsItsDocumentedDrawOrder() {
        for (int[] nf : new int[][] {{1, 1}, {7, 3}}) {
            int n = nf[0], f = nf[1];
            float noise = 0.75f;
            LinearRegressionData d = LinearRegressionData.generate(n, f, new Rng(11), noise);
            Rng r = new Rng(11);
            float[] w = new float[f];
            for (int j = 0; j < f; j++) w[j] = (float) r.nextGaussian();
            float b = (float) r.nextGaussian();
            assertArrayEquals(w, d.trueWeights());
            assertEquals(b, d.trueBias());
            for (int i = 0; i < n; i++) {
                double y = b;
                for (int j = 0; j < f; j++) {
                    float x = (float) r.nextGaussian();
                    assertEquals(x, d.x()[i * f + j], 0f, "x row " + i + " feature " + j);
                    y += (double) x * w[j];
                }
                y += noise * r.nextGaussian();
                assertClose(y, d.y()[i], "y row " + i);
            }
            assertEquals(n, d.size());
            assertEquals(f, d.features());
            assertEquals(noise, d.noise());
        }
    }

    @Test
    void linearRegressionDataRefusesEmptyAndTooLargeProblems() {
        assertThrows(IllegalArgumentException.class, () -> LinearRegressionData.generate(3, 0, new Rng(1), 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearRegressionData.generate(Integer.MAX_VALUE / 2, 3, new Rng(1), 0));
        assertEquals("LinearRegressionData.generate: 1073741823 × 3 exceeds 2^31 floats", e.getMessage());
    }

    @Test
    void syntheticRegressionFollowsItsDocumentedDrawOrder() {
        for (String xs : new String[] {"uniform", "normal"}) {
            SyntheticRegression.Spec spec = SyntheticRegression.parse("n=6,test=4,features=2,slope=1.5:-3,"
                    + "intercept=0.25,noise=0.5,seed=9,x=" + xs);
            Split s = spec.generate();
            assertArrayEquals(new double[] {1.5, -3}, spec.trueSlopes());
            Rng r = new Rng(9);
            for (Dataset d : new Dataset[] {s.train(), s.test()}) {
                for (int i = 0; i < d.size(); i++) {
                    double y = 0.25;
                    for (int j = 0; j < 2; j++) {
                        float x = xs.equals("normal") ? (float) r.nextGaussian() : (float) r.nextDouble();
                        assertEquals(x, d.images()[i * 2 + j], 0f, d.name() + " x row " + i);
                        y += spec.slopes()[j] * x;
                    }
                    y += 0.5 * r.nextGaussian();
                    assertClose(y, d.targets()[i], d.name() + " y row " + i);
                }
            }
        }
    }

    /** max(n, test) × features may reach 2^31 − 9 = 18046081 × 119 floats, not one row more. */
    @Test
    void syntheticRegressionSizeGuardIsExactlyTheLargestArray() {
        SyntheticRegression.Spec most = SyntheticRegression.parse("n=18046081,features=119");
        assertEquals(18046081, most.test());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticRegression.parse("n=5,test=18046082,features=119"));
        assertEquals("--data synthetic-regression: 18046082 rows × 119 features exceed 2^31 floats", e.getMessage());
    }

    @Test
    void wholeNumberParametersAcceptBothEndsOfTheirRange() {
        assertEquals(1, SyntheticRegression.parse("n=1").n());
        assertEquals(50_000_000, SyntheticRegression.parse("n=50000000").n());
        for (String bad : new String[] {"n=0", "n=50000001"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SyntheticRegression.parse(bad));
            assertEquals("--data synthetic-regression: n must be in [1, 50000000], got " + bad.substring(2),
                    e.getMessage());
        }
    }

    @Test
    void aParameterWithoutAKeyIsAFormError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticRegression.parse("=5"));
        assertEquals("--data synthetic-regression: parameter '=5' must look like key=value", e.getMessage());
    }

    @Test
    void aConstantChannelIsNamedAndStatsAreCopies() {
        Dataset flat = new Dataset("flat", new float[] {0.5f, 0.1f, 0.5f, 0.9f}, new int[2], new int[] {2, 1, 1}, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Normalization.compute(flat));
        assertEquals("Normalization.compute flat: channel 0 is constant (std 0)", e.getMessage());
        Dataset two = new Dataset("two", new float[] {0, 1, 2, 5}, new int[2], new int[] {2, 1, 1}, 1);
        Normalization.ChannelStats s = Normalization.compute(two);
        assertArrayEquals(new float[] {1, 2}, s.std());
        s.std()[0] = 9;
        assertEquals(1f, s.std(0));
    }
}
