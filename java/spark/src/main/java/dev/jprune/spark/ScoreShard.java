package dev.jprune.spark;

import java.io.Serializable;

/**
 * A contiguous slice of the global score vector held by one executor: the scores of global indices
 * {@code [offset, offset + scores.length)} (global index as in {@code dev.jprune.prune.ScoreSource}: tensors back to
 * back). Shards are numbered 0..S−1 in global index order and together cover the vector exactly once. (A plain
 * class, not a record: Spark's Kryo serializer cannot build records.)
 */
public final class ScoreShard implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int shard;
    private final long offset;
    private final float[] scores;

    /**
     * @param shard  the shard's number
     * @param offset global index of {@code scores[0]}
     * @param scores the scores (not NaN; −Infinity for elements an earlier prune removed); not copied
     */
    public ScoreShard(int shard, long offset, float[] scores) {
        if (shard < 0 || offset < 0 || scores == null) {
            throw new IllegalArgumentException("ScoreShard: bad shard " + shard + " / offset " + offset);
        }
        this.shard = shard;
        this.offset = offset;
        this.scores = scores;
    }

    /** The shard's number. */
    public int shard() { return shard; }

    /** Global index of the first score. */
    public long offset() { return offset; }

    /** The scores (the array itself). */
    public float[] scores() { return scores; }

    /**
     * Shard boundaries over [0, total): {@code count} contiguous ranges, range c = [q·c + min(c, r), q·(c+1) +
     * min(c+1, r)) with total = q·count + r (the split {@code GlobalSelector} uses for its chunks).
     */
    public static long[] bounds(long total, int count) {
        if (count < 1) throw new IllegalArgumentException("shard count must be >= 1, got " + count);
        long[] s = new long[count + 1];
        for (int c = 0; c <= count; c++) s[c] = total / count * c + Math.min(c, total % count);
        return s;
    }
}
