package dev.jprune.data;

import java.util.Arrays;

/**
 * An in-memory regression data set: {@code n} rows of {@code features} inputs ({@link #x()}, [n, features]
 * row-major) and {@code targetSize} real targets ({@link #targets()}, [n, targetSize]).
 * Like {@link Dataset}, the accessors return the backing arrays (not copies).
 */
public final class RegressionData {
    private final String name;
    private final float[] x;       // [n, features]
    private final float[] targets; // [n, targetSize]
    private final int n;
    private final int features;
    private final int targetSize;

    /**
     * Wraps (does not copy) the arrays; {@code n = x.length / features}.
     *
     * @throws IllegalArgumentException for a null argument, sizes below 1, lengths that disagree, or an input or target
     *     that is NaN or infinite (naming the sample, as {@link Dataset#regression})
     */
    public RegressionData(String name, float[] x, int features, float[] targets, int targetSize) {
        if (name == null || x == null || targets == null) throw new IllegalArgumentException(
                "RegressionData: null argument");
        if (features < 1 || targetSize < 1) {
            throw new IllegalArgumentException("RegressionData " + name + ": features and targetSize must be >= 1, got "
                    + features + ", " + targetSize);
        }
        if (x.length % features != 0) {
            throw new IllegalArgumentException("RegressionData " + name + ": x has " + x.length
                    + " floats, not a multiple of " + features + " features");
        }
        int rows = x.length / features;
        if ((long) rows * targetSize != targets.length) {
            throw new IllegalArgumentException("RegressionData " + name + ": " + rows + " rows need "
                    + ((long) rows * targetSize) + " targets, got " + targets.length);
        }
        requireFinite(name, "input", x, features);
        requireFinite(name, "target", targets, targetSize);
        this.name = name;
        this.x = x;
        this.targets = targets;
        this.n = rows;
        this.features = features;
        this.targetSize = targetSize;
    }

    private static void requireFinite(String name, String what, float[] a, int perSample) {
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) {
                throw new IllegalArgumentException("RegressionData " + name + ": " + what + " " + i % perSample
                        + " of sample " + i / perSample + " is " + a[i] + "; every " + what
                        + " must be a finite number");
            }
        }
    }

    /** Name for messages. */
    public String name() { return name; }
    /** Number of samples. */
    public int size() { return n; }
    /** Features per sample. */
    public int features() { return features; }
    /** Targets per sample. */
    public int targetSize() { return targetSize; }
    /** Backing input array [n × features] (not a copy). */
    public float[] x() { return x; }
    /** Backing target array [n × targetSize] (not a copy). */
    public float[] targets() { return targets; }

    /** Independent copy of rows [from, to). */
    public RegressionData subset(int from, int to) {
        if (from < 0 || to > n || from > to) {
            throw new IllegalArgumentException("RegressionData " + name + ": subset [" + from + ", " + to
                    + ") out of range for " + n + " rows");
        }
        return new RegressionData(name + "[" + from + ":" + to + "]",
                Arrays.copyOfRange(x, from * features, to * features), features,
                Arrays.copyOfRange(targets, from * targetSize, to * targetSize), targetSize);
    }

    @Override
    public String toString() {
        return "RegressionData[" + name + ", n=" + n + ", features=" + features + ", targets=" + targetSize + "]";
    }
}
