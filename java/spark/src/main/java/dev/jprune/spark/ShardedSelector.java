package dev.jprune.spark;

import dev.jprune.prune.ScoreKeys;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Exact global top-k over scores that stay on the executors ({@link ScoreShard}s), for models whose score vector should
 * not be gathered on the driver. Only histograms travel: three passes each all-reduce 2^11 (2^11, 2^10) long counters
 * of one digit of the radix keys with {@code treeAggregate} (integer sums are exact, so the order Spark combines them
 * in does not matter), then one job gathers each shard's count of threshold ties (one long per shard) so that ties go
 * to the lowest global indices. The result equals {@code GlobalSelector.select} on the concatenated scores, field by
 * field and mask by mask.
 *
 * <p>Cost: 4 jobs and (2·2048 + 1024)·8 bytes per shard up plus S longs, against 4 bytes per score to gather the scores
 * on the driver; each pass reads the shards once (persist them).
 */
public final class ShardedSelector {
    private ShardedSelector() {}

    /**
     * Selects the {@code keep} largest scores over all shards.
     *
     * @throws IllegalArgumentException for keep outside [0, total], a NaN score, or shards that do not tile [0, total)
     */
    public static ShardedSelection select(JavaRDD<ScoreShard> shards, long keep) {
        // The shards' layout (one small record each) is checked first: numbers 0..S-1, contiguous offsets.
        List<long[]> layout = Jobs.run("sharded selection", () -> shards.map(s -> new long[] {s.shard(), s.offset(),
                s.scores().length}).collect());
        int count = layout.size();
        long[] offsets = new long[count + 1];
        boolean[] seen = new boolean[count];
        for (long[] l : layout) {
            int s = (int) l[0];
            if (s >= count || seen[s]) {
                throw new IllegalArgumentException("sharded selection: shard numbers must be 0.." + (count - 1)
                        + " once each; got " + s + " again or out of range");
            }
            seen[s] = true;
            offsets[s + 1] = l[2];
        }
        for (int s = 0; s < count; s++) offsets[s + 1] += offsets[s];
        for (long[] l : layout) {
            if (l[1] != offsets[(int) l[0]]) {
                throw new IllegalArgumentException("sharded selection: shard " + l[0] + " starts at global index "
                        + l[1] + ", expected " + offsets[(int) l[0]]);
            }
        }
        long total = offsets[count];
        if (keep < 0 || keep > total) throw new IllegalArgumentException("sharded selection: keep = " + keep
                + " not in [0, " + total + "]");
        if (total == 0) return new ShardedSelection(0, 0, 0x80000000, 0, 0, 0, new long[count]);

        long above = 0, equal = 0;
        int prefix = 0;
        for (int pass = 0; pass < RadixHistogram.PASSES; pass++) {
            int p = pass, pre = prefix, bins = RadixHistogram.bins(pass);
            long[] hist = Jobs.run("sharded selection", () -> shards.treeAggregate(new long[bins], (h, s) -> {
                RadixHistogram.count(s.scores(), s.offset(), p, pre, h);
                return h;
            }, RadixHistogram::add, 2));
            RadixHistogram.Pick pick = RadixHistogram.scan(hist, keep - above);
            if (pick.bin() < 0) throw new IllegalStateException("sharded selection: scores changed between passes");
            above += pick.above();
            prefix = (prefix << RadixHistogram.BITS[pass]) | pick.bin();
            equal = hist[pick.bin()];
        }
        int radix = prefix, thresholdKey = radix ^ 0x80000000;
        List<Tuple2<Integer, Long>> ties = Jobs.run("sharded selection", () -> shards.map(s -> {
            long n = 0;
            for (float v : s.scores()) if (ScoreKeys.key(v) == thresholdKey) n++;
            return new Tuple2<>(s.shard(), n);
        }).collect());
        long[] tieCount = new long[count];
        for (Tuple2<Integer, Long> t : ties) tieCount[t._1()] = t._2();
        long[] tiesBefore = new long[count];
        for (int s = 1; s < count; s++) tiesBefore[s] = tiesBefore[s - 1] + tieCount[s - 1];
        return new ShardedSelection(total, keep, radix, keep - above, above, equal, tiesBefore);
    }

    /** Each shard's keep mask, keyed by shard number (computed where the shard lives). */
    public static JavaPairRDD<Integer, byte[]> masks(JavaRDD<ScoreShard> shards, ShardedSelection sel) {
        return shards.mapToPair(s -> new Tuple2<>(s.shard(), sel.mask(s)));
    }
}
