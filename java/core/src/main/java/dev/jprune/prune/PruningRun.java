package dev.jprune.prune;

import dev.jprune.data.Dataset;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.train.Backend;
import dev.jprune.train.CpuBackend;
import dev.jprune.train.EpochStats;
import dev.jprune.train.Evaluation;
import dev.jprune.train.NonFinite;
import dev.jprune.train.StepHook;
import dev.jprune.train.TrainConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@link PruningPlan} on the CPU reference path: dense training, scoring, pruning per schedule, masked
 * fine-tuning (pruned weights and their optimizer state stay exactly 0), optional rewinding, evaluation.
 * Modifies the model's parameters and masks.
 */
public final class PruningRun {
    /**
     * The outcome, with per-target densities in {@link ModelPruner#targets()} order. Accuracies are NaN for regression
     * (the evaluations carry the MSE as their loss) and where there is no dense evaluation (SNIP).
     *
     * @param evaluations the test (and, regression, train) evaluations before pruning, right after the last prune and
     *                    after retraining
     */
    public record Outcome(double denseAccuracy, double prunedAccuracy, double achievedSparsity, String[] targetNames,
                          double[] densities, List<ModelPruner.Result> prunes, double seconds,
                                  Evaluations evaluations) {
        /** An outcome without the evaluations record (all its entries null). */
        public Outcome(double denseAccuracy, double prunedAccuracy, double achievedSparsity, String[] targetNames,
                       double[] densities, List<ModelPruner.Result> prunes, double seconds) {
            this(denseAccuracy, prunedAccuracy, achievedSparsity, targetNames, densities, prunes, seconds,
                    Evaluations.NONE);
        }
    }

    /**
     * What a run measured, each null where it was not measured.
     *
     * @param dense           the dense model on the test split (null: SNIP, which prunes before training)
     * @param justPruned      on the test split right after the last prune, before the fine-tuning that follows it
     *                        (one-shot and iterative schedules; null for gradual, whose prunes happen inside
     *                        fine-tuning, and SNIP)
     * @param pruned          the pruned model after retraining, on the test split
     * @param denseTrain      regression only: the dense model on the training split (its MSE)
     * @param justPrunedTrain regression only: the model right after the last prune, on the training split
     * @param prunedTrain     regression only: the retrained pruned model on the training split
     */
    public record Evaluations(Evaluation dense, Evaluation justPruned, Evaluation pruned, Evaluation denseTrain,
                              Evaluation justPrunedTrain, Evaluation prunedTrain) {
        /** Nothing measured. */
        public static final Evaluations NONE = new Evaluations(null, null, null, null, null, null);
    }

    private final ModelSpec model;
    private final TrainConfig cfg;
    private final PruningPlan plan;
    private final ModelPruner pruner;
    private final Backend backend;
    private final PruningBackend pruning;
    private final PruneListener listener;
    private final List<ModelPruner.Result> prunes = new ArrayList<>();
    private int epoch;
    private Evaluation justPruned, justPrunedTrain;
    // one-shot without fine-tuning or rewinding: the final evaluation is the "right after" one
    private boolean justPrunedIsFinal;

    /** A run on the CPU reference backend. */
    public PruningRun(ModelSpec model, TrainConfig cfg, PruningPlan plan, PruneListener listener) {
        this(model, cfg, plan, listener, new CpuBackend(model, cfg));
    }

    /**
     * A run on {@code backend}, which must have been made for {@code model} and {@code cfg}. The run trains densely for
     * {@code plan.denseEpochs()} epochs, and {@code cfg.epochs()} must say the same (one number, two records: neither
     * is silently ignored; {@link TrainConfig#withEpochs} makes them agree).
     *
     * @throws IllegalArgumentException when cfg.epochs() differs from plan.denseEpochs(), or the spec finds nothing
     *     to prune in the model
     */
    public PruningRun(ModelSpec model, TrainConfig cfg, PruningPlan plan, PruneListener listener, Backend backend) {
        if (cfg.epochs() != plan.denseEpochs()) {
            throw new IllegalArgumentException("TrainConfig.epochs = " + cfg.epochs()
                    + " but PruningPlan.denseEpochs = " + plan.denseEpochs()
                    + ": a pruning run trains densely for the plan's epochs; make them equal (TrainConfig.withEpochs)");
        }
        this.model = model;
        this.cfg = cfg;
        this.plan = plan;
        this.pruner = new ModelPruner(model.net(), plan.spec());
        this.backend = backend;
        this.pruning = PruningBackend.of(backend);
        this.listener = listener;
    }

