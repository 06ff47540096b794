package dev.jprune.data;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LinearRegressionDataTest {
    @Test
    void noiselessTargetsAreExactlyLinear() {
        LinearRegressionData d = LinearRegressionData.generate(50, 7, new Rng(1), 0f);
        float[] w = d.trueWeights();
        for (int i = 0; i < 50; i++) {
            double y = d.trueBias();
            for (int j = 0; j < 7; j++) y += (double) d.x()[i * 7 + j] * w[j];
            assertEquals(y, d.y()[i], 1e-6 * (1 + Math.abs(y)), "row " + i);
        }
    }

    @Test
    void leastSquaresRecoversTrueParameters() {
        int n = 2000, f = 5;
        float noise = 0.05f;
        LinearRegressionData d = LinearRegressionData.generate(n, f, new Rng(3), noise);
        // Normal equations on [x, 1] solved by Gaussian elimination in double.
        int m = f + 1;
        double[][] a = new double[m][m + 1];
        for (int i = 0; i < n; i++) {
            double[] row = new double[m];
            for (int j = 0; j < f; j++) row[j] = d.x()[i * f + j];
            row[f] = 1;
            for (int p = 0; p < m; p++) {
                for (int q = 0; q < m; q++) a[p][q] += row[p] * row[q];
                a[p][m] += row[p] * d.y()[i];
            }
        }
        for (int p = 0; p < m; p++) {
            for (int r = p + 1; r < m; r++) {
                double k = a[r][p] / a[p][p];
                for (int q = p; q <= m; q++) a[r][q] -= k * a[p][q];
            }
        }
        double[] sol = new double[m];
        for (int p = m - 1; p >= 0; p--) {
            double s = a[p][m];
            for (int q = p + 1; q < m; q++) s -= a[p][q] * sol[q];
            sol[p] = s / a[p][p];
        }
        float[] w = d.trueWeights();
        for (int j = 0; j < f; j++) assertEquals(w[j], sol[j], 0.01, "weight " + j);
        assertEquals(d.trueBias(), sol[f], 0.01, "bias");
        // Residual spread matches the requested noise.
        double ss = 0;
        for (int i = 0; i < n; i++) {
            double pred = d.trueBias();
            for (int j = 0; j < f; j++) pred += (double) d.x()[i * f + j] * w[j];
            ss += (d.y()[i] - pred) * (d.y()[i] - pred);
        }
        assertEquals(noise, Math.sqrt(ss / n), 0.005);
    }

    @Test
    void deterministicAndValidated() {
        LinearRegressionData a = LinearRegressionData.generate(10, 3, new Rng(9), 0.1f);
        LinearRegressionData b = LinearRegressionData.generate(10, 3, new Rng(9), 0.1f);
        assertArrayEquals(a.x(), b.x());
        assertArrayEquals(a.y(), b.y());
        assertArrayEquals(a.trueWeights(), b.trueWeights());
        assertNotEquals(a.y()[0], LinearRegressionData.generate(10, 3, new Rng(10), 0.1f).y()[0]);
        assertEquals(1, a.data().targetSize());
        assertThrows(IllegalArgumentException.class, () -> LinearRegressionData.generate(0, 3, new Rng(1), 0));
        assertThrows(IllegalArgumentException.class, () -> LinearRegressionData.generate(3, 3, new Rng(1), -1));
        assertThrows(IllegalArgumentException.class, () -> LinearRegressionData.generate(3, 3, new Rng(1), Float.NaN));
        RegressionData s = a.data().subset(2, 5);
        assertEquals(3, s.size());
        assertEquals(a.x()[6], s.x()[0]);
        assertEquals(a.y()[2], s.targets()[0]);
    }
}
