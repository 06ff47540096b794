package dev.jprune.spark;

import dev.jprune.data.Dataset;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;

/**
 * The samples of one RDD partition packed into flat arrays (what the jobs cache on the executors): inputs
 * [n, sampleSize] row-major and labels [n], with the partition's index. May be empty.
 */
final class Shard implements Serializable {
    private static final long serialVersionUID = 1L;

    final int partition;
    final float[] x;
    final int[] labels;
    final int[] sampleShape;
    final int numClasses;

    private Shard(int partition, float[] x, int[] labels, int[] sampleShape, int numClasses) {
        this.partition = partition;
        this.x = x;
        this.labels = labels;
        this.sampleShape = sampleShape;
        this.numClasses = numClasses;
    }

    int size() { return labels.length; }

    /**
     * Packs a partition's samples, checking each against the model's sample shape and class count.
     *
     * @throws PartitionException naming the partition, the sample's position in it and what was expected
     */
    static Shard pack(int partition, Iterator<Sample> samples, int[] sampleShape, int numClasses) {
        int size = 1;
        for (int d : sampleShape) size *= d;
        float[] x = new float[Math.multiplyExact(64, size)];
        int[] labels = new int[64];
        int n = 0;
        while (samples.hasNext()) {
            Sample s = samples.next();
            if (s == null) throw new PartitionException("partition " + partition + ", sample " + n + ": null sample");
            if (s.features().length != size) {
                throw new PartitionException("partition " + partition + ", sample " + n + ": " + s.features().length
                        + " features, the model expects " + size + " (shape " + Arrays.toString(sampleShape) + ")");
            }
            if (s.label() < 0 || s.label() >= numClasses) {
                throw new PartitionException("partition " + partition + ", sample " + n + ": label " + s.label()
                        + " outside [0, " + numClasses + ")");
            }
            if (n == labels.length) { // grow both: x always holds labels.length samples
                labels = Arrays.copyOf(labels, Math.multiplyExact(n, 2));
                x = Arrays.copyOf(x, Math.multiplyExact(labels.length, size));
            }
            System.arraycopy(s.features(), 0, x, n * size, size);
            labels[n++] = s.label();
        }
        return new Shard(partition, Arrays.copyOf(x, n * size), Arrays.copyOf(labels, n), sampleShape.clone(),
                numClasses);
    }

    /** The samples as a core data set (wraps this shard's arrays: no copy). */
    Dataset dataset() {
        return new Dataset("partition-" + partition, x, labels, sampleShape, numClasses);
    }

    /**
     * A data set of the samples at positions {@code [from, from + count)} of this shard's endless stream: local epoch
     * e visits the samples in {@code order.apply(e)} (a permutation of the shard), epochs back to back.
     */
    Dataset window(long from, int count, java.util.function.IntFunction<int[]> order) {
        int n = size(), ss = x.length / Math.max(1, n);
        float[] wx = new float[Math.multiplyExact(count, ss)];
        int[] wl = new int[count];
        int epoch = (int) (from / n);
        int pos = (int) (from % n);
        int[] perm = order.apply(epoch);
        for (int k = 0; k < count; k++) {
            if (pos == n) { perm = order.apply(++epoch); pos = 0; }
            int i = perm[pos++];
            System.arraycopy(x, i * ss, wx, k * ss, ss);
            wl[k] = labels[i];
        }
        return new Dataset("partition-" + partition + "-window", wx, wl, sampleShape, numClasses);
    }
}
