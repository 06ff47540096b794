package dev.jprune.prune;

/**
 * Where a selection's mask pass puts its keep decisions, block by block: arrays in memory ({@link #arrays}), or a
 * stream that never holds a whole mask (the out-of-core {@link CheckpointPruner} writes pruned values and masks to
 * its output files as the decisions arrive). The selections write through a sink and nothing else, so every
 * destination receives the same decisions.
 *
 * <p>A pass runs in tasks on several threads; each task opens its own {@link Writer}, gives it the blocks of one
 * contiguous range of the global index order, in increasing order, and closes it. Writers of different tasks run
 * concurrently and receive disjoint elements.
 */
public interface MaskSink {
    /** A writer for one task of a pass (used by one thread only). */
    Writer open();

    /** Receives the decisions of one task. */
    interface Writer extends AutoCloseable {
        /**
         * Decisions for elements {@code [from, from + n)} of tensor {@code t}: {@code keep[j]} is 1 (kept) or 0
         * (pruned) for element {@code from + j}. {@code keep} is reused by the caller after the call returns.
         *
         * @throws java.io.UncheckedIOException when a streaming sink cannot write
         */
        void write(int t, int from, byte[] keep, int n);

        /** Ends the task: a streaming writer flushes what it holds. */
        @Override
        void close();
    }

    /**
     * A sink into {@code masks[t]} (if {@code masks} is non-null) that also sets {@code weights[t][i] = 0} where
     * element i is pruned (if {@code weights} is non-null). Modifies only those arrays; lengths are the caller's to
     * check.
     */
    static MaskSink arrays(byte[][] masks, float[][] weights) {
        Writer w = new Writer() {
            @Override
            public void write(int t, int from, byte[] keep, int n) {
                if (masks != null) System.arraycopy(keep, 0, masks[t], from, n);
                if (weights != null) {
                    float[] v = weights[t];
                    for (int j = 0; j < n; j++) if (keep[j] == 0) v[from + j] = 0f;
                }
            }

            @Override
            public void close() {}
        };
        return () -> w; // stateless: one writer serves every task
    }

    /** The view of {@code sink} whose tensor j is {@code sink}'s tensor {@code tensors[j]} (as ScoreSource.subset). */
    static MaskSink subset(MaskSink sink, int... tensors) {
        int[] ts = tensors.clone();
        return () -> {
            Writer w = sink.open();
            return new Writer() {
                @Override public void write(int t, int from, byte[] keep, int n) { w.write(ts[t], from, keep, n); }
                @Override public void close() { w.close(); }
            };
        };
    }
}
