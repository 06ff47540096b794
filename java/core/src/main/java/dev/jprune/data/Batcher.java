package dev.jprune.data;

import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Seeded mini-batches over a {@link Dataset} (inputs + int labels) or a {@link RegressionData}
 * (inputs + float targets).
 *
 * <p><b>Order.</b> With {@code shuffle}, epoch {@code e} visits the samples in the permutation obtained by
 * {@link Rng#shuffle} of the identity with {@code new Rng(epochSeed(seed, e))}; without it, in index order.
 * The permutation depends only on (seed, epoch, n) — not on earlier epochs, threads or call order — so the
 * same seed gives the same batches bit for bit, and any epoch can be replayed on its own.
 * Every sample appears exactly once per epoch; the last partial batch is kept unless {@code dropLast}.
 *
 * <p><b>Buffers.</b> Each iterator returned by {@link #epoch(int)} owns its buffers and reuses them: the
 * {@link Batch} returned by {@code next()} is valid only until the following {@code next()} on the same
 * iterator, which overwrites the same arrays. Calling an accessor of a superseded batch throws
 * {@link IllegalStateException} (so stale use fails loudly instead of reading the wrong samples), but a
 * {@code Tensor} or array obtained earlier is overwritten silently — call {@link Batch#copy()} to keep a batch.
 * Separate iterators never share buffers, so two epochs may be iterated concurrently. The data set is
 * read, never modified; it must not be modified while an epoch is being iterated.
 */
public final class Batcher {
    private final String name;
    private final float[] x;        // [n, sampleSize]
    private final int[] labels;     // [n] or null (regression)
    private final float[] targets;  // [n, targetSize] or null (classification)
    private final int n;
    private final int sampleSize;
    private final int[] sampleShape;
    private final int targetSize;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;

    /**
     * Batches of a data set: x [B, ...sampleShape] and labels [B] (classification) or targets [B, targetSize]
     * (a {@link Dataset#regression} set).
     *
     * @throws IllegalArgumentException if {@code batchSize < 1}
     */
    public Batcher(Dataset d, int batchSize, boolean shuffle, boolean dropLast, long seed) {
        this(d.name(), d.images(), d.labels(), d.targets(), d.size(), d.sampleShape(), d.targetSize(), batchSize,
                shuffle,
                dropLast, seed);
    }

    /**
     * Batches of a regression data set: x [B, features] and targets [B, targetSize].
     *
     * @throws IllegalArgumentException if {@code batchSize < 1}
     */
    public Batcher(RegressionData d, int batchSize, boolean shuffle, boolean dropLast, long seed) {
        this(d.name(), d.x(), null, d.targets(), d.size(), new int[] {d.features()}, d.targetSize(),
                batchSize, shuffle, dropLast, seed);
    }

    private Batcher(String name, float[] x, int[] labels, float[] targets, int n, int[] sampleShape, int targetSize,
                    int batchSize, boolean shuffle, boolean dropLast, long seed) {
        if (batchSize < 1) throw new IllegalArgumentException("Batcher " + name + ": batchSize must be >= 1, got "
                + batchSize);
        int ss = 1;
        for (int s : sampleShape) ss *= s;
        this.name = name;
        this.x = x;
        this.labels = labels;
        this.targets = targets;
        this.n = n;
        this.sampleShape = sampleShape.clone();
        this.sampleSize = ss;
        this.targetSize = targetSize;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.seed = seed;
    }

    /** Samples per batch (the last batch may hold fewer unless dropLast). */
    public int batchSize() { return batchSize; }
    /** Samples in the data set. */
    public int datasetSize() { return n; }

    /** Batches per epoch: ⌊n/B⌋ with dropLast, ⌈n/B⌉ without. */
    public int numBatches() { return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize; }

    /** Samples visited per epoch (n, or n rounded down to a multiple of B with dropLast). */
    public int samplesPerEpoch() { return dropLast ? (n / batchSize) * batchSize : n; }

    /**
     * The seed of epoch {@code epoch}'s permutation: two rounds of the SplitMix64 finaliser so that nearby
     * (seed, epoch) pairs give unrelated streams.
     */
    public static long epochSeed(long seed, int epoch) {
        return mix64(mix64(seed) + 0x9E3779B97F4A7C15L * (epoch + 1L));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The visiting order of epoch {@code epoch} (a fresh array of length n; identity without shuffle). */
    public int[] order(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("Batcher " + name + ": negative epoch " + epoch);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        if (shuffle) new Rng(epochSeed(seed, epoch)).shuffle(p);
        return p;
    }

    /** The batches of epoch {@code epoch}; each call of {@code iterator()} starts the epoch afresh. */
    public Iterable<Batch> epoch(int epoch) {
        int[] p = order(epoch);
        return () -> new EpochIterator(p);
    }

    /** One mini-batch. Valid until the next {@code next()} of its iterator (see the class comment). */
    public static final class Batch {
        private final EpochIterator owner; // null for a detached copy
        private final long seq;
        private final int index;
        private final Tensor x;
        private final int[] labels;
        private final Tensor targets;
        private final int[] indices;

        private Batch(EpochIterator owner, long seq, int index, Tensor x, int[] labels, Tensor targets, int[] indices) {
            this.owner = owner;
            this.seq = seq;
            this.index = index;
            this.x = x;
            this.labels = labels;
            this.targets = targets;
            this.indices = indices;
        }

        private void check() {
            if (owner != null && owner.seq != seq) {
                throw new IllegalStateException("batch " + index + " was superseded by a later next() of its iterator; "
                        + "its buffers were reused — call copy() to keep a batch");
            }
        }

        /** Inputs [B, ...sampleShape]. */
        public Tensor x() { check(); return x; }

        /** Labels [B] (classification), or null for regression data. */
        public int[] labels() { check(); return labels; }

        /** Targets [B, targetSize] (regression), or null for classification data. */
        public Tensor targets() { check(); return targets; }

        /** Indices into the data set of this batch's samples, in batch order. */
        public int[] indices() { check(); return indices; }

        /** B, the number of samples in this batch (smaller for a kept last partial batch). */
        public int size() { return indices.length; }

        /** Position of this batch within its epoch (0-based). */
        public int index() { return index; }

        /** A detached deep copy that stays valid forever. */
        public Batch copy() {
            check();
            return new Batch(null, 0, index, x.copy(), labels == null ? null : labels.clone(),
                    targets == null ? null : targets.copy(), indices.clone());
        }
    }

    private final class EpochIterator implements Iterator<Batch> {
        private final int[] order;
        private final int batches;
        private int next;
        long seq;
        // Reused buffers: one set for full batches, one (lazily) for the single partial batch.
        private Batch full, partial;

        EpochIterator(int[] order) {
            this.order = order;
            this.batches = numBatches();
        }

        @Override
        public boolean hasNext() { return next < batches; }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException("Batcher " + name + ": epoch has only " + batches
                    + " batches");
            int from = next * batchSize;
            int b = Math.min(batchSize, n - from);
            seq++;
            Batch buf = b == batchSize ? full : partial;
            if (buf == null) buf = allocate(b);
            Batch out = new Batch(this, seq, next, buf.x, buf.labels, buf.targets, buf.indices);
            if (b == batchSize) full = out; else partial = out;
            float[] xd = out.x.data;
            for (int k = 0; k < b; k++) {
                int i = order[from + k];
                out.indices[k] = i;
                System.arraycopy(x, i * sampleSize, xd, k * sampleSize, sampleSize);
                if (labels != null) out.labels[k] = labels[i];
                if (targets != null) System.arraycopy(targets, i * targetSize, out.targets.data, k * targetSize,
                        targetSize);
            }
            next++;
            return out;
        }

        private Batch allocate(int b) {
            int[] shape = new int[sampleShape.length + 1];
            shape[0] = b;
            System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
            return new Batch(this, -1, -1, Tensor.zeros(shape), labels == null ? null : new int[b],
                    targets == null ? null : Tensor.zeros(b, targetSize), new int[b]);
        }
    }
}
