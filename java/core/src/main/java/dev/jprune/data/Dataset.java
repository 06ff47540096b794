package dev.jprune.data;

import dev.jprune.tensor.Tensor;

import java.util.Arrays;

/**
 * A data set held in memory: {@code n} samples of shape {@link #sampleShape()} (images are C×H×W, tabular rows
 * [features]) stored row-major in one float array of length {@code n × sampleSize()}, plus per sample either one
 * class label in {@code [0, numClasses)} (classification) or {@link #targetSize()} real targets (regression, made by
 * {@link #regression}; then {@link #labels()} is null and {@link #numClasses()} is 0).
 *
 * <p>The arrays returned by {@link #images()} and {@link #labels()} are the backing arrays, not copies, so that
 * in-place preprocessing (see {@link Normalization#apply}) needs no extra memory. Everything else (shape,
 * count, class count, name) is immutable. Use {@link #copy()} or {@link #subset} to get independent data.
 */
public final class Dataset {
    private final String name;
    private final float[] images; // [n, ...sampleShape]
    private final int[] labels;   // [n], null for regression
    private final float[] targets; // [n, targetSize], null for classification
    private final int targetSize;
    private final int n;
    private final int[] sampleShape;
    private final int sampleSize;
    private final int numClasses;

    /**
     * Wraps (does not copy) {@code images} and {@code labels}. {@code n} is {@code labels.length}.
     *
     * @throws IllegalArgumentException if the array lengths disagree with the shape, a dimension is not
     *                                  positive, {@code numClasses < 1}, a label lies outside
     *                                  {@code [0, numClasses)}, or an input is not finite (naming the sample)
     */
    public Dataset(String name, float[] images, int[] labels, int[] sampleShape, int numClasses) {
        if (name == null) throw new IllegalArgumentException("Dataset: name is null");
        if (images == null || labels == null || sampleShape == null) {
            throw new IllegalArgumentException("Dataset " + name + ": images, labels and sampleShape must be non-null");
        }
        if (sampleShape.length == 0) throw new IllegalArgumentException("Dataset " + name + ": empty sample shape");
        long size = 1;
        for (int d : sampleShape) {
            if (d <= 0) throw new IllegalArgumentException("Dataset " + name
                    + ": non-positive dimension in sample shape " + Arrays.toString(sampleShape));
            size *= d;
            if (size > Integer.MAX_VALUE) throw new IllegalArgumentException("Dataset " + name + ": sample shape "
                    + Arrays.toString(sampleShape) + " too large");
        }
        if (numClasses < 1) throw new IllegalArgumentException("Dataset " + name + ": numClasses must be >= 1, got "
                + numClasses);
        int count = labels.length;
        if ((long) count * size != images.length) {
            throw new IllegalArgumentException("Dataset " + name + ": " + count + " labels × sample size " + size
                    + " = " + ((long) count * size) + " floats, but images has " + images.length);
        }
        for (int i = 0; i < count; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("Dataset " + name + ": label " + labels[i] + " of sample " + i
                        + " outside [0, " + numClasses + ")");
            }
        }
        requireFinite(name, images, (int) size);
        this.name = name;
        this.images = images;
        this.labels = labels;
        this.n = count;
        this.sampleShape = sampleShape.clone();
        this.sampleSize = (int) size;
        this.numClasses = numClasses;
        this.targets = null;
        this.targetSize = 0;
    }

    private Dataset(String name, float[] x, float[] targets, int[] sampleShape, int targetSize, int sampleSize) {
        this.name = name;
        this.images = x;
        this.labels = null;
        this.targets = targets;
        this.targetSize = targetSize;
        this.n = targets.length / targetSize;
        this.sampleShape = sampleShape.clone();
        this.sampleSize = sampleSize;
        this.numClasses = 0;
    }

    /**
     * A regression data set over (not copies of) {@code x} [n × product(sampleShape)] and {@code targets}
     * [n × targetSize]; n is {@code targets.length / targetSize}.
     *
     * @throws IllegalArgumentException if a length disagrees with the shapes, a dimension is not positive, or a value
     *                                  is not finite (naming the sample)
     */
    public static Dataset regression(String name, float[] x, float[] targets, int[] sampleShape, int targetSize) {
        if (name == null || x == null || targets == null || sampleShape == null) {
            throw new IllegalArgumentException("Dataset.regression: null argument");
        }
        if (sampleShape.length == 0 || targetSize < 1) {
            throw new IllegalArgumentException("Dataset " + name + ": needs a sample shape and targetSize >= 1, got "
                    + Arrays.toString(sampleShape) + " and " + targetSize);
        }
        long size = 1;
        for (int d : sampleShape) {
            if (d <= 0) throw new IllegalArgumentException("Dataset " + name + ": non-positive dimension in "
                    + Arrays.toString(sampleShape));
            size *= d;
            if (size > Integer.MAX_VALUE) throw new IllegalArgumentException("Dataset " + name
                    + ": sample shape too large");
        }
        if (targets.length % targetSize != 0 || (long) (targets.length / targetSize) * size != x.length) {
            throw new IllegalArgumentException("Dataset " + name + ": " + targets.length + " targets of size "
                    + targetSize
                    + " do not match " + x.length + " input floats of sample size " + size);
        }
        for (int i = 0; i < targets.length; i++) {
            if (!Float.isFinite(targets[i])) {
                throw new IllegalArgumentException("Dataset " + name + ": target of sample " + i / targetSize + " is "
                        + targets[i]);
            }
        }
        requireFinite(name, x, (int) size);
        return new Dataset(name, x, targets, sampleShape, targetSize, (int) size);
    }

    /** Every input value is finite: a NaN would pass through ReLU as 0 and give a finite, meaningless output. */
    private static void requireFinite(String name, float[] x, int sampleSize) {
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException("Dataset " + name + ": input " + i % sampleSize + " of sample "
                        + i / sampleSize + " is " + x[i] + "; every input must be a finite number");
            }
        }
    }

    /** Whether samples carry real targets (regression) instead of class labels. */
    public boolean isRegression() { return targets != null; }

    /** The backing target array [n × targetSize] of a regression set (not a copy), null for classification. */
    public float[] targets() { return targets; }

    /** Targets per sample of a regression set (0 for classification). */
    public int targetSize() { return targetSize; }

    /** Name for messages, e.g. "mnist-10k/train". */
    public String name() { return name; }

    /** Number of samples. */
    public int size() { return n; }

    /** Shape of one sample, e.g. {1, 28, 28} or {3, 32, 32} (a copy). */
    public int[] sampleShape() { return sampleShape.clone(); }

    /** Floats per sample (product of the sample shape). */
    public int sampleSize() { return sampleSize; }

    /** First sample dimension: the channel count C for C×H×W images. */
    public int channels() { return sampleShape[0]; }

    /** Number of classes; labels are in [0, numClasses) (0 for a regression set). */
    public int numClasses() { return numClasses; }

    /** The backing array [n × sampleSize] (not a copy: writes change this data set). */
    public float[] images() { return images; }

    /** The backing label array [n] (not a copy: writes change this data set and bypass the range check); null for
     *  a regression set. */
    public int[] labels() { return labels; }

    /** Label of sample {@code i}. */
    public int label(int i) {
        checkIndex(i);
        if (labels == null) throw new IllegalStateException("Dataset " + name
                + " is a regression set: it has no labels");
        return labels[i];
    }

    /** A copy of sample {@code i} as a tensor of shape {@link #sampleShape()}. */
    public Tensor sample(int i) {
        checkIndex(i);
        float[] out = Arrays.copyOfRange(images, i * sampleSize, (i + 1) * sampleSize);
        return Tensor.wrap(out, sampleShape);
    }

    /** All images as a tensor [n, ...sampleShape] over the backing array (no copy). */
    public Tensor asTensor() {
        int[] s = new int[sampleShape.length + 1];
        s[0] = n;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        return Tensor.wrap(images, s);
    }

    /** Independent copy of samples [from, to) (arrays copied), named {@code name[from:to]}. */
    public Dataset subset(int from, int to) {
        return subset(from, to, name + "[" + from + ":" + to + "]");
    }

    /** Independent copy of samples [from, to) with the given name. */
    public Dataset subset(int from, int to, String newName) {
        if (from < 0 || to > n || from > to) {
            throw new IllegalArgumentException("Dataset " + name + ": subset [" + from + ", " + to
                    + ") out of range for " + n + " samples");
        }
        float[] im = Arrays.copyOfRange(images, from * sampleSize, to * sampleSize);
        if (targets != null) {
            float[] tg = Arrays.copyOfRange(targets, from * targetSize, to * targetSize);
            return new Dataset(newName, im, tg, sampleShape, targetSize, sampleSize);
        }
        int[] lb = Arrays.copyOfRange(labels, from, to);
        return new Dataset(newName, im, lb, sampleShape, numClasses);
    }

    /**
     * Independent copy of the samples at {@code rows} (in that order, arrays copied), named {@code newName}.
     *
     * @throws IllegalArgumentException if a row is out of range
     */
    public Dataset select(int[] rows, String newName) {
        float[] im = new float[rows.length * sampleSize];
        for (int k = 0; k < rows.length; k++) {
            int i = rows[k];
            if (i < 0 || i >= n) throw new IllegalArgumentException("Dataset " + name + ": row " + i
                    + " out of range for " + n + " samples");
            System.arraycopy(images, i * sampleSize, im, k * sampleSize, sampleSize);
        }
        if (targets != null) {
            float[] tg = new float[rows.length * targetSize];
            for (int k = 0; k < rows.length; k++) System.arraycopy(targets, rows[k] * targetSize, tg, k * targetSize,
                    targetSize);
            return new Dataset(newName, im, tg, sampleShape, targetSize, sampleSize);
        }
        int[] lb = new int[rows.length];
        for (int k = 0; k < rows.length; k++) lb[k] = labels[rows[k]];
        return new Dataset(newName, im, lb, sampleShape, numClasses);
    }

    /** A deep copy (arrays copied). */
    public Dataset copy() {
        if (targets != null) return new Dataset(name, images.clone(), targets.clone(), sampleShape, targetSize,
                sampleSize);
        return new Dataset(name, images.clone(), labels.clone(), sampleShape, numClasses);
    }

    /** Number of samples of each class, length {@code numClasses}. */
    public int[] classCounts() {
        int[] c = new int[numClasses];
        if (labels == null) return c;
        for (int l : labels) c[l]++;
        return c;
    }

    /**
     * Concatenates data sets of identical sample shape and class count into a new one (arrays copied).
     *
     * @throws IllegalArgumentException if {@code parts} is empty or the parts disagree in shape or class count
     */
    public static Dataset concat(String name, Dataset... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("Dataset.concat " + name + ": no parts");
        Dataset first = parts[0];
        for (Dataset p : parts) {
            if (p.isRegression() || first.isRegression()) {
                throw new IllegalArgumentException("Dataset.concat " + name + ": regression sets are not concatenated");
            }
        }
        long total = 0;
        for (Dataset p : parts) {
            if (!Arrays.equals(p.sampleShape, first.sampleShape) || p.numClasses != first.numClasses) {
                throw new IllegalArgumentException("Dataset.concat " + name + ": part " + p.name + " has shape "
                        + Arrays.toString(p.sampleShape) + "/" + p.numClasses + " classes, expected "
                        + Arrays.toString(first.sampleShape) + "/" + first.numClasses);
            }
            total += p.n;
        }
        if (total * first.sampleSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Dataset.concat " + name + ": " + total + " samples exceed 2^31 floats");
        }
        float[] im = new float[(int) (total * first.sampleSize)];
        int[] lb = new int[(int) total];
        int at = 0;
        for (Dataset p : parts) {
            System.arraycopy(p.images, 0, im, at * first.sampleSize, p.images.length);
            System.arraycopy(p.labels, 0, lb, at, p.n);
            at += p.n;
        }
        return new Dataset(name, im, lb, first.sampleShape, first.numClasses);
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException("Dataset " + name + ": sample " + i
                + " out of range [0, " + n + ")");
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ", n=" + n + ", sample " + Arrays.toString(sampleShape) + ", "
                + (isRegression() ? targetSize + " regression targets]" : numClasses + " classes]");
    }
}
