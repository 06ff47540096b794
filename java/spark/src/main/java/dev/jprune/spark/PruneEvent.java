package dev.jprune.spark;

import dev.jprune.data.Batcher;
import dev.jprune.models.ModelSpec;
import dev.jprune.nn.Parameter;
import dev.jprune.prune.ArrayScoreSource;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.CriterionScoreSource;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.Granularity;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.Scope;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * One prune event of a {@link SparkPruner}: dataset-wide gradient scores in one job, then the exact selection on the
 * driver ({@link #prune}) or on score shards that stay on the executors ({@link #pruneSharded}). Both sum the
 * partitions' float partials with the same {@link FixedOrderSum} tree, so they select on the same scores.
 */
final class PruneEvent {
    private final JavaSparkContext sc;
    private final ModelSpec model;
    private final ModelFactory factory;
    private final CoreConfigs.Settings settings;
    private final float lr;
    private final int fanout;
    private final int scoreBatches;
    private final SparkPruner.TaskHook hook;

    PruneEvent(JavaSparkContext sc, ModelSpec model, ModelFactory factory, CoreConfigs.Settings settings, float lr,
               int fanout, int scoreBatches, SparkPruner.TaskHook hook) {
        this.sc = sc;
        this.model = model;
        this.factory = factory;
        this.settings = settings;
        this.lr = lr;
        this.fanout = fanout;
        this.scoreBatches = scoreBatches;
        this.hook = hook;
    }

    /** Seed of partition p's scoring batches at an event with seed {@code seed}. */
    static long scoringSeed(long seed, int partition) {
        return Batcher.epochSeed(seed, partition);
    }

    /** Each non-empty partition's float score sums over the targets (concatenated in target order), as leaves. */
    private JavaRDD<FixedOrderSum.Item> partials(PackedSamples data, Broadcast<ModelState> bc, long version,
                                                 Criterion criterion, int[] targets, long seed) {
        ModelFactory f = factory;
        CoreConfigs.Settings s = settings;
        float rate = lr;
        int limit = scoreBatches == 0 ? Integer.MAX_VALUE : scoreBatches;
        SparkPruner.TaskHook h = hook;
        return data.shards.filter(sh -> sh.size() > 0).map(sh -> {
            Replica r = Replica.open(f, bc.value(), version, s, rate, sh.partition);
            FixedOrderSum.Item it = r.scores(sh, criterion, targets, limit, scoringSeed(seed, sh.partition));
            h.after("score", sh.partition);
            return it;
        });
    }

    /** The dataset-wide scores of the pruner's criterion per target (fixed-order double sum, rounded to float). */
    float[][] scores(PackedSamples data, ModelPruner pruner, ModelState state, long seed) {
        requireGradientCriterion(pruner);
        Broadcast<ModelState> bc = sc.broadcast(state);
        try {
            int[] targets = targetParameters(pruner);
            JavaRDD<FixedOrderSum.Item> items = partials(data, bc, state.version, pruner.spec().criterion(), targets,
                    seed);
            FixedOrderSum.Item sum = Jobs.run("scoring", () -> FixedOrderSum.reduce(items, data.partitions(), fanout));
            if (sum == null) throw new IllegalArgumentException("scoring: the data set is empty");
            return split(sum.toFloat(), pruner.sizes());
        } finally {
            bc.destroy();
        }
    }

    /** Scores (gradient criteria) and prunes on the driver with {@link ModelPruner#prune}. Modifies the model. */
    ModelPruner.Result prune(PackedSamples data, ModelPruner pruner, ModelState state, double sparsity, long seed) {
        if (!pruner.spec().needsGradients()) return pruner.prune(sparsity, pruner.scores(null));
        float[][] s = scores(data, pruner, state, seed);
        return pruner.prune(sparsity, new ArrayScoreSource(s, pruner.names()));
    }

    /**
     * Scores and prunes with the scores reduce-scattered into {@code shardCount} shards that stay on the executors and
     * the threshold found by {@link ShardedSelector}; the masks come back to the driver. Global unstructured pruning
     * only; the same masks as {@link #prune}. Modifies the model.
     */
    ModelPruner.Result pruneSharded(PackedSamples data, ModelPruner pruner, ModelState state, double sparsity,
            long seed, int shardCount) {
        var spec = pruner.spec();
        if (spec.granularity() != Granularity.UNSTRUCTURED || spec.scope() != Scope.GLOBAL || spec.thresholdMode()
                || pruner.capped()) {
            throw new IllegalArgumentException("sharded selection does global unstructured pruning without density"
                    + " bounds; the spec asks " + spec.granularity() + " " + spec.scope()
                    + (pruner.capped() ? " with density bounds" : "") + (spec.thresholdMode() ? " by threshold" : ""));
        }
        if (spec.needsGradients() && data.nonEmptyPartitions() == 0) {
            throw new IllegalArgumentException("scoring: the data set is empty");
        }
        int[] sizes = pruner.sizes();
        long[] toff = new long[sizes.length + 1];
        for (int t = 0; t < sizes.length; t++) toff[t + 1] = toff[t] + sizes[t];
        long total = toff[sizes.length];
        long[] bounds = ScoreShard.bounds(total, shardCount);
        byte[][] oldMasks = pruner.masks();
        Broadcast<ModelState> bc = sc.broadcast(state);
        Broadcast<byte[][]> masksBc = sc.broadcast(oldMasks);
        JavaRDD<ScoreShard> scoreShards = null;
        try {
            JavaRDD<ScoreShard> shards;
            if (spec.needsGradients()) {
                int parts = data.partitions(), f = fanout;
                JavaRDD<FixedOrderSum.Item> items = partials(data, bc, state.version, spec.criterion(),
                        targetParameters(pruner), seed);
                // Reduce-scatter: every partial is cut at the shard bounds; each shard sums its slices (same tree).
                shards = items.flatMapToPair(it -> {
                    List<Tuple2<Integer, FixedOrderSum.Item>> out = new ArrayList<>(bounds.length - 1);
                    for (int s = 0; s + 1 < bounds.length; s++) {
                        float[] slice = java.util.Arrays.copyOfRange(it.leaf, (int) bounds[s], (int) bounds[s + 1]);
                        out.add(new Tuple2<>(s, FixedOrderSum.Item.leaf(it.key, it.count, slice, null)));
                    }
                    return out.iterator();
                }).groupByKey(shardCount).map(g -> {
                    List<FixedOrderSum.Item> list = new ArrayList<>();
                    g._2().forEach(list::add);
                    float[] sc = FixedOrderSum.reduceLocally(list, parts, f).toFloat();
                    return respectMasks(new ScoreShard(g._1(), bounds[g._1()], sc), masksBc.value(), toff);
                });
            } else {
                // MAGNITUDE: each shard reads its slice of the weights from the broadcast state.
                int[] targets = targetParameters(pruner);
                List<Integer> ids = new ArrayList<>();
                for (int s = 0; s < shardCount; s++) ids.add(s);
                shards = sc.parallelize(ids, Math.max(1, Math.min(shardCount, sc.defaultParallelism()))).map(s -> {
                    ModelState st = bc.value();
                    float[][] w = new float[targets.length][];
                    for (int j = 0; j < targets.length; j++) w[j] = st.values[targets[j]];
                    float[] sc = slice(new CriterionScoreSource(Criterion.MAGNITUDE, w, null, null), toff, bounds[s],
                            bounds[s + 1]);
                    return respectMasks(new ScoreShard(s, bounds[s], sc), masksBc.value(), toff);
                });
            }
            scoreShards = shards.persist(StorageLevel.MEMORY_ONLY());
            JavaRDD<ScoreShard> persisted = scoreShards;
            ShardedSelection sel = ShardedSelector.select(persisted, GlobalSelector.keepForSparsity(total, sparsity));
            List<Tuple2<Integer, byte[]>> parts = Jobs.run("sharded selection",
                    () -> ShardedSelector.masks(persisted, sel).collect());
            byte[] flat = new byte[Math.toIntExact(total)];
            for (Tuple2<Integer, byte[]> p : parts) System.arraycopy(p._2(), 0, flat, (int) bounds[p._1()],
                    p._2().length);
            return setMasks(pruner, flat, toff, sparsity);
        } finally {
            if (scoreShards != null) scoreShards.unpersist(false);
            bc.destroy();
            masksBc.destroy();
        }
    }

    /** Scores of global indices [from, to) of {@code src} (tensors back to back at {@code toff}). */
    private static float[] slice(CriterionScoreSource src, long[] toff, long from, long to) {
        float[] out = new float[(int) (to - from)];
        for (int t = 0; t + 1 < toff.length; t++) {
            long a = Math.max(from, toff[t]), b = Math.min(to, toff[t + 1]);
            if (a >= b) continue;
            float[] buf = new float[(int) (b - a)];
            src.scores(t, (int) (a - toff[t]), (int) (b - toff[t]), buf);
            System.arraycopy(buf, 0, out, (int) (a - from), buf.length);
        }
        return out;
    }

    /** −Infinity where an earlier prune removed the element (as {@code ScoreSource.respectingMasks}). */
    static ScoreShard respectMasks(ScoreShard s, byte[][] masks, long[] toff) {
        float[] sc = s.scores();
        long from = s.offset(), to = from + sc.length;
        for (int t = 0; t + 1 < toff.length; t++) {
            byte[] m = masks[t];
            if (m == null) continue;
            long a = Math.max(from, toff[t]), b = Math.min(to, toff[t + 1]);
            for (long g = a; g < b; g++) {
                if (m[(int) (g - toff[t])] == 0) sc[(int) (g - from)] = Float.NEGATIVE_INFINITY;
            }
        }
        return s;
    }

    /** Sets the new masks (never reviving what an earlier prune removed), zeroes pruned weights: as ModelPruner. */
    private static ModelPruner.Result setMasks(ModelPruner pruner, byte[] flat, long[] toff, double sparsity) {
        List<ModelPruner.Target> ts = pruner.targets();
        long[] kept = new long[ts.size()];
        for (int t = 0; t < ts.size(); t++) {
            Parameter w = ts.get(t).weight();
            byte[] m = java.util.Arrays.copyOfRange(flat, (int) toff[t], (int) toff[t + 1]);
            if (w.mask != null) for (int i = 0; i < m.length; i++) m[i] &= w.mask[i];
            for (byte b : m) kept[t] += b;
            w.mask = m;
            w.applyMask();
        }
        return new ModelPruner.Result(sparsity, kept, pruner.candidateCount(), null);
    }

    private static void requireGradientCriterion(ModelPruner pruner) {
        if (!pruner.spec().needsGradients()) throw new IllegalArgumentException("criterion "
                + pruner.spec().criterion() + " reads no gradients: nothing to score over the data set");
    }

    /** Indices into the driver model's {@code parameters()} of the pruner's target weights. */
    private int[] targetParameters(ModelPruner pruner) {
        return SparkPruner.targetParameters(model, pruner);
    }

    private static float[][] split(float[] flat, int[] sizes) {
        float[][] out = new float[sizes.length][];
        int o = 0;
        for (int t = 0; t < sizes.length; t++) {
            out[t] = java.util.Arrays.copyOfRange(flat, o, o + sizes[t]);
            o += sizes[t];
        }
        return out;
    }
}
