package dev.jprune.data;

import java.util.Locale;

/**
 * How inputs are scaled before training, from statistics of the TRAIN split only (applied to both splits):
 * <ul>
 *   <li>{@link #STANDARDIZE}: images per channel ({@link Normalization#fitAndApply}), tabular data per feature
 *       (x − mean) / std (a constant feature is only centred);</li>
 *   <li>{@link #UNIT}: inputs in [0, 1] — images as read (pixel / 255, Keras' {@code x / 255.0}), tabular data
 *       min-max per feature (a constant feature becomes 0);</li>
 *   <li>{@link #NONE}: as read.</li>
 * </ul> {@link #AUTO} is STANDARDIZE for images and NONE for tabular data (sample shape [features]), whose scale may be
 * the point (the write-up's y = 2x + 1 on raw x).
 */
public enum InputScaling {
    /** STANDARDIZE for images, NONE for tabular data. */
    AUTO,
    /** Zero mean, unit standard deviation per channel (images) or feature (tabular). */
    STANDARDIZE,
    /** Inputs in [0, 1]. */
    UNIT,
    /** As read. */
    NONE;

    /**
     * Parses the command line's --input-scaling: auto, standardize, unit or none.
     *
     * @throws IllegalArgumentException naming the option
     */
    public static InputScaling parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "standardize", "standardise", "standard" -> STANDARDIZE;
            case "unit", "0-1", "minmax" -> UNIT;
            case "none", "raw" -> NONE;
            default -> throw new IllegalArgumentException("--input-scaling must be auto, standardize, unit or none; "
                    + "got '" + s + "'");
        };
    }

    /** Scales both splits' inputs in place with the train split's statistics (see the class comment). */
    public void apply(Split s) {
        boolean tabular = s.train().sampleShape().length == 1;
        InputScaling how = this == AUTO ? (tabular ? NONE : STANDARDIZE) : this;
        if (how == NONE || (how == UNIT && !tabular)) return;
        if (!tabular) {
            Normalization.fitAndApply(s);
            return;
        }
        int f = s.train().sampleSize(), n = s.train().size();
        float[] tr = s.train().images();
        double[] shift = new double[f], scale = new double[f];
        for (int j = 0; j < f; j++) {
            if (how == STANDARDIZE) {
                double mean = 0;
                for (int i = 0; i < n; i++) mean += tr[i * f + j];
                mean /= n;
                double var = 0;
                for (int i = 0; i < n; i++) { double d = tr[i * f + j] - mean; var += d * d; }
                double std = Math.sqrt(var / n);
                shift[j] = mean;
                scale[j] = std > 0 ? 1 / std : 1;
            } else {
                double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) { lo = Math.min(lo, tr[i * f + j]); hi = Math.max(hi, tr[i * f + j]); }
                shift[j] = lo;
                scale[j] = hi > lo ? 1 / (hi - lo) : 0;
            }
        }
        for (Dataset d : new Dataset[] {s.train(), s.test()}) {
            float[] x = d.images();
            for (int i = 0; i < d.size(); i++) {
                for (int j = 0; j < f; j++) x[i * f + j] = (float) ((x[i * f + j] - shift[j]) * scale[j]);
            }
        }
    }
}
