package dev.jprune;

import dev.jprune.data.Dataset;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.nn.Parameter;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.Granularity;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneListener;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.PruningPlan;
import dev.jprune.prune.PruningRun;
import dev.jprune.prune.Schedule;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.prune.Scope;
import dev.jprune.train.Backend;
import dev.jprune.train.CpuBackend;
import dev.jprune.train.TrainConfig;
import dev.jprune.util.Parallel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The common job in one place, in the spirit of {@code torch.nn.utils.prune} plus a training loop: a model, what to
 * prune (criterion, granularity, scope, sparsity), when (schedule) and how long to train, then {@link #run} on a data
 * set gives back the model — trained, pruned, fine-tuned, its masks set and pruned weights exactly 0 — and a
 * {@link PruningReport}. {@link #pruneOnce} prunes a model as it is, without training.
 *
 * <pre>{@code
 * PruningReport r = Pruning.of(Models.build("lenet-300-100", 1))
 *         .criterion(Criterion.TAYLOR).sparsity(0.9).denseEpochs(6).fineTuneEpochs(6)
 *         .run(EmbeddedMnist.standardizedSplit());
 * }</pre>
 *
 * <p>Every setting starts at the command line's default ({@link PruneSpec#builder()}, {@link PruningPlan#builder()},
 * {@link TrainConfig#builder(ModelSpec)}): Taylor |w·g|, unstructured, global, 90%, a gradual schedule over 75% of
 * fine-tuning, 10 dense and 4 fine-tuning epochs, the model's optimizer, batch 128, seed 1, {@link Device#AUTO}, the
 * current {@link Parallel.Context}'s threads. A runner is a mutable description of a job, not thread-safe; each
 * {@link #run} opens and closes its own backend (and thread pool, if {@link #threads} was set).
 */
public final class Pruning {
    private final ModelSpec model;
    private PruneSpec.Builder spec = PruneSpec.builder();
    private TrainConfig.Builder train;
    private final PruningPlan.Builder plan = PruningPlan.builder();
    private Device device = Device.AUTO;
    private int threads;
    private PruneListener listener = PruneListener.NONE;

    private Pruning(ModelSpec model) {
        if (model == null) throw new IllegalArgumentException("Pruning.of: null model");
        this.model = model;
        this.train = TrainConfig.builder(model);
    }

    /** A runner for {@code model} (modified by {@link #run} and {@link #pruneOnce}) with the CLI's defaults. */
    public static Pruning of(ModelSpec model) { return new Pruning(model); }

    /** The importance criterion (default TAYLOR). */
    public Pruning criterion(Criterion c) { spec.criterion(c); return this; }
    /** Target fraction of the candidate weights removed, in [0, 1] (default 0.9). */
    public Pruning sparsity(double s) { spec.sparsity(s); return this; }
    /** Single weights, N:M or whole neurons/filters (default UNSTRUCTURED). */
    public Pruning granularity(Granularity g) { spec.granularity(g); return this; }
    /** One ranking over all layers or each layer on its own (default GLOBAL). */
    public Pruning scope(Scope s) { spec.scope(s); return this; }
    /** Replaces every pruning setting with {@code s}'s (build one with {@link PruneSpec#builder()}). */
    public Pruning spec(PruneSpec s) { spec = s.toBuilder(); return this; }
    /**
     * When to prune: {@link Schedule#oneShot}, {@link Schedule#iterative}, {@link Schedule#gradual} (default 0.75, 20).
     */
    public Pruning schedule(Schedule s) { plan.schedule(s); return this; }
    /** Epochs of dense training before pruning (default 10; SNIP prunes first and trains these with the mask). */
    public Pruning denseEpochs(int epochs) { train.epochs(epochs); return this; }
    /** Epochs of masked fine-tuning (default 4). */
    public Pruning fineTuneEpochs(int epochs) { plan.fineTuneEpochs(epochs); return this; }
    /** Learning rate of fine-tuning; 0 keeps the training rate (default). */
    public Pruning fineTuneLr(float lr) { plan.fineTuneLr(lr); return this; }
    /** Replaces every training setting with {@code cfg}'s; its epochs are the dense epochs. */
    public Pruning training(TrainConfig cfg) { train = cfg.toBuilder(); return this; }
    /** Learning rate of training (default: the model's). */
    public Pruning lr(float lr) { train.lr(lr); return this; }
    /** Samples per mini-batch (default 128). */
    public Pruning batchSize(int b) { train.batchSize(b); return this; }
    /** Seed of the batch order and score batches (default 1; the model's weights come from its own seed). */
    public Pruning seed(long s) { train.seed(s); return this; }
    /** Where to train (default AUTO: the GPU when usable, else the CPU). */
    public Pruning device(Device d) { this.device = d; return this; }
    /** CPU threads of the run's loops, its own {@link Parallel.Context} (default 0: the current context). */
    public Pruning threads(int n) {
        if (n < 0) throw new IllegalArgumentException("threads must be >= 0 (0: the current context), got " + n);
        this.threads = n;
        return this;
    }
    /** Progress callbacks: epochs, steps, phases, prunes (default none). */
    public Pruning listener(PruneListener l) { this.listener = l == null ? PruneListener.NONE : l; return this; }

    /** The pruning settings as they stand. @throws IllegalArgumentException when they are invalid */
    public PruneSpec spec() { return spec.build(); }
    /** The training settings as they stand. @throws IllegalArgumentException when they are invalid */
    public TrainConfig trainConfig() { return train.build(); }
    /** The whole plan as it stands (dense epochs from the training settings). */
    public PruningPlan plan() { return plan.spec(spec.build()).denseEpochs(train.build().epochs()).build(); }

    /**
     * Trains densely on {@code data.train()}, prunes by the schedule with masked fine-tuning, evaluates on
     * {@code data.test()} before and after. Modifies the model's weights and masks. The device is resolved first
     * ({@link Backends#choose}) and every setting validated before any training.
     *
     * @throws IllegalArgumentException for invalid settings, data that does not fit the model, an empty split, a GPU
     *     requested that cannot run it, or density bounds that cannot reach the sparsity
     * @throws ArithmeticException when training diverges
     */
    public PruningReport run(Split data) {
        if (data == null) throw new IllegalArgumentException("Pruning.run: null data");
        model.requireData(data.train());
        Training.requireNonEmpty("Pruning.run", data);
        TrainConfig cfg = trainConfig();
        PruningPlan p = plan();
        Backends.Choice choice = Backends.choose(device, model, cfg);
        return inContext(() -> {
            Recorder rec = new Recorder(listener);
            try (Backend b = Backends.open(choice, model, cfg)) {
                PruningRun run = new PruningRun(model, cfg, p, rec, b);
                PruningRun.Outcome o = run.run(data);
                return report(o.denseAccuracy(), o.prunedAccuracy(), run.pruner(), rec.events, b.describe(),
                        choice.reason(), o.seconds());
            }
        });
    }

    /**
     * Prunes the model as it is, once, to the spec's sparsity, on the host: MAGNITUDE reads the weights; gradient
     * criteria accumulate their scores over the spec's score batches of {@code scoreData} (batch size and seed from
     * the training settings), without updating any weight. Nothing is trained or evaluated (the report's accuracies are
     * NaN). Modifies the model's masks and zeroes pruned weights.
     *
     * @param scoreData samples for gradient scores (may be null for MAGNITUDE)
     * @throws IllegalArgumentException for invalid settings, missing or unfitting data, or unreachable density bounds
     */
    public PruningReport pruneOnce(Dataset scoreData) {
        PruneSpec s = spec();
        TrainConfig cfg = trainConfig();
        ModelPruner pruner = new ModelPruner(model.net(), s);
        pruner.checkTarget(s.sparsity());
        if (s.needsGradients()) {
            if (scoreData == null) throw new IllegalArgumentException("criterion " + s.criterion()
                    + " scores gradients: pruneOnce needs data");
            model.requireData(scoreData);
        }
        return inContext(() -> {
            long t0 = System.nanoTime();
            Recorder rec = new Recorder(listener);
            ScoreAccumulator acc = null;
            if (s.needsGradients()) {
                ScoreAccumulator a = acc = pruner.newAccumulator();
                new CpuBackend(model, cfg).gradientsOnBatches(scoreData, s.scoreBatches(), cfg.seed(),
                        () -> a.accumulate(pruner.weights(), pruner.grads()));
            }
            ModelPruner.Result r = pruner.prune(s.sparsity(), pruner.scores(acc));
            rec.onPrune(-1, s.sparsity(), r.achievedSparsity(), acc == null ? 0 : acc.batches());
            return report(Double.NaN, Double.NaN, pruner, rec.events, "cpu", "pruneOnce runs on the host",
                    (System.nanoTime() - t0) / 1e9);
        });
    }

    private PruningReport report(double dense, double pruned, ModelPruner pruner, List<PruningReport.PruneEvent> events,
                                 String dev, String why, double seconds) {
        List<PruningReport.Layer> layers = new ArrayList<>();
        long kept = 0;
        for (ModelPruner.Target t : pruner.targets()) {
            Parameter w = t.weight();
            layers.add(new PruningReport.Layer(t.name(), w.value.shape(), w.size(), w.nonzeroMaskCount()));
            kept += w.nonzeroMaskCount();
        }
        Map<String, byte[]> masks = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.net().namedParameters().entrySet()) {
            if (e.getValue().mask != null) masks.put(e.getKey(), e.getValue().mask.clone());
        }
        double sparsity = pruner.candidateCount() == 0 ? 0 : 1 - kept / (double) pruner.candidateCount();
        return new PruningReport(dense, pruned, sparsity, layers, events, masks, dev, why, seconds);
    }

    private PruningReport inContext(Callable<PruningReport> job) {
        try {
            if (threads == 0) return job.call();
            try (Parallel.Context ctx = Parallel.Context.ofThreads(threads)) {
                return ctx.call(job);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);  // the jobs throw no checked exception
        }
    }

    /** Passes every event on and records the prunes. */
    private static final class Recorder implements PruneListener {
        final PruneListener next;
        final List<PruningReport.PruneEvent> events = new ArrayList<>();

        Recorder(PruneListener next) { this.next = next; }

        @Override public void onStep(int epoch, int step, int steps, double loss, double gradNorm, double accuracy) {
            next.onStep(epoch, step, steps, loss, gradNorm, accuracy);
        }
        @Override public void onEpoch(dev.jprune.train.EpochStats s) { next.onEpoch(s); }
        @Override public void onPhase(String phase, int epochs) { next.onPhase(phase, epochs); }
        @Override public void onPrune(long step, double target, double achieved, long scoreBatches) {
            events.add(new PruningReport.PruneEvent(step, target, achieved, scoreBatches));
            next.onPrune(step, target, achieved, scoreBatches);
        }
    }
}
