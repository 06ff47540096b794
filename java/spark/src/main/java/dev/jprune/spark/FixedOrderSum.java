package dev.jprune.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Element-wise sums of per-partition vectors in a <b>fixed order</b>, so that a distributed floating-point sum is the
 * same bit for bit on every run (Spark's {@code treeAggregate} combines in whatever order tasks finish).
 *
 * <p><b>Definition.</b> Every partial is keyed by its partition index i in [0, partitions). Level l ≥ 1 groups the
 * items of level l−1 by {@code key / fanout}; a group's sum starts from its lowest-keyed vector and adds the others in
 * ascending key order, in double; the group's key becomes {@code key / fanout}. Levels repeat until the key range is
 * a single key (L = ⌈log_fanout(partitions)⌉ levels, at least 1). With {@code fanout ≥ partitions} this is the plain
 * sum in partition-index order. Missing keys (empty partitions) are simply absent from their group. Counts and the
 * small {@code stats} vectors are summed the same way.
 *
 * <p>{@link #reduce} runs levels 1..L−1 as Spark shuffles (each group on one executor) and the last level on the
 * driver; {@link #reduceLocally} is the single-process twin that the tests compare it with. A partition index seen
 * twice is an error (a retried task's output replaces its first attempt's, so this never happens by Spark's rules).
 */
final class FixedOrderSum {
    private FixedOrderSum() {}

    /**
     * One partial or group sum: its key, how many contributions it holds, and the summed vector — a float leaf as the
     * tasks send it (4 bytes an element on the wire), or double once combined — plus a few double statistics.
     */
    static final class Item implements Serializable {
        private static final long serialVersionUID = 1L;
        final int key;
        final long count;
        final float[] leaf;
        final double[] sum;
        final double[] stats;

        Item(int key, long count, float[] leaf, double[] sum, double[] stats) {
            if ((leaf == null) == (sum == null)) {
                throw new IllegalArgumentException("Item: exactly one of leaf and sum");
            }
            this.key = key;
            this.count = count;
            this.leaf = leaf;
            this.sum = sum;
            this.stats = stats;
        }

        static Item leaf(int partition, long count, float[] values, double[] stats) {
            return new Item(partition, count, values, null, stats);
        }

        int length() { return leaf != null ? leaf.length : sum.length; }

        /** The vector as doubles (a fresh array). */
        double[] toDouble() {
            if (sum != null) return sum.clone();
            double[] d = new double[leaf.length];
            for (int i = 0; i < d.length; i++) d[i] = leaf[i];
            return d;
        }

        /** The vector rounded to float (a fresh array). */
        float[] toFloat() {
            if (leaf != null) return leaf.clone();
            float[] f = new float[sum.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) sum[i];
            return f;
        }
    }

    /** Levels of the tree for this many partitions (≥ 1). */
    static int levels(int partitions, int fanout) {
        if (fanout < 2) throw new IllegalArgumentException("fanout must be >= 2, got " + fanout);
        int levels = 1;
        for (long span = fanout; span < partitions; span *= fanout) levels++;
        return levels;
    }

    /** Sums one group (items sharing {@code key / fanout}) in ascending key order; the result is keyed by the group. */
    static Item combine(List<Item> group, int fanout) {
        List<Item> g = new ArrayList<>(group);
        g.sort(Comparator.comparingInt(it -> it.key));
        for (int j = 1; j < g.size(); j++) {
            if (g.get(j).key == g.get(j - 1).key) throw new IllegalStateException("partition " + g.get(j).key
                    + " contributed twice to one sum");
        }
        Item first = g.get(0);
        double[] s = first.toDouble();
        double[] st = first.stats == null ? null : first.stats.clone();
        long count = first.count;
        for (int j = 1; j < g.size(); j++) {
            Item it = g.get(j);
            if (it.length() != s.length) {
                throw new IllegalStateException("partition " + it.key + " sent " + it.length()
                        + " values, partition " + first.key + " sent " + s.length);
            }
            if (it.leaf != null) for (int i = 0; i < s.length; i++) s[i] += it.leaf[i];
            else for (int i = 0; i < s.length; i++) s[i] += it.sum[i];
            if (st != null) for (int i = 0; i < st.length; i++) st[i] += it.stats[i];
            count += it.count;
        }
        return new Item(first.key / fanout, count, null, s, st);
    }

    /** The single-process definition: all levels over {@code items} (any order). Null if there are none. */
    static Item reduceLocally(List<Item> items, int partitions, int fanout) {
        List<Item> level = new ArrayList<>(items);
        for (int l = 0; l < levels(partitions, fanout) && !level.isEmpty(); l++) level = combineLevel(level, fanout);
        return level.isEmpty() ? null : level.get(0);
    }

    private static List<Item> combineLevel(List<Item> items, int fanout) {
        java.util.TreeMap<Integer, List<Item>> groups = new java.util.TreeMap<>();
        for (Item it : items) groups.computeIfAbsent(it.key / fanout, k -> new ArrayList<>()).add(it);
        List<Item> out = new ArrayList<>();
        for (List<Item> g : groups.values()) out.add(combine(g, fanout));
        return out;
    }

    /**
     * The distributed sum of {@code items} (at most one per partition index in [0, partitions)): levels 1..L−1 as
     * shuffles, the last on the driver. Null if no partition contributed. Runs {@code L} Spark jobs' worth of stages.
     */
    static Item reduce(JavaRDD<Item> items, int partitions, int fanout) {
        int levels = levels(partitions, fanout);
        JavaRDD<Item> level = items;
        long keys = partitions;
        for (int l = 1; l < levels; l++) {
            keys = (keys + fanout - 1) / fanout;
            int groups = (int) keys;
            level = level.mapToPair(it -> new Tuple2<>(it.key / fanout, it))
                    .groupByKey(groups)
                    .map(g -> {
                        List<Item> list = new ArrayList<>();
                        g._2().forEach(list::add);
                        return combine(list, fanout);
                    });
        }
        List<Item> last = level.collect();
        return last.isEmpty() ? null : combine(last, fanout);
    }
}
