package dev.jprune.spark;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.Dataset;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.prune.ScoreSource;
import dev.jprune.train.CpuBackend;
import dev.jprune.train.TrainConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;

/**
 * Dataset-wide scoring: the masks (and the scores) are bit-identical to a single-process computation that sums the
 * same per-partition partial sums in the same order, on every run, with retried tasks, and with sharded selection.
 */
class DistributedScoringTest {
    static final long SEED = 3;
    static final ModelFactory LENET = ModelFactory.named("lenet-300-100", SEED);
    static final TrainConfig CFG = TrainConfig.defaults(OptimizerKind.SGD, 0.05f, 1, 64, SEED);
    static final int[] SIZES = {500, 0, 321, 379};  // uneven, one empty partition
    static final AtomicInteger INJECTED = new AtomicInteger();

    /** The partitions' samples, in partition order. */
    static List<List<Sample>> parts(int[] sizes) {
        Dataset train = TestData.train();
        List<List<Sample>> out = new ArrayList<>();
        int o = 0;
        for (int n : sizes) { out.add(TestData.samples(train, o, o + n)); o += n; }
        return out;
    }

    /** An RDD whose partition p holds exactly parts.get(p). */
    static JavaRDD<Sample> rdd(List<List<Sample>> parts) {
        List<Integer> ids = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) ids.add(p);
        return LocalSpark.get().parallelize(ids, parts.size())
                .mapPartitionsWithIndex((p, it) -> parts.get(p).iterator(), true);
    }

    /** Single process, core library only: each partition's float sums, as the partitions would make them. */
    static List<float[]> referencePartials(List<List<Sample>> parts, PruneSpec spec, long eventSeed) {
        ModelSpec m = LENET.create();
        ModelPruner pruner = new ModelPruner(m.net(), spec);
        List<float[]> out = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) {
            if (parts.get(p).isEmpty()) { out.add(null); continue; }
            Dataset d = TestData.dataset("p" + p, parts.get(p), m.sampleShape(), 10);
            ScoreAccumulator acc = pruner.newAccumulator();
            new CpuBackend(m, CFG).gradientsOnBatches(d, Integer.MAX_VALUE, PruneEvent.scoringSeed(eventSeed, p),
                    () -> acc.accumulate(pruner.weights(), pruner.grads()));
            int total = 0;
            for (float[] b : acc.buffers()) total += b.length;
            float[] flat = new float[total];
            int o = 0;
            for (float[] b : acc.buffers()) { System.arraycopy(b, 0, flat, o, b.length); o += b.length; }
            out.add(flat);
        }
        return out;
    }

    /** Σ over partitions in index order, in double, rounded to float once; split per target. */
    static float[][] sumInIndexOrder(List<float[]> partials, int[] sizes) {
        double[] s = null;
        for (float[] p : partials) {
            if (p == null) continue;
            if (s == null) { s = new double[p.length]; for (int i = 0; i < p.length; i++) s[i] = p[i]; }
            else for (int i = 0; i < p.length; i++) s[i] += p[i];
        }
        float[][] out = new float[sizes.length][];
        int o = 0;
        for (int t = 0; t < sizes.length; t++) {
            out[t] = new float[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) out[t][i] = (float) s[o + i];
            o += sizes[t];
        }
        return out;
    }

    static byte[][] referenceMasks(float[][] scores, PruneSpec spec, double sparsity) {
        ModelSpec m = LENET.create();
        ModelPruner pruner = new ModelPruner(m.net(), spec);
        pruner.prune(sparsity, ScoreSource.of(scores, pruner.names()));
        return pruner.masks();
    }

    static byte[][] distributedMasks(SparkPruner sp, PackedSamples data, PruneSpec spec, double sparsity) {
        sp.prune(data, spec, sparsity);
        return new ModelPruner(sp.model().net(), spec).masks();
    }

    private static void assertMasksEqual(byte[][] expect, byte[][] actual, String what) {
        assertEquals(expect.length, actual.length);
        for (int t = 0; t < expect.length; t++) assertArrayEquals(expect[t], actual[t], what + ", target " + t);
    }

    @Test
    void masksAreBitIdenticalToTheSingleProcessSumOfTheSamePartialsForEveryGradientCriterion() {
        List<List<Sample>> parts = parts(SIZES);
        for (Criterion c : new Criterion[] {Criterion.TAYLOR, Criterion.GRADIENT, Criterion.TAYLOR_SQUARED,
                Criterion.SNIP}) {
            PruneSpec spec = PruneSpec.global(c, 0.9);
            int[] sizes = new ModelPruner(LENET.create().net(), spec).sizes();
            float[][] refScores = sumInIndexOrder(referencePartials(parts, spec, SEED + 7919L), sizes);
            SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, CFG);
            try (PackedSamples data = sp.pack(rdd(parts))) {
                float[][] scores = sp.scores(data, spec);
                for (int t = 0; t < sizes.length; t++) assertArrayEquals(refScores[t], scores[t], 0f, c
                        + " scores of target " + t);
                assertMasksEqual(referenceMasks(refScores, spec, 0.9), distributedMasks(sp, data, spec, 0.9),
                        c.toString());
            }
        }
    }

    @Test
    void onePartitionGivesExactlyTheCorePipelinesSelection() {
        List<List<Sample>> parts = parts(new int[] {700});
        PruneSpec spec = PruneSpec.global(Criterion.TAYLOR, 0.8);
        ModelSpec m = LENET.create();
        ModelPruner pruner = new ModelPruner(m.net(), spec);
        ScoreAccumulator acc = pruner.newAccumulator();
        Dataset d = TestData.dataset("all", parts.get(0), m.sampleShape(), 10);
        new CpuBackend(m, CFG).gradientsOnBatches(d, Integer.MAX_VALUE, PruneEvent.scoringSeed(SEED + 7919L, 0),
                () -> acc.accumulate(pruner.weights(), pruner.grads()));
        pruner.prune(0.8, pruner.scores(acc));  // the core's own path: float sums, no double round trip
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, CFG);
        try (PackedSamples data = sp.pack(rdd(parts))) {
            assertMasksEqual(pruner.masks(), distributedMasks(sp, data, spec, 0.8), "one partition");
        }
    }

    @Test
    void repeatedRunsAndMultiLevelTreesAreDeterministic() {
        List<List<Sample>> parts = parts(SIZES);
        PruneSpec spec = PruneSpec.global(Criterion.TAYLOR, 0.95);
        byte[][] first = null;
        for (int run = 0; run < 2; run++) {
            SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, CFG);
            try (PackedSamples data = sp.pack(rdd(parts))) {
                byte[][] m = distributedMasks(sp, data, spec, 0.95);
                if (first == null) first = m; else assertMasksEqual(first, m, "second run");
            }
        }
        // Fan-out 2 over 4 partitions: a two-level tree ((p0 + p1) + (p2 + p3)) with a shuffle = its local twin.
        List<float[]> partials = referencePartials(parts, spec, SEED + 7919L);
        List<FixedOrderSum.Item> items = new ArrayList<>();
        for (int p = 0; p < partials.size(); p++) {
            if (partials.get(p) != null) items.add(FixedOrderSum.Item.leaf(p, 1, partials.get(p), null));
        }
        float[] tree = FixedOrderSum.reduceLocally(items, parts.size(), 2).toFloat();
        SparkPruner sp = new SparkPruner(LocalSpark.get(), LENET, CFG).fanout(2);
        try (PackedSamples data = sp.pack(rdd(parts))) {
            float[][] s = sp.scores(data, spec);
            int o = 0;
            for (float[] t : s) {
                assertArrayEquals(java.util.Arrays.copyOfRange(tree, o, o + t.length), t, 0f, "fan-out 2 tree");
                o += t.length;
            }
        }
    }

    @Test
    void aRetriedTaskDoesNotCountItsScoresTwice() {
        List<List<Sample>> parts = parts(SIZES);
        PruneSpec spec = PruneSpec.global(Criterion.TAYLOR, 0.9);
        SparkPruner clean = new SparkPruner(LocalSpark.get(), LENET, CFG);
        float[][] expect;
        try (PackedSamples data = clean.pack(rdd(parts))) {
            expect = clean.scores(data, spec);
        }
        SparkPruner flaky = new SparkPruner(LocalSpark.get(), LENET, CFG);
        // The first attempt of partition 2's scoring task fails after computing its partial; Spark runs it again.
        flaky.hook = (job, p) -> {
            if (p == 2 && TaskContext.get().attemptNumber() == 0) {
                INJECTED.incrementAndGet();
                throw new IllegalStateException("injected failure of partition 2's first attempt");
            }
        };
        int before = INJECTED.get();
        try (PackedSamples data = flaky.pack(rdd(parts))) {
            float[][] got = flaky.scores(data, spec);
            assertEquals(before + 1, INJECTED.get(), "the first attempt failed once and was retried");
            for (int t = 0; t < expect.length; t++) assertArrayEquals(expect[t], got[t], 0f, "target " + t);
        }
    }

    @Test
    void shardedSelectionInThePipelineGivesTheDriversMasks() {
        List<List<Sample>> parts = parts(SIZES);
        for (Criterion c : new Criterion[] {Criterion.TAYLOR, Criterion.MAGNITUDE}) {
            PruneSpec spec = PruneSpec.global(c, 0.9);
            SparkPruner driver = new SparkPruner(LocalSpark.get(), LENET, CFG);
            SparkPruner sharded = new SparkPruner(LocalSpark.get(), LENET, CFG).shardedSelection(5);
            try (PackedSamples a = driver.pack(rdd(parts)); PackedSamples b = sharded.pack(rdd(parts))) {
                // Two events: the second selects on scores that respect the first masks (−∞ where pruned).
                assertMasksEqual(distributedMasks(driver, a, spec.withSparsity(0.5), 0.5),
                        distributedMasks(sharded, b, spec.withSparsity(0.5), 0.5), c + " first event");
                assertMasksEqual(distributedMasks(driver, a, spec, 0.9), distributedMasks(sharded, b, spec, 0.9), c
                        + " second event");
            }
        }
    }
}
