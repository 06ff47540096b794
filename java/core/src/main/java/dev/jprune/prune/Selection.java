package dev.jprune.prune;

import dev.jprune.util.Parallel;

/**
 * The result of an exact top-k selection over the tensors of a {@link ScoreSource}: which elements are kept.
 *
 * <p><b>Definition.</b> Order all elements by (score descending, global index ascending) — a strict total order,
 * with −0.0 equal to +0.0 (see {@link ScoreKeys}). The kept set is the first {@link #keep} elements in this order.
 * Equivalently, with {@code T} = the score of the keep-th element ({@link #threshold()}):
 * <pre>
 *   kept(e)  ⇔  score(e) &gt; T  ∨  (score(e) == T  ∧  tieRank(e) &lt; tieBudget)
 *   tieRank(e) = number of elements with score == T and a lower global index than e
 *   tieBudget  = keep − #{score &gt; T}            (0 ≤ tieBudget ≤ #{score == T})
 * </pre>
 * For keep = 0, T is the maximum score and tieBudget = 0; for an empty source T = +0.0. These
 * ({@code thresholdBits}, {@code tieBudget}) pairs are unique, so a GPU implementation can be compared field by
 * field, whatever digit split its radix passes use.
 *
 * <p><b>Mask pass</b> ({@link #apply}): one pass over all elements in global-index chunks; each chunk starts its
 * tie counter at the number of ties in earlier chunks (counted during selection and prefix-summed), so the kept
 * ties are exactly the first {@code tieBudget} in global index order whatever the thread count.
 * A Selection must be applied to the source it was computed from (same tensors, sizes and scores).
 */
public final class Selection {
    /** Number of elements over all tensors. */
    public final long total;
    /** Number of elements kept (exact). */
    public final long keep;
    /** Raw IEEE-754 bits of the threshold score T (canonical: +0.0, never −0.0). */
    public final int thresholdBits;
    /** How many elements with score == T are kept: the first tieBudget of them in global index order. */
    public final long tieBudget;
    /** Number of elements with score &gt; T. */
    public final long countAbove;
    /** Number of elements with score == T. */
    public final long countEqual;

    final int thresholdKey;      // ScoreKeys.key of T (signed order)
    final long[] offsets;        // [T+1] global index of the first element of each tensor
    final long[] taskStart;      // [tasks+1] global index range of each chunk of the passes
    final long[] tiesBefore;     // [tasks] number of elements with key == thresholdKey in earlier chunks

    Selection(long total, long keep, int thresholdKey, long tieBudget, long countAbove, long countEqual,
              long[] offsets, long[] taskStart, long[] tiesBefore) {
        this.total = total;
        this.keep = keep;
        this.thresholdKey = thresholdKey;
        this.thresholdBits = ScoreKeys.bitsOfRadixKey(thresholdKey ^ 0x80000000);
        this.tieBudget = tieBudget;
        this.countAbove = countAbove;
        this.countEqual = countEqual;
        this.offsets = offsets;
        this.taskStart = taskStart;
        this.tiesBefore = tiesBefore;
    }

    /** The threshold score T. */
    public float threshold() { return Float.intBitsToFloat(thresholdBits); }

    /**
     * Writes the keep masks (1 keep, 0 prune) of every tensor. Modifies {@code masksOut[t]} (each of length
     * {@code src.size(t)}) only. Returns the kept count per tensor.
     */
    public long[] writeMasks(ScoreSource src, byte[][] masksOut) {
        if (masksOut == null) throw new IllegalArgumentException("writeMasks: masksOut is null");
        return apply(src, masksOut, null);
    }

    /**
     * The mask pass: writes masks (if {@code masksOut != null}) and sets {@code weights[t][i] = 0} at pruned
     * positions (if {@code weights != null}) in the same pass. All array lengths are checked before anything is
     * written. {@code weights} may be the arrays {@code src} reads its scores from (each block is scored before it
     * is zeroed). Modifies {@code masksOut} and {@code weights}. Returns the kept count per tensor.
     */
    public long[] apply(ScoreSource src, byte[][] masksOut, float[][] weights) {
        checkSource(src);
        GlobalSelector.checkOutputs("Selection.apply", src, masksOut, weights);
        return apply(src, masksOut == null && weights == null ? null : MaskSink.arrays(masksOut, weights));
    }

    /**
     * The mask pass into any {@link MaskSink} (null: count only): every element's decision goes to the sink once, in
     * blocks, each task's range in global index order. Modifies only what the sink writes. Returns the kept count per
     * tensor.
     *
     * @throws IllegalArgumentException when {@code src} is not the source the selection was made on (tensor count,
     *     sizes)
     */
    public long[] apply(ScoreSource src, MaskSink sink) {
        checkSource(src);
        int nt = src.tensorCount();
        int tasks = taskStart.length - 1;
        long[][] keptPerTask = new long[tasks][];
        RuntimeException[] err = new RuntimeException[tasks];
        int tk = thresholdKey;
        long budget = tieBudget;
        Parallel.forRange(tasks, 1, (a, b) -> {
            float[] buf = new float[GlobalSelector.BLOCK];
            byte[] keep = new byte[GlobalSelector.BLOCK];
            for (int c = a; c < b; c++) {
                long[] kept = new long[nt];
                long[] ties = {tiesBefore[c]};
                try (MaskSink.Writer out = sink == null ? null : sink.open()) {
                    GlobalSelector.forBlocks(src, offsets, taskStart[c], taskStart[c + 1], buf, (t, i0, n) -> {
                        long tiesSeen = ties[0];
                        long k = 0;
                        for (int j = 0; j < n; j++) {
                            int key = ScoreKeys.key(buf[j]);
                            boolean keepIt = key > tk || (key == tk && tiesSeen++ < budget);
                            keep[j] = keepIt ? (byte) 1 : (byte) 0;
                            if (keepIt) k++;
                        }
                        ties[0] = tiesSeen;
                        kept[t] += k;
                        if (out != null) out.write(t, i0, keep, n);
                    });
                } catch (RuntimeException e) {
                    err[c] = e;
                }
                keptPerTask[c] = kept;
            }
        });
        for (RuntimeException e : err) if (e != null) throw e;
        long[] kept = new long[nt];
        for (long[] k : keptPerTask) for (int t = 0; t < nt; t++) kept[t] += k[t];
        return kept;
    }

    private void checkSource(ScoreSource src) {
        int nt = src.tensorCount();
        if (nt != offsets.length - 1) {
            throw new IllegalArgumentException("Selection.apply: source has " + nt + " tensors, selection was made on "
                    + (offsets.length - 1));
        }
        for (int t = 0; t < nt; t++) {
            long n = offsets[t + 1] - offsets[t];
            if (src.size(t) != n) {
                throw new IllegalArgumentException("Selection.apply: " + src.name(t) + " has " + src.size(t)
                        + " elements, selection was made on " + n);
            }
        }
    }

    /**
     * Counting pass: the number of kept elements per tensor, writing nothing (used by the capped selection and for
     * reports).
     */
    public long[] keptPerTensor(ScoreSource src) {
        return apply(src, null, null);
    }

    @Override
    public String toString() {
        return "Selection{keep=" + keep + "/" + total + ", threshold=" + threshold() + " (0x"
                + Integer.toHexString(thresholdBits)
                + "), tieBudget=" + tieBudget + ", above=" + countAbove + ", equal=" + countEqual + "}";
    }
}
