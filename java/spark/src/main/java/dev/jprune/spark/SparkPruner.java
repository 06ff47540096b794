package dev.jprune.spark;

import dev.jprune.models.ModelSpec;
import dev.jprune.nn.Parameter;
import dev.jprune.optim.Optimizer;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.PruningPlan;
import dev.jprune.prune.Schedule;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.train.Evaluation;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.Trainer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Data-parallel training and gradient-based pruning of one model on Apache Spark, with the CPU engine on every
 * executor.
 *
 * <p><b>Training.</b> The driver holds the model (values, masks, optimizer state) as a {@link ModelState}. A round
 * broadcasts it; every non-empty partition opens a replica ({@link Replica}), trains {@code k} local steps on its own
 * samples ({@link SyncPolicy}) and returns its whole state (parameters and optimizer state, float); the driver sums the
 * replicas in a fixed order ({@link FixedOrderSum}, double) and takes the mean, which becomes the next version. Adam's
 * step count advances by k. Every replica loads the same masks and the optimizers keep pruned weights and their state
 * at 0, so the mean is 0 there too (checked).
 *
 * <p><b>Pruning.</b> A prune event scores the whole data set in one job ({@link PruneEvent}: every partition sums the
 * criterion's per-batch scores with the core's {@code ScoreAccumulator}, the partials are summed in a fixed order in
 * double, rounded to float once) and selects on the driver with the core's exact global selection
 * ({@link ModelPruner#prune}), or, with {@link #shardedSelection}, keeps the scores on the executors and selects by
 * all-reduced radix histograms ({@link ShardedSelector}). Masks travel with the next broadcast.
 *
 * <p><b>Determinism.</b> The same data, partitioning, seed and settings give the same model and masks bit for bit on
 * every run, whatever the executor count, task order or task retries.
 *
 * <p>Driver-side object, not thread-safe. Modifies {@link #model()}.
 */
public final class SparkPruner {
    /** Test seam: runs in every task after its result is computed (e.g. to fail a first attempt). */
    interface TaskHook extends Serializable {
        void after(String job, int partition);
    }

    /** One averaging round: local steps, mean training loss and accuracy over the replicas' samples, time, bytes. */
    public record Round(int round, long steps, double trainLoss, double trainAccuracy, long samples, int replicas,
                        double seconds, long bytesUp, long bytesDown) {}

    /** What {@link #fit} or {@link #train} did: the rounds and the prunes, in order. */
    public record Run(List<Round> rounds, List<ModelPruner.Result> prunes, double seconds) {}

    private final JavaSparkContext sc;
    private final ModelFactory factory;
    private final ModelSpec model;
    private final CoreConfigs.Settings settings;
    private final Optimizer optimizer;
    private float lr;
    private SyncPolicy sync = SyncPolicy.oncePerEpoch();
    private int fanout = 32;
    private int scoreBatches = 0;
    private int shards = 0;
    private ModelState state;
    private long replicaSteps;
    private int rounds, events;
    TaskHook hook = (job, p) -> { };

    /**
     * A pruner whose model starts as {@code factory.create()} on the driver, trained with {@code cfg} (its epochs are
     * ignored: {@link #train} and {@link #fit} say how long).
     */
    public SparkPruner(JavaSparkContext sc, ModelFactory factory, TrainConfig cfg) {
        this.sc = sc;
        this.factory = factory;
        this.model = factory.create();
        this.settings = CoreConfigs.settings(cfg);
        this.lr = cfg.lr();
        this.optimizer = Trainer.createOptimizer(model.net().parameters(), cfg);
        this.state = ModelState.capture(0, model.net(), optimizer);
    }

    /** Averaging policy (default once per epoch). Returns this. */
    public SparkPruner sync(SyncPolicy policy) { this.sync = policy; return this; }

    /** Fan-out of the fixed-order sum tree (default 32: up to 32 partitions are summed on the driver). Returns this. */
    public SparkPruner fanout(int f) {
        FixedOrderSum.levels(1, f);
        this.fanout = f;
        return this;
    }

    /** Batches per partition that a prune event scores (0, the default: all, i.e. one pass over the data set). */
    public SparkPruner scoreBatchesPerPartition(int n) {
        if (n < 0) throw new IllegalArgumentException("score batches per partition must be >= 0, got " + n);
        this.scoreBatches = n;
        return this;
    }

    /** Select on {@code shardCount} score shards that stay on the executors (0: on the driver, the default). */
    public SparkPruner shardedSelection(int shardCount) {
        if (shardCount < 0) throw new IllegalArgumentException("shard count must be >= 0, got " + shardCount);
        this.shards = shardCount;
        return this;
    }

    /** The driver's model: current after every round and prune. */
    public ModelSpec model() { return model; }

    /** The current state (what the next round broadcasts). */
    public ModelState state() { return state; }

    /**
     * Takes the driver model's current values and masks, changed by the caller (e.g. weights loaded from a checkpoint),
     * as the next version, with the optimizer state at pruned positions zeroed. Without it the next round would
     * broadcast the state from before the change.
     */
    public void resync() {
        for (Parameter p : model.net().parameters()) p.applyMask();
        optimizer.enforceMasks();
        state = ModelState.capture(state.version + 1, model.net(), optimizer);
    }

    /** Checks and packs a data set for this model (one job); close the result when done. */
    public PackedSamples pack(JavaRDD<Sample> samples) {
        return PackedSamples.pack(samples, model.sampleShape(), model.outputs());
    }

    /** Local steps per epoch: ⌈samples / (non-empty partitions · batch size)⌉, one pass over an average shard. */
    public long stepsPerEpoch(PackedSamples data) {
        int replicas = data.nonEmptyPartitions();
        if (replicas == 0) throw new IllegalArgumentException("the training data set is empty (" + data.partitions()
                + " empty partitions)");
        long per = (long) replicas * settings.batchSize();
        return (data.total() + per - 1) / per;
    }

    /** Trains {@code epochs} epochs without pruning. */
    public Run train(PackedSamples data, int epochs) {
        long t0 = System.nanoTime();
        List<Round> out = new ArrayList<>();
        trainSteps(data, epochs * stepsPerEpoch(data), out, done -> { });
        return new Run(out, List.of(), (System.nanoTime() - t0) / 1e9);
    }

    /** Trains {@code steps} local steps (rounds of the sync policy's size, the last maybe shorter), no pruning. */
    public Run trainSteps(PackedSamples data, long steps) {
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        long t0 = System.nanoTime();
        List<Round> out = new ArrayList<>();
        trainSteps(data, steps, out, done -> { });
        return new Run(out, List.of(), (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Runs a pruning plan: dense epochs, then the schedule's prune events at averaging-round boundaries (one-shot,
     * iterative, gradual; SNIP prunes at initialisation), fine-tuning at {@code plan.fineTuneLr()} when set.
     * A gradual prune at fine-tuning step t happens at the first round boundary after step t (so rounds of at most
     * the schedule's Δt steps keep every event); where the schedule outlasts fine-tuning, a last prune reaches
     * the target.
     *
     * <p>Prune events score the whole data set ({@code plan.spec().scoreBatches()} is not used: see
     * {@link #scoreBatchesPerPartition}).
     *
     * @throws IllegalArgumentException for what the distributed run does not do: rewinding, EMA or MOVEMENT scores
     *                                  (they accumulate over training steps, not over one pass), or bounds that
     *                                  cannot reach the target
     */
    public Run fit(PackedSamples data, PruningPlan plan) {
        long t0 = System.nanoTime();
        PruneSpec spec = plan.spec();
        if (plan.rewind() != PruningPlan.Rewind.NONE) {
            throw new IllegalArgumentException("distributed runs do not rewind (plan asks " + plan.rewind() + ")");
        }
        if (spec.criterion() == Criterion.MOVEMENT) {
            throw new IllegalArgumentException("MOVEMENT scores accumulate over training steps; distributed prune"
                    + " events score one pass");
        }
        if (spec.accumulate() != ScoreAccumulator.Mode.SUM) {
            throw new IllegalArgumentException("distributed scores are sums over the data set; EMA accumulation is not"
                    + " supported");
        }
        ModelPruner pruner = new ModelPruner(model.net(), spec);
        pruner.checkTarget(spec.sparsity());
        long spe = stepsPerEpoch(data);
        List<Round> out = new ArrayList<>();
        List<ModelPruner.Result> prunes = new ArrayList<>();
        if (spec.criterion() == Criterion.SNIP) {
            prunes.add(prune(data, pruner, spec.sparsity()));
            trainSteps(data, (plan.denseEpochs() + plan.fineTuneEpochs()) * spe, out, d -> { });
        } else {
            trainSteps(data, plan.denseEpochs() * spe, out, d -> { });
            if (plan.fineTuneLr() > 0) lr = plan.fineTuneLr();
            Schedule s = plan.schedule();
            if (s instanceof Schedule.OneShot) {
                prunes.add(prune(data, pruner, spec.sparsity()));
                trainSteps(data, plan.fineTuneEpochs() * spe, out, d -> { });
            } else if (s instanceof Schedule.Iterative it) {
                int per = Math.max(1, (plan.fineTuneEpochs() + it.rounds() - 1) / it.rounds());
                for (int r = 1; r <= it.rounds(); r++) {
                    prunes.add(prune(data, pruner, it.sparsityAfterRound(r, spec.sparsity())));
                    trainSteps(data, per * spe, out, d -> { });
                }
            } else if (s instanceof Schedule.Gradual g) {
                long[] applied = {-1};
                long total = plan.fineTuneEpochs() * spe;
                trainSteps(data, total, out, done -> {
                    long last = -1;  // the latest pruning step completed since the last event
                    for (long t = applied[0] + 1; t < done && t <= g.lastPruningStep(); t++) {
                        if (g.isPruningStep(t)) last = t;
                    }
                    if (last < 0) return;
                    applied[0] = last;
                    prunes.add(prune(data, pruner, g.sparsityAt(last, spec.sparsity())));
                });
                if (total <= g.lastPruningStep()) prunes.add(prune(data, pruner, spec.sparsity()));
            } else {
                throw new IllegalArgumentException("unknown schedule " + s);
            }
        }
        return new Run(out, prunes, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * One prune event now: scores the whole data set (gradient criteria) and prunes the model to {@code sparsity} by
     * {@code spec} (unstructured, N:M, structured, per-layer, capped: whatever {@link ModelPruner#prune} does; sharded
     * selection: global unstructured only). Modifies the model's masks and weights and the optimizer state.
     */
    public ModelPruner.Result prune(PackedSamples data, PruneSpec spec, double sparsity) {
        return prune(data, new ModelPruner(model.net(), spec), sparsity);
    }

    private ModelPruner.Result prune(PackedSamples data, ModelPruner pruner, double sparsity) {
        PruneEvent ev = new PruneEvent(sc, model, factory, settings, lr, fanout, scoreBatches, hook);
        long seed = settings.seed() + 7919L * (++events);
        ModelPruner.Result r = shards > 0
                ? ev.pruneSharded(data, pruner, state, sparsity, seed, shards)
                : ev.prune(data, pruner, state, sparsity, seed);
        optimizer.enforceMasks();
        state = ModelState.capture(state.version + 1, model.net(), optimizer);
        return r;
    }

    /**
     * Dataset-wide scores of {@code spec}'s criterion for its targets, in target order (one job; the fixed-order sum of
     * the partitions' float sums, rounded to float). Changes nothing.
     */
    public float[][] scores(PackedSamples data, PruneSpec spec) {
        ModelPruner pruner = new ModelPruner(model.net(), spec);
        return new PruneEvent(sc, model, factory, settings, lr, fanout, scoreBatches, hook)
                .scores(data, pruner, state, settings.seed() + 7919L * (events + 1));
    }

    /** Accuracy and mean loss of the current model over a distributed data set (evaluation mode; one job). */
    public Evaluation evaluate(PackedSamples data) {
        Broadcast<ModelState> bc = sc.broadcast(state);
        long v = state.version;
        ModelFactory f = factory;
        CoreConfigs.Settings s = settings;
        float rate = lr;
        JavaRDD<FixedOrderSum.Item> items = data.shards.filter(sh -> sh.size() > 0).map(sh -> {
            Replica r = Replica.open(f, bc.value(), v, s, rate, sh.partition);
            Evaluation e = r.evaluate(sh);
            return FixedOrderSum.Item.leaf(sh.partition, 1, new float[0], new double[] {e.loss() * e.samples(),
                    Math.rint(e.accuracy() * e.samples()), e.samples()});
        });
        FixedOrderSum.Item sum;
        try {
            sum = Jobs.run("evaluation", () -> FixedOrderSum.reduce(items, data.partitions(), fanout));
        } finally {
            bc.destroy();
        }
        if (sum == null) throw new IllegalArgumentException("evaluation: the data set is empty");
        return new Evaluation(sum.stats[1] / sum.stats[2], sum.stats[0] / sum.stats[2], (int) sum.stats[2]);
    }

    @FunctionalInterface
    private interface Boundary { void after(long stepsDone); }

    /** {@code total} local steps in rounds of the sync policy's size; {@code boundary} after each round. */
    private void trainSteps(PackedSamples data, long total, List<Round> out, Boundary boundary) {
        long k = sync.resolve(stepsPerEpoch(data));
        for (long done = 0; done < total; ) {
            int steps = (int) Math.min(k, total - done);
            out.add(round(data, steps));
            done += steps;
            boundary.after(done);
        }
    }

    private Round round(PackedSamples data, int steps) {
        long t0 = System.nanoTime();
        ModelState start = state;
        Broadcast<ModelState> bc = sc.broadcast(start);
        long v = start.version, first = replicaSteps;
        int round = rounds;
        ModelFactory f = factory;
        CoreConfigs.Settings s = settings;
        float rate = lr;
        TaskHook h = hook;
        JavaRDD<FixedOrderSum.Item> items = data.shards.filter(sh -> sh.size() > 0).map(sh -> {
            ModelState st = bc.value();
            FixedOrderSum.Item it = Replica.open(f, st, v, s, rate, sh.partition).train(sh, st, first, steps, round);
            h.after("train", sh.partition);
            return it;
        });
        FixedOrderSum.Item sum;
        try {
            sum = Jobs.run("training round " + round, () -> FixedOrderSum.reduce(items, data.partitions(), fanout));
        } finally {
            bc.destroy();
        }
        int replicas = (int) sum.count;
        float[] mean = new float[sum.sum.length];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = (float) (sum.sum[i] / replicas);
            if (!Float.isFinite(mean[i])) {
                throw new ArithmeticException("training diverged: the average of round " + round + " is " + mean[i]
                        + " at flat index " + i + " (try a smaller learning rate or clipping)");
            }
        }
        boolean adam = start.slots.length == 2;
        ModelState next = start.withFlat(v + 1, mean, adam ? steps : 0);
        requireMasked(next);
        next.loadInto(model.net(), optimizer, "driver");
        state = next;
        replicaSteps += steps;
        rounds++;
        long floats = start.flatSize();
        long maskBytes = 0;
        for (byte[] m : start.masks) if (m != null) maskBytes += m.length;
        double seen = sum.stats[2];
        return new Round(round, steps, sum.stats[0] / seen, sum.stats[1] / seen, (long) seen, replicas,
                (System.nanoTime() - t0) / 1e9, 4L * floats * replicas, 4L * floats + maskBytes);
    }

    /** The mean of replicas that all applied the masks is exactly 0 at pruned positions: anything else is a bug. */
    static void requireMasked(ModelState s) {
        for (int t = 0; t < s.values.length; t++) {
            byte[] m = s.masks[t];
            if (m == null) continue;
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 0 && s.values[t][i] != 0f) {
                    throw new IllegalStateException("averaged " + s.names[t] + "[" + i + "] = " + s.values[t][i]
                            + " where the mask prunes: a replica did not apply the masks");
                }
            }
        }
    }

    /** Indices into {@code parameters()} of the pruner's target weights. */
    static int[] targetParameters(ModelSpec model, ModelPruner pruner) {
        List<Parameter> ps = model.net().parameters();
        return pruner.targets().stream().mapToInt(t -> ps.indexOf(t.weight())).toArray();
    }
}