    /** The pruner of the run's spec over the model (its targets, in order). */
    public ModelPruner pruner() { return pruner; }
    /** The backend the run trains on. */
    public Backend backend() { return backend; }

    /** Runs the plan (regression data: also measures the train split's MSE). Throws IllegalArgumentException before
     *  any training when the density bounds cannot reach the
     *  target sparsity ({@link ModelPruner#checkTarget}), and ArithmeticException ({@link NonFinite}) as soon as a
     *  training loss, an evaluation or the final weights are not finite. */
    public Outcome run(Split data) {
        long t0 = System.nanoTime();
        Sequential net = model.net();
        PruneSpec spec = plan.spec();
        pruner.checkTarget(spec.sparsity());
        float[][] snapshot = plan.rewind() == PruningPlan.Rewind.INIT ? net.copyValues() : null;
        double denseAcc = Double.NaN;
        Evaluation denseEval = null, denseTrain = null;
        boolean atInit = spec.criterion() == Criterion.SNIP;
        if (atInit) {
            // SNIP (Lee et al. 2019): connection sensitivity |w·g| on the untrained network, prune once, then train.
            pruneOnce(data.train(), spec.sparsity(), 0);
            trainEpochs(data.train(), "train (pruned at init)", plan.denseEpochs() + plan.fineTuneEpochs());
        } else {
            StepHook rewindHook = null;
            final float[][][] stepSnap = new float[1][][];
            if (plan.rewind() == PruningPlan.Rewind.STEP) {
                if (plan.rewindStep() == 0) stepSnap[0] = net.copyValues();
                rewindHook = new StepHook() {
                    @Override public void afterStep(long s) {
                        if (s + 1 == plan.rewindStep()) stepSnap[0] = net.copyValues();
                    }
                    @Override public boolean needsHost(long s) { return s + 1 == plan.rewindStep(); }
                };
                backend.addHook(rewindHook);
            }
            trainEpochs(data.train(), "dense", plan.denseEpochs());
            if (rewindHook != null) backend.removeHook(rewindHook);
            if (plan.rewind() == PruningPlan.Rewind.STEP) {
                if (stepSnap[0] == null) throw new IllegalArgumentException("rewind step " + plan.rewindStep()
                        + " is beyond the " + backend.globalStep() + " dense training steps");
                snapshot = stepSnap[0];
            }
            String what = "dense model on " + data.test().name();
            denseEval = NonFinite.require(backend.evaluate(data.test()), what);
            denseAcc = denseEval.accuracy();
            if (data.train().isRegression()) {
                denseTrain = NonFinite.require(backend.evaluate(data.train()), "dense model on " + data.train().name());
            }
            if (plan.fineTuneLr() > 0) backend.setLearningRate(plan.fineTuneLr());
            Schedule s = plan.schedule();
            if (s instanceof Schedule.RelativeGradual rg) s = rg.over(fineTuneSteps(data.train()));
            if (s instanceof Schedule.OneShot) {
                pruneOnce(data.train(), spec.sparsity(), 0);
                // Nothing changes the weights before the final evaluation: it is the "right after" figure too.
                if (plan.fineTuneEpochs() > 0 || snapshot != null) measureJustPruned(data);
                else justPrunedIsFinal = true;
                trainEpochs(data.train(), "fine-tune", plan.fineTuneEpochs());
            } else if (s instanceof Schedule.Iterative it) {
                int per = Math.max(1, (plan.fineTuneEpochs() + it.rounds() - 1) / it.rounds());
                for (int r = 1; r <= it.rounds(); r++) {
                    pruneOnce(data.train(), it.sparsityAfterRound(r, spec.sparsity()), r);
                    if (r == it.rounds()) measureJustPruned(data);
                    trainEpochs(data.train(), "fine-tune round " + r + "/" + it.rounds(), per);
                }
            } else if (s instanceof Schedule.Gradual g) {
                runGradual(data.train(), g);
            }
            if (snapshot != null) {
                rewind(net, snapshot);
                trainEpochs(data.train(), "retrain after rewind", plan.fineTuneEpochs());
            }
        }
        Evaluation ev = NonFinite.require(backend.evaluate(data.test()), "pruned model on " + data.test().name());
        Evaluation prunedTrain = data.train().isRegression()
                ? NonFinite.require(backend.evaluate(data.train()), "pruned model on " + data.train().name()) : null;
        if (justPrunedIsFinal) {
            justPruned = ev;
            justPrunedTrain = prunedTrain;
        }
        backend.syncToHost();
        NonFinite.requireWeights(net, "pruned model");
        long kept = 0;
        for (ModelPruner.Target t : pruner.targets()) kept += t.weight().nonzeroMaskCount();
        Evaluations evals = new Evaluations(denseEval, justPruned, ev, denseTrain, justPrunedTrain, prunedTrain);
        return new Outcome(denseAcc, ev.accuracy(), 1 - kept / (double) pruner.candidateCount(), pruner.names(),
                pruner.densities(), List.copyOf(prunes), (System.nanoTime() - t0) / 1e9, evals);
    }

