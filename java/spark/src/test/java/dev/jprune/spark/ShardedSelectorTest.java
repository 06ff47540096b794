package dev.jprune.spark;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.ScoreSource;
import dev.jprune.prune.Selection;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;

class ShardedSelectorTest {
    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(20);
            s[i] = k == 0 ? -0.0f : k == 1 ? Float.POSITIVE_INFINITY : k == 2 ? Float.NEGATIVE_INFINITY
                    : (float) ((r.nextDouble() - 0.3) * Math.pow(2, r.nextInt(40) - 20));
        }
        return s;
    }

    /** Few distinct values (±0 among them): most of the budget is decided by the tie rule. */
    static float[] tieHeavy(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] vals = {0f, -0.0f, 1f, 1f, 2f, 0.5f, -1f};
        float[] s = new float[n];
        for (int i = 0; i < n; i++) s[i] = vals[r.nextInt(vals.length)];
        return s;
    }

    /** Cuts {@code all} at the given shard lengths (a zero length makes an empty shard). */
    static JavaRDD<ScoreShard> shards(float[] all, int[] lengths, int rddPartitions) {
        List<ScoreShard> out = new ArrayList<>();
        int o = 0;
        for (int s = 0; s < lengths.length; s++) {
            out.add(new ScoreShard(s, o, java.util.Arrays.copyOfRange(all, o, o + lengths[s])));
            o += lengths[s];
        }
        assertEquals(all.length, o);
        java.util.Collections.reverse(out); // shards need not arrive in order
        return LocalSpark.get().parallelize(out, rddPartitions);
    }

    private static void assertSameAsDriver(float[] all, int[] lengths, long keep) {
        // The driver-side reference: the core's selection over the same scores as three tensors of odd sizes.
        int a = all.length / 3, b = all.length / 2;
        float[][] tensors = {java.util.Arrays.copyOfRange(all, 0, a), java.util.Arrays.copyOfRange(all, a, b),
                java.util.Arrays.copyOfRange(all, b, all.length)};
        ScoreSource src = ScoreSource.of(tensors);
        Selection ref = GlobalSelector.select(src, keep);
        byte[][] refMasks = {new byte[tensors[0].length], new byte[tensors[1].length], new byte[tensors[2].length]};
        ref.writeMasks(src, refMasks);

        JavaRDD<ScoreShard> rdd = shards(all, lengths, 3);
        ShardedSelection sel = ShardedSelector.select(rdd, keep);
        String what = "keep " + keep + " of " + all.length + ": " + sel + " vs " + ref;
        assertEquals(ref.total, sel.total, what);
        assertEquals(ref.keep, sel.keep, what);
        assertEquals(ref.thresholdBits, sel.thresholdBits, what);
        assertEquals(ref.tieBudget, sel.tieBudget, what);
        assertEquals(ref.countAbove, sel.countAbove, what);
        assertEquals(ref.countEqual, sel.countEqual, what);
        byte[] flat = new byte[all.length];
        for (var t : ShardedSelector.masks(rdd, sel).collect()) {
            int off = 0;
            for (int s = 0; s < t._1(); s++) off += lengths[s];
            System.arraycopy(t._2(), 0, flat, off, t._2().length);
        }
        byte[] refFlat = new byte[all.length];
        System.arraycopy(refMasks[0], 0, refFlat, 0, a);
        System.arraycopy(refMasks[1], 0, refFlat, a, b - a);
        System.arraycopy(refMasks[2], 0, refFlat, b, all.length - b);
        assertArrayEquals(refFlat, flat, what);
        long kept = 0;
        for (byte m : flat) kept += m;
        assertEquals(keep, kept, "exactly keep elements kept");
    }

    @Test
    void randomScoresSelectExactlyAsTheDriverSideSelection() {
        float[] all = random(20_011, 5);
        int[] lengths = {7000, 0, 1, 6000, 7010};
        for (long keep : new long[] {0, 1, 2, 10_000, 20_010, 20_011, 4_321}) assertSameAsDriver(all, lengths, keep);
    }

    @Test
    void tieHeavyScoresGiveTiesToTheLowestGlobalIndicesAcrossShards() {
        float[] all = tieHeavy(9_999, 9);
        int[] lengths = {3333, 3333, 0, 3333};
        for (long keep : new long[] {0, 1, 1500, 5000, 7777, 9998, 9999}) assertSameAsDriver(all, lengths, keep);
    }

    @Test
    void allScoresEqualAndEmptySelections() {
        float[] same = new float[1000];
        java.util.Arrays.fill(same, 3f);
        assertSameAsDriver(same, new int[] {1, 499, 500}, 250);
        assertSameAsDriver(new float[0], new int[] {0, 0}, 0);
    }

    @Test
    void histogramPassesUseTheDocumentedDigitsAndScanSkipsEmptyBins() {
        assertEquals(32, RadixHistogram.BITS[0] + RadixHistogram.BITS[1] + RadixHistogram.BITS[2]);
        assertEquals(2048, RadixHistogram.bins(0));
        assertEquals(1024, RadixHistogram.bins(2));
        long[] h = new long[8];
        h[6] = 3; h[2] = 4; h[0] = 1;
        assertEquals(new RadixHistogram.Pick(6, 0), RadixHistogram.scan(h, 0), "rank 0: the highest non-empty bin");
        assertEquals(new RadixHistogram.Pick(6, 0), RadixHistogram.scan(h, 3));
        assertEquals(new RadixHistogram.Pick(2, 3), RadixHistogram.scan(h, 4));
        assertEquals(new RadixHistogram.Pick(0, 7), RadixHistogram.scan(h, 8));
        assertEquals(-1, RadixHistogram.scan(h, 9).bin());
    }

    @Test
    void nanScoresAndBadLayoutsAreRefusedWithTheirPlace() {
        float[] all = random(100, 1);
        all[57] = Float.NaN;
        PartitionException e = assertThrows(PartitionException.class, () -> ShardedSelector.select(shards(all,
                new int[] {50, 50}, 2), 10));
        assertTrue(e.getMessage().contains("global index 57 is NaN"), e.getMessage());

        List<ScoreShard> gap = List.of(new ScoreShard(0, 0, new float[10]), new ScoreShard(1, 11, new float[10]));
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> ShardedSelector.select(LocalSpark.get().parallelize(gap, 2), 3));
        assertTrue(g.getMessage().contains("shard 1 starts at global index 11, expected 10"), g.getMessage());

        List<ScoreShard> twice = List.of(new ScoreShard(0, 0, new float[10]), new ScoreShard(0, 0, new float[10]));
        assertThrows(IllegalArgumentException.class,
                () -> ShardedSelector.select(LocalSpark.get().parallelize(twice, 2), 3));
        assertThrows(IllegalArgumentException.class, () -> ShardedSelector.select(shards(random(10, 2),
                new int[] {10}, 1), 11));
    }
}
