package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The generated data sets: write-up 002's problem by default, every parameter, and refusals naming the parameter. */
class SyntheticDataTest {
    /** Least-squares slope and intercept of y on a one-feature set. */
    static double[] fit(Dataset d) {
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int n = d.size();
        for (int i = 0; i < n; i++) {
            double x = d.images()[i], y = d.targets()[i];
            sx += x; sy += y; sxx += x * x; sxy += x * y;
        }
        double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        return new double[] {slope, (sy - slope * sx) / n};
    }

    @Test
    void theDefaultIsWriteUp002sProblem() {
        Split s = SyntheticRegression.parse(null).generate();
        assertEquals(100, s.train().size());
        assertEquals(100, s.test().size());
        assertTrue(s.train().isRegression());
        assertArrayEquals(new int[] {1}, s.train().sampleShape());
        for (float x : s.train().images()) assertTrue(x >= 0 && x < 1, "x ~ U(0, 1)");
        // y = 2x + 1 + 0.5·N(0, 1): on 100 000 rows the fit is within 0.02 of (2, 1); residual variance 0.25.
        Split big = SyntheticRegression.parse("n=100000").generate();
        double[] ab = fit(big.train());
        assertEquals(2, ab[0], 0.02);
        assertEquals(1, ab[1], 0.02);
        double rss = 0;
        for (int i = 0; i < big.train().size(); i++) {
            double r = big.train().targets()[i] - (ab[0] * big.train().images()[i] + ab[1]);
            rss += r * r;
        }
        assertEquals(0.25, rss / big.train().size(), 0.01);
        // Same seed, same data; another seed, other data.
        assertArrayEquals(s.train().targets(), SyntheticRegression.parse("seed=1").generate().train().targets());
        assertFalse(java.util.Arrays.equals(s.train().targets(),
                SyntheticRegression.parse("seed=2").generate().train().targets()));
    }

    @Test
    void everyParameterShapesTheData() {
        Split s = SyntheticRegression.parse("n=7,test=3,features=3,slope=1:0:-2,intercept=5,noise=0,x=normal,seed=4")
                .generate();
        assertEquals(7, s.train().size());
        assertEquals(3, s.test().size());
        float[] x = s.train().images(), y = s.train().targets();
        boolean negative = false;
        for (int i = 0; i < 7; i++) {
            assertEquals(x[3 * i] - 2.0 * x[3 * i + 2] + 5, y[i], 1e-5, "noise 0: y is exact");
            negative |= x[3 * i] < 0;
        }
        assertTrue(negative, "x ~ N(0, 1)");
        SyntheticRegression.Spec random = SyntheticRegression.parse("features=2,slope=random,noise=0");
        double[] w = random.trueSlopes();
        Split r = random.generate();
        assertEquals(w[0] * r.train().images()[0] + w[1] * r.train().images()[1] + 1, r.train().targets()[0], 1e-5);
    }

    @Test
    void badParametersAreNamed() {
        String[][] cases = {
            {"n=0", "n must be in"}, {"features=x", "features=x is not a whole number"}, {"slope=1:2",
                    "slope has 2 values for 1"},
            {"noise=-1", "noise must be >= 0"}, {"x=poisson", "x must be uniform or normal"}, {"intercept=NaN",
                    "must be finite"},
            {"size=3", "unknown parameter 'size'"}, {"n=3,n=4", "given twice"}, {"n", "must look like key=value"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    SyntheticRegression.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains("synthetic-regression"),
                    e.getMessage());
        }
    }

    @Test
    void generatedCifarFormatImagesAreByteValuedAndLabelled() throws Exception {
        Split s = Datasets.load("synthetic-cifar10:train=30,test=10,seed=2");
        assertArrayEquals(new int[] {3, 32, 32}, s.train().sampleShape());
        assertEquals(10, s.train().numClasses());
        assertEquals(30, s.train().size());
        for (float v : s.train().images()) assertEquals(Math.round(v * 255) / 255f, v, 0f,
                "k/255 as CIFAR-10's reader gives");
        assertArrayEquals(s.test().images(),
                Datasets.load("synthetic-cifar10:train=30,test=10,seed=2").test().images());
    }

    @Test
    void inputScalingUsesTheTrainSplitsStatistics() {
        Split s = SyntheticRegression.parse("n=50,features=2,x=normal").generate();
        InputScaling.UNIT.apply(s);
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (float v : s.train().images()) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        assertEquals(0f, lo, 1e-6);
        assertEquals(1f, hi, 1e-6);
        Split t = SyntheticRegression.parse("n=50,features=2,x=normal").generate();
        float[] before = t.train().images().clone();
        InputScaling.AUTO.apply(t);
        assertArrayEquals(before, t.train().images(), "auto leaves tabular data as read");
        InputScaling.STANDARDIZE.apply(t);
        double mean = 0;
        for (int i = 0; i < 50; i++) mean += t.train().images()[2 * i];
        assertEquals(0, mean / 50, 1e-5);
        assertThrows(IllegalArgumentException.class, () -> InputScaling.parse("log"));
    }
}
