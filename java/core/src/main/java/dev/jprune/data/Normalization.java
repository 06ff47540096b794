package dev.jprune.data;

import java.util.Arrays;

/**
 * Per-channel standardisation {@code x ← (x − mean[c]) / std[c]} of C×H×W samples.
 *
 * <p>Statistics are computed from the TRAIN split only and applied to both splits, so the test split never
 * influences preprocessing. Accumulation is in double, two-pass (mean, then squared deviations), in a fixed
 * order, so the result is deterministic and does not suffer sum-of-squares cancellation.
 * The standard deviation is the population one (divide by N), as torchvision's quoted constants are.
 */
public final class Normalization {
    private Normalization() {}

    /** Per-channel mean and standard deviation; immutable (accessors return copies). */
    public static final class ChannelStats {
        private final float[] mean;
        private final float[] std;

        /** @throws IllegalArgumentException if lengths differ, are zero, or a std is not positive and finite */
        public ChannelStats(float[] mean, float[] std) {
            if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
                throw new IllegalArgumentException("ChannelStats: mean and std must be non-empty and of equal length");
            }
            for (int c = 0; c < std.length; c++) {
                if (!(std[c] > 0) || !Float.isFinite(std[c]) || !Float.isFinite(mean[c])) {
                    throw new IllegalArgumentException("ChannelStats: channel " + c + " has mean " + mean[c]
                            + ", std " + std[c] + " (std must be positive and finite)");
                }
            }
            this.mean = mean.clone();
            this.std = std.clone();
        }

        /** Number of channels. */
        public int channels() { return mean.length; }
        /** Per-channel means (a copy). */
        public float[] mean() { return mean.clone(); }
        /** Per-channel standard deviations (a copy). */
        public float[] std() { return std.clone(); }
        /** Mean of channel {@code c}. */
        public float mean(int c) { return mean[c]; }
        /** Standard deviation of channel {@code c}. */
        public float std(int c) { return std[c]; }

        @Override
        public String toString() {
            return "ChannelStats[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
        }
    }

    /** The well-known MNIST training-set constants (mean 0.1307, std 0.3081), one channel. */
    public static final ChannelStats MNIST = new ChannelStats(new float[] {0.1307f}, new float[] {0.3081f});

    /** The commonly quoted Fashion-MNIST training-set constants (mean 0.2860, std 0.3530), one channel. */
    public static final ChannelStats FASHION_MNIST = new ChannelStats(new float[] {0.2860f}, new float[] {0.3530f});

    /**
     * Per-channel mean and population std of {@code d} (not modified).
     *
     * @throws IllegalArgumentException if {@code d} is empty or a channel is constant (std 0)
     */
    public static ChannelStats compute(Dataset d) {
        int n = d.size(), c = d.channels(), plane = d.sampleSize() / c, ss = d.sampleSize();
        if (n == 0) throw new IllegalArgumentException("Normalization.compute " + d.name() + ": empty data set");
        float[] x = d.images();
        double count = (double) n * plane;
        float[] mean = new float[c], std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                int o = i * ss + ch * plane;
                for (int k = 0; k < plane; k++) s += x[o + k];
            }
            double m = s / count;
            double q = 0;
            for (int i = 0; i < n; i++) {
                int o = i * ss + ch * plane;
                for (int k = 0; k < plane; k++) { double e = x[o + k] - m; q += e * e; }
            }
            double sd = Math.sqrt(q / count);
            if (!(sd > 0)) {
                throw new IllegalArgumentException("Normalization.compute " + d.name() + ": channel " + ch
                        + " is constant (std 0)");
            }
            mean[ch] = (float) m;
            std[ch] = (float) sd;
        }
        return new ChannelStats(mean, std);
    }

    /**
     * Standardises {@code d} <b>in place</b>: its {@link Dataset#images()} array is overwritten with
     * {@code (x − mean[c]) / std[c]}. Division (not multiplication by 1/std) matches torchvision's Normalize.
     *
     * @throws IllegalArgumentException if the channel counts differ (nothing is modified then)
     */
    public static void apply(Dataset d, ChannelStats s) {
        int c = d.channels();
        if (s.channels() != c) {
            throw new IllegalArgumentException("Normalization.apply " + d.name() + ": data has " + c
                    + " channels, stats have " + s.channels());
        }
        int n = d.size(), plane = d.sampleSize() / c, ss = d.sampleSize();
        float[] x = d.images();
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                float m = s.mean[ch], sd = s.std[ch];
                int o = i * ss + ch * plane;
                for (int k = 0; k < plane; k++) x[o + k] = (x[o + k] - m) / sd;
            }
        }
    }

    /**
     * Computes statistics on {@code split.train()} and applies them <b>in place</b> to both the train and the
     * test images. Returns the statistics (needed to preprocess any later input the same way).
     */
    public static ChannelStats fitAndApply(Split split) {
        ChannelStats s = compute(split.train());
        apply(split.train(), s);
        if (split.test() != split.train()) apply(split.test(), s); // never standardise one array twice
        return s;
    }

    /** Applies the given fixed statistics (e.g. {@link #MNIST}) <b>in place</b> to both splits. */
    public static void applyFixed(Split split, ChannelStats s) {
        if (s.channels() != split.train().channels()) {
            throw new IllegalArgumentException("Normalization.applyFixed: data has " + split.train().channels()
                    + " channels, stats have " + s.channels());
        }
        apply(split.train(), s);
        if (split.test() != split.train()) apply(split.test(), s);
    }
}
