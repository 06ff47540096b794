package dev.jprune.spark;

import dev.jprune.data.Batcher;
import dev.jprune.data.Dataset;
import dev.jprune.models.ModelSpec;
import dev.jprune.nn.Parameter;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.train.CpuBackend;
import dev.jprune.train.EpochStats;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import dev.jprune.train.Trainer;
import java.util.List;

/**
 * A copy of the model on an executor, made for one task from the broadcast {@link ModelState}: it trains a few steps
 * on its partition's samples with the CPU engine ({@link Trainer}) or accumulates gradient scores
 * ({@link ScoreAccumulator}), and hands back what the driver sums. Stateless between tasks, so that a retried or
 * moved task computes exactly the same result.
 */
final class Replica {
    private final ModelSpec model;
    private final Trainer trainer;
    private final TrainConfig cfg;
    private final String where;

    private Replica(ModelSpec model, TrainConfig cfg, String where) {
        this.model = model;
        this.cfg = cfg;
        this.trainer = new Trainer(model, cfg);
        this.where = where;
    }

    /**
     * Builds the model with {@code factory}, checks its architecture against {@code state}'s and loads the state.
     *
     * @throws PartitionException if the state is not the version the driver sent for this job, or the model differs
     */
    static Replica open(ModelFactory factory, ModelState state, long expectedVersion, CoreConfigs.Settings s,
            float lr, int partition) {
        String where = "partition " + partition;
        if (state.version != expectedVersion) {
            throw new PartitionException(where + ": received model version " + state.version
                    + " for a job on version " + expectedVersion);
        }
        Replica r = new Replica(factory.create(), CoreConfigs.trainConfig(s, lr), where);
        state.loadInto(r.model.net(), r.trainer.optimizer(), where);
        return r;
    }

    /** Seed of partition {@code p}'s sample stream: the run's seed mixed with the partition index. */
    static long streamSeed(long seed, int partition) {
        return Batcher.epochSeed(seed ^ 0x5A17C0DEL, partition);
    }

    /**
     * Trains {@code steps} steps of batch B on the samples at positions {@code [firstStep·B, (firstStep+steps)·B)} of
     * the shard's stream (local epoch e is the permutation {@code Batcher.order(e)} seeded by {@link #streamSeed}),
     * shuffled again within the round. Returns the flat state as a leaf keyed by the partition, the steps taken and
     * the statistics {loss·samples, correct, samples}.
     */
    FixedOrderSum.Item train(Shard shard, ModelState start, long firstStep, int steps, int round) {
        int b = cfg.batchSize();
        Batcher stream = new Batcher(shard.dataset(), b, true, false, streamSeed(cfg.seed(), shard.partition));
        Dataset window = shard.window(firstStep * b, Math.multiplyExact(steps, b), stream::order);
        EpochStats st = trainer.trainEpoch(window, round, TrainListener.NONE);
        // Re-capture through ModelState so the flat layout is the driver's; masks were enforced by the optimizer.
        float[] flat = ModelState.capture(start.version, model.net(), trainer.optimizer()).flatten();
        double correct = Math.rint(st.trainAccuracy() * st.samples());
        return FixedOrderSum.Item.leaf(shard.partition, 1, flat, new double[] {st.trainLoss() * st.samples(),
                correct, st.samples()});
    }

    /**
     * Sums {@code criterion}'s per-batch scores ({@link ScoreAccumulator}, mode SUM, float) over up to {@code
     * batches} batches of the shard ({@link CpuBackend#gradientsOnBatches} with {@code seed}: forward and backward in
     * evaluation mode), for the parameters {@code targets} (indices into {@code parameters()}). Returns the buffers
     * concatenated in target order, as a leaf keyed by the partition with the batch count.
     */
    FixedOrderSum.Item scores(Shard shard, Criterion criterion, int[] targets, int batches, long seed) {
        List<Parameter> ps = model.net().parameters();
        float[][] w = new float[targets.length][], g = new float[targets.length][];
        int[] sizes = new int[targets.length];
        String[] names = new String[targets.length];
        List<String> allNames = List.copyOf(model.net().namedParameters().keySet());
        for (int j = 0; j < targets.length; j++) {
            Parameter p = ps.get(targets[j]);
            w[j] = p.value.data;
            g[j] = p.grad.data;
            sizes[j] = p.size();
            names[j] = allNames.get(targets[j]);
        }
        ScoreAccumulator acc = new ScoreAccumulator(criterion, ScoreAccumulator.Mode.SUM, 0f, sizes, names);
        try (CpuBackend backend = new CpuBackend(model, cfg)) {
            backend.gradientsOnBatches(shard.dataset(), batches, seed, () -> acc.accumulate(w, g));
        } catch (IllegalArgumentException e) {
            throw new PartitionException(where + ": " + e.getMessage(), e);
        }
        long total = 0;
        for (int n : sizes) total += n;
        float[] flat = new float[Math.toIntExact(total)];
        int o = 0;
        for (float[] s : acc.buffers()) { System.arraycopy(s, 0, flat, o, s.length); o += s.length; }
        return FixedOrderSum.Item.leaf(shard.partition, acc.batches(), flat, null);
    }

    /** Accuracy and mean loss on the whole shard in evaluation mode ({@link Trainer#evaluate}). */
    dev.jprune.train.Evaluation evaluate(Shard shard) {
        return Trainer.evaluate(model.net(), shard.dataset(), 500);
    }

    String where() { return where; }
}
