package dev.jprune.data;

import dev.jprune.util.Rng;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * A configurable linear-regression problem {@code y = Σⱼ slopeⱼ·xⱼ + intercept + noise·ε}, ε ~ N(0, 1), as a
 * {@link Split} of regression data sets — the data of write-up 002 by default (100 samples, one feature,
 * x ~ U(0, 1), y = 2x + 1 + 0.5·ε). Specification ({@link Datasets#load}):
 * {@code synthetic-regression[:key=value,...]} with keys
 * <ul>
 *   <li>{@code n} training rows (default 100), {@code test} test rows (default: n, drawn after the training rows);</li>
 *   <li>{@code features} (default 1);</li>
 *   <li>{@code slope}: one number for every feature (default 2), colon-separated numbers one per feature
 *       ({@code slope=2:-1:0.5}), or {@code random} (N(0, 1) per feature, drawn first);</li>
 *   <li>{@code intercept} (default 1), {@code noise} standard deviation ≥ 0 (default 0.5);</li>
 *   <li>{@code x}: {@code uniform} (U(0, 1), default) or {@code normal} (N(0, 1));</li>
 *   <li>{@code seed} (default 1).</li>
 * </ul> Draw order from {@code new Rng(seed)}: random slopes (if asked), then per row — training rows first — its
 * features then its noise. y is accumulated in double and rounded once.
 */
public final class SyntheticRegression {
    /** The specification's name. */
    public static final String NAME = "synthetic-regression";
    private static final Set<String> KEYS = new java.util.LinkedHashSet<>(
            java.util.List.of("n", "test", "features", "slope", "intercept", "noise", "x", "seed"));

    private SyntheticRegression() {}

    /**
     * The generated problem.
     *
     * @param slopes    one per feature
     * @param normalX   x ~ N(0, 1) (else U(0, 1))
     */
    public record Spec(int n, int test, int features, double[] slopes, boolean randomSlopes, double intercept,
                       double noise, boolean normalX, long seed) {
        /** The training and test sets; their names carry the specification. */
        public Split generate() {
            Rng rng = new Rng(seed);
            double[] w = randomSlopes ? new double[features] : slopes.clone();
            if (randomSlopes) for (int j = 0; j < features; j++) w[j] = rng.nextGaussian();
            return new Split(rows(rng, n, w, NAME + "/train"), rows(rng, test, w, NAME + "/test"));
        }

        /** The slopes the data were drawn with (random ones drawn now from the seed). */
        public double[] trueSlopes() {
            if (!randomSlopes) return slopes.clone();
            Rng rng = new Rng(seed);
            double[] w = new double[features];
            for (int j = 0; j < features; j++) w[j] = rng.nextGaussian();
            return w;
        }

        private Dataset rows(Rng rng, int count, double[] w, String name) {
            float[] x = new float[count * features];
            float[] y = new float[count];
            for (int i = 0; i < count; i++) {
                double acc = intercept;
                for (int j = 0; j < features; j++) {
                    float v = normalX ? (float) rng.nextGaussian() : (float) rng.nextDouble();
                    x[i * features + j] = v;
                    acc += w[j] * v;
                }
                acc += noise * rng.nextGaussian();
                y[i] = (float) acc;
            }
            return Dataset.regression(name, x, y, new int[] {features}, 1);
        }
    }

    /**
     * Parses the parameters after "synthetic-regression:" (null or empty: the defaults).
     *
     * @throws IllegalArgumentException naming the bad parameter
     */
    public static Spec parse(String params) {
        DataSpecParams p = new DataSpecParams(NAME, params, KEYS);
        int n = p.integer("n", 100, 1, 50_000_000);
        int features = p.integer("features", 1, 1, 1_000_000);
        int test = p.integer("test", n, 1, 50_000_000);
        if ((long) Math.max(n, test) * features > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("--data " + NAME + ": " + Math.max(n, test) + " rows × " + features
                    + " features exceed 2^31 floats");
        }
        String s = p.string("slope", "2");
        boolean random = s.trim().toLowerCase(Locale.ROOT).equals("random");
        double[] slopes = new double[features];
        if (!random) {
            String[] parts = s.split(":");
            if (parts.length == 1) {
                Arrays.fill(slopes, p.parse("slope", parts[0].trim()));
            } else if (parts.length == features) {
                for (int j = 0; j < features; j++) slopes[j] = p.parse("slope", parts[j].trim());
            } else {
                throw new IllegalArgumentException("--data " + NAME + ": slope has " + parts.length + " values for "
                        + features
                        + " features; give one, one per feature (a:b:c) or random");
            }
        }
        double noise = p.number("noise", 0.5);
        if (noise < 0) throw new IllegalArgumentException("--data " + NAME + ": noise must be >= 0, got " + noise);
        String xd = p.string("x", "uniform").toLowerCase(Locale.ROOT);
        if (!xd.equals("uniform") && !xd.equals("normal")) {
            throw new IllegalArgumentException("--data " + NAME + ": x must be uniform or normal, got '" + xd + "'");
        }
        return new Spec(n, test, features, slopes, random, p.number("intercept", 1), noise, xd.equals("normal"),
                p.longValue("seed", 1));
    }
}
