package dev.jprune.data;

import dev.jprune.util.Rng;

/**
 * A synthetic linear-regression problem {@code y = x·w + b + noise·ε} with known true parameters, used to
 * check that training recovers them.
 *
 * <p>Draw order from {@code rng} (fixed, so the same seed gives the same data): the {@code features} weights
 * w ~ N(0,1), then the bias b ~ N(0,1), then for each row its {@code features} inputs x ~ N(0,1) followed by
 * its noise draw ε ~ N(0,1). The dot product is accumulated in double and rounded once.
 */
public final class LinearRegressionData {
    private final RegressionData data;
    private final float[] weights;
    private final float bias;
    private final float noise;

    private LinearRegressionData(RegressionData data, float[] weights, float bias, float noise) {
        this.data = data;
        this.weights = weights;
        this.bias = bias;
        this.noise = noise;
    }

    /**
     * Generates {@code n} rows; {@code rng} is advanced (it is the only argument modified).
     *
     * @param noise standard deviation of the additive Gaussian noise (0 for exact targets)
     * @throws IllegalArgumentException if {@code n < 1}, {@code features < 1}, or noise is negative or not finite
     */
    public static LinearRegressionData generate(int n, int features, Rng rng, float noise) {
        if (n < 1 || features < 1) {
            throw new IllegalArgumentException("LinearRegressionData.generate: n and features must be >= 1, got " + n
                    + ", " + features);
        }
        if (!(noise >= 0) || !Float.isFinite(noise)) {
            throw new IllegalArgumentException("LinearRegressionData.generate: noise must be finite and >= 0, got "
                    + noise);
        }
        if ((long) n * features > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("LinearRegressionData.generate: " + n + " × " + features
                    + " exceeds 2^31 floats");
        }
        float[] w = new float[features];
        for (int j = 0; j < features; j++) w[j] = (float) rng.nextGaussian();
        float b = (float) rng.nextGaussian();
        float[] x = new float[n * features]; // [n, features]
        float[] y = new float[n];            // [n, 1]
        for (int i = 0; i < n; i++) {
            double acc = b;
            for (int j = 0; j < features; j++) {
                float v = (float) rng.nextGaussian();
                x[i * features + j] = v;
                acc += (double) v * w[j];
            }
            acc += noise * rng.nextGaussian();
            y[i] = (float) acc;
        }
        return new LinearRegressionData(new RegressionData("linear-regression", x, features, y, 1), w, b, noise);
    }

    /** The data (x: [n, features], targets: [n, 1]). */
    public RegressionData data() { return data; }
    /** Inputs [n × features] (backing array). */
    public float[] x() { return data.x(); }
    /** Targets [n] (backing array). */
    public float[] y() { return data.targets(); }
    /** The true weights (a copy). */
    public float[] trueWeights() { return weights.clone(); }
    /** The bias the targets were generated with. */
    public float trueBias() { return bias; }
    /** Standard deviation of the Gaussian noise added to the targets. */
    public float noise() { return noise; }
    /** Number of samples. */
    public int size() { return data.size(); }
    /** Features per sample. */
    public int features() { return data.features(); }
}