    /** The model right after the last prune of a one-shot or iterative schedule, before its fine-tuning. */
    private void measureJustPruned(Split data) {
        justPruned = NonFinite.require(backend.evaluate(data.test()), "model right after pruning on "
                + data.test().name());
        if (data.train().isRegression()) {
            justPrunedTrain = NonFinite.require(backend.evaluate(data.train()), "model right after pruning on "
                    + data.train().name());
        }
    }

    /** Optimizer steps of fine-tuning: fineTuneEpochs × batches per epoch (the last batch may be partial). */
    private long fineTuneSteps(Dataset train) {
        return (long) plan.fineTuneEpochs() * ((train.size() + cfg.batchSize() - 1) / cfg.batchSize());
    }

    /** {@code epochs} epochs of one phase, fewer when the config's {@link dev.jprune.train.StopRule} stops it. */
    private void trainEpochs(Dataset train, String phase, int epochs) {
        if (epochs <= 0) return;
        listener.onPhase(phase, epochs);
        dev.jprune.train.StopRule.Tracker stop = cfg.stop().tracker();
        for (int e = 0; e < epochs; e++) {
            EpochStats s = backend.trainEpoch(train, epoch++, listener);
            NonFinite.require(s, phase + " epoch " + epoch);
            if (cfg.stop().active() && e + 1 < epochs && stop.stopAfter(s.trainLoss())) {
                listener.onEarlyStop(e + 1, stop.reason());
                return;
            }
        }
    }

    /** The targets' weight parameters, in target order (what device score accumulation mirrors). */
    private List<Parameter> targetWeights() {
        return pruner.targets().stream().map(ModelPruner.Target::weight).toList();
    }

    /**
     * One prune to {@code sparsity} by {@code acc}'s scores (null: MAGNITUDE), where the backend keeps the model
     * ({@link PruningBackend#prune}: on the device for the GPU, on the host otherwise).
     */
    private ModelPruner.Result prune(double sparsity, ScoreAccumulator acc) {
        return pruning.prune(pruner, sparsity, acc);
    }

