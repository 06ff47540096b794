package dev.jprune.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

class FixedOrderSumTest {
    /** Partials whose sums depend on the order of addition: magnitudes spread over many binades. */
    static List<FixedOrderSum.Item> partials(int partitions, int length, int emptyPartition, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<FixedOrderSum.Item> out = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            if (p == emptyPartition) continue;
            float[] v = new float[length];
            for (int i = 0; i < length; i++) v[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(2, r.nextInt(60) - 30));
            out.add(FixedOrderSum.Item.leaf(p, 1, v, new double[] {p, 1}));
        }
        return out;
    }

    private static FixedOrderSum.Item onSpark(List<FixedOrderSum.Item> items, int partitions, int fanout) {
        JavaSparkContext sc = LocalSpark.get();
        // One item per RDD partition, at the partition of its key (an empty partition holds none).
        JavaRDD<FixedOrderSum.Item> rdd = sc.parallelize(List.of(0), partitions).mapPartitionsWithIndex((p, it) -> {
            List<FixedOrderSum.Item> mine = new ArrayList<>();
            for (FixedOrderSum.Item x : items) if (x.key == p) mine.add(x);
            return mine.iterator();
        }, true);
        return FixedOrderSum.reduce(rdd, partitions, fanout);
    }

    @Test
    void distributedTreeEqualsTheSingleProcessTreeBitForBitAtEveryFanout() {
        int partitions = 7;
        List<FixedOrderSum.Item> items = partials(partitions, 1001, 4, 11);
        for (int fanout : new int[] {2, 3, 64}) {
            FixedOrderSum.Item local = FixedOrderSum.reduceLocally(items, partitions, fanout);
            FixedOrderSum.Item spark = onSpark(items, partitions, fanout);
            assertArrayEquals(local.sum, spark.sum, 0.0, "fanout " + fanout);
            assertEquals(6, spark.count, "six non-empty partitions contributed");
            assertArrayEquals(new double[] {0 + 1 + 2 + 3 + 5 + 6, 6}, spark.stats, 0.0);
            // Repeated runs: the same bits.
            assertArrayEquals(spark.sum, onSpark(items, partitions, fanout).sum, 0.0, "repeat, fanout " + fanout);
        }
    }

    @Test
    void fanoutAtLeastThePartitionCountIsThePlainSumInPartitionOrder() {
        List<FixedOrderSum.Item> items = partials(5, 257, -1, 3);
        double[] expect = items.get(0).toDouble();
        for (int p = 1; p < 5; p++) for (int i = 0; i < expect.length; i++) expect[i] += items.get(p).leaf[i];
        List<FixedOrderSum.Item> shuffled = new ArrayList<>(items);
        java.util.Collections.reverse(shuffled);
        assertArrayEquals(expect, FixedOrderSum.reduceLocally(shuffled, 5, 5).sum, 0.0);
    }

    @Test
    void theTreeShapeChangesTheRoundingSoItIsPartOfTheDefinition() {
        // Guards the test above against vacuity: with these partials, different trees give different bits.
        List<FixedOrderSum.Item> items = partials(7, 1001, -1, 11);
        assertFalse(java.util.Arrays.equals(FixedOrderSum.reduceLocally(items, 7, 2).sum,
                FixedOrderSum.reduceLocally(items, 7, 64).sum));
    }

    @Test
    void aPartitionContributingTwiceIsRefused() {
        List<FixedOrderSum.Item> items = new ArrayList<>(partials(3, 4, -1, 1));
        items.add(FixedOrderSum.Item.leaf(1, 1, new float[4], null));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FixedOrderSum.reduceLocally(items, 3, 4));
        assertTrue(e.getMessage().contains("partition 1 contributed twice"), e.getMessage());
    }

    @Test
    void levelsCoverThePartitionRange() {
        assertEquals(1, FixedOrderSum.levels(1, 2));
        assertEquals(1, FixedOrderSum.levels(2, 2));
        assertEquals(2, FixedOrderSum.levels(3, 2));
        assertEquals(3, FixedOrderSum.levels(7, 2));
        assertEquals(1, FixedOrderSum.levels(32, 32));
        assertEquals(2, FixedOrderSum.levels(33, 32));
        assertThrows(IllegalArgumentException.class, () -> FixedOrderSum.levels(3, 1));
    }
}
