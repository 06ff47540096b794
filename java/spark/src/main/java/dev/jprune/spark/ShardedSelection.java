package dev.jprune.spark;

import dev.jprune.prune.ScoreKeys;
import java.io.Serializable;

/**
 * The result of {@link ShardedSelector#select}: the same fields as {@code dev.jprune.prune.Selection} (the kept set is
 * the first {@code keep} elements by score descending, global index ascending), plus, per shard, the number of
 * threshold ties in lower shards, which is all a shard needs to write its own part of the masks.
 */
public final class ShardedSelection implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Number of elements over all shards. */
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
    final int thresholdKey;
    final long[] tiesBefore;

    ShardedSelection(long total, long keep, int radixKey, long tieBudget, long countAbove, long countEqual,
            long[] tiesBefore) {
        this.total = total;
        this.keep = keep;
        this.thresholdKey = radixKey ^ 0x80000000;
        this.thresholdBits = ScoreKeys.bitsOfRadixKey(radixKey);
        this.tieBudget = tieBudget;
        this.countAbove = countAbove;
        this.countEqual = countEqual;
        this.tiesBefore = tiesBefore;
    }

    /** The threshold score T. */
    public float threshold() { return Float.intBitsToFloat(thresholdBits); }

    /** Number of shards the selection was made on. */
    public int shards() { return tiesBefore.length; }

    /** The keep mask of one shard (1 keep, 0 prune), in its index order. Reads the shard only. */
    public byte[] mask(ScoreShard s) {
        if (s.shard() >= tiesBefore.length) throw new IllegalArgumentException("mask: shard " + s.shard()
                + " not in a selection of " + tiesBefore.length);
        byte[] m = new byte[s.scores().length];
        long ties = tiesBefore[s.shard()];
        for (int i = 0; i < m.length; i++) {
            int key = ScoreKeys.key(s.scores()[i]);
            boolean keepIt = key > thresholdKey || (key == thresholdKey && ties++ < tieBudget);
            m[i] = keepIt ? (byte) 1 : (byte) 0;
        }
        return m;
    }

    @Override
    public String toString() {
        return "ShardedSelection{keep=" + keep + "/" + total + ", threshold=" + threshold()
                + " (0x" + Integer.toHexString(thresholdBits) + "), tieBudget=" + tieBudget + ", above=" + countAbove
                + ", equal=" + countEqual + ", shards=" + tiesBefore.length + "}";
    }
}