    /** Accumulates scores over spec.scoreBatches() batches (when the criterion needs gradients) and prunes. */
    private void pruneOnce(Dataset train, double sparsity, int round) {
        ModelPruner.Result r;
        if (plan.spec().needsGradients()) {
            r = scoreAndPrune(train, sparsity, cfg.seed() + 7919L * (round + 1));
        } else {
            r = prune(sparsity, null);
        }
        prunes.add(r);
        listener.onPrune(-1, plan.spec().thresholdMode() ? Double.NaN : sparsity, r.achievedSparsity(),
                plan.spec().needsGradients() ? plan.spec().scoreBatches() : 0);
    }

    /** Fresh gradient scores over spec.scoreBatches() batches (on the device where the backend can), then a prune. */
    private ModelPruner.Result scoreAndPrune(Dataset train, double sparsity, long seed) {
        ScoreAccumulator a = pruner.newAccumulator();
        boolean onDevice = pruning.accumulateScores(a, targetWeights());
        try {
            backend.gradientsOnBatches(train, plan.spec().scoreBatches(), seed,
                    onDevice ? null : () -> a.accumulate(pruner.weights(), pruner.grads()));
            return prune(sparsity, a);
        } finally {
            if (onDevice) pruning.stopScores();
        }
    }

    private void runGradual(Dataset train, Schedule.Gradual g) {
        PruneSpec spec = plan.spec();
        long start = backend.globalStep();
        ScoreAccumulator acc = spec.needsGradients() ? pruner.newAccumulator() : null;
        // Every step's gradients feed the scores: a GPU backend accumulates them where they are (fused into the
        // optimizer pass) and prunes there too, so a prune event copies only the new masks to the host.
        boolean onDevice = acc != null && pruning.accumulateScores(acc, targetWeights());
        long[] batches = {0};  // batches in the scores (since the last prune, or since the start: scoresSpanPrunes)
        double target = spec.sparsity();
        StepHook hook = new StepHook() {
            @Override public void afterBackward(long step) {
                if (acc == null) return;
                if (!onDevice) acc.accumulate(pruner.weights(), pruner.grads());
                batches[0]++;
            }
            @Override public void afterStep(long step) {
                long t = step - start;
                if (!g.isPruningStep(t)) return;
                double s = g.sparsityAt(t, target);
                ModelPruner.Result r = prune(s, acc);
                prunes.add(r);
                listener.onPrune(t, spec.thresholdMode() ? Double.NaN : s, r.achievedSparsity(), batches[0]);
                if (acc != null && !spec.scoresSpanPrunes()) {
                    acc.reset();
                    if (onDevice) pruning.resetScores();
                    batches[0] = 0;
                }
            }
            // Host accumulation needs every step's gradients; a prune event syncs what it needs itself.
            @Override public boolean needsHost(long step) { return acc != null && !onDevice; }
        };
        backend.addHook(hook);
        try {
            try {
                trainEpochs(train, "gradual prune + fine-tune", plan.fineTuneEpochs());
            } finally {
                backend.removeHook(hook);
            }
            if (backend.globalStep() - start <= g.lastPruningStep()) {
                // The schedule outlasted fine-tuning: finish it so the run always ends at the target.
                ModelPruner.Result r;
                if (acc == null) {
                    r = prune(target, null);
                } else if (batches[0] == 0) {
                    // No step since the last prune fed the (reset) scores: score fresh batches.
                    backend.gradientsOnBatches(train, spec.scoreBatches(), cfg.seed() + 104729L,
                            onDevice ? null : () -> acc.accumulate(pruner.weights(), pruner.grads()));
                    batches[0] = spec.scoreBatches();
                    r = prune(target, acc);
                } else {
                    r = prune(target, acc);
                }
                prunes.add(r);
                listener.onPrune(-1, spec.thresholdMode() ? Double.NaN : target, r.achievedSparsity(), batches[0]);
            }
        } finally {
            if (onDevice) pruning.stopScores();
        }
    }

    /**
     * Lottery-ticket rewinding: surviving weights take their snapshot values; masks stay; optimizer state is cleared.
     */
    private void rewind(Sequential net, float[][] snap) {
        net.setValues(snap);
        for (Parameter p : net.parameters()) p.applyMask();
        backend.weightsReplacedAndResetOptimizer();
    }
}
