package dev.jprune.train;

import dev.jprune.data.Batcher;
import dev.jprune.data.Dataset;
import dev.jprune.data.RegressionData;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.nn.loss.MeanSquaredError;
import dev.jprune.nn.loss.SoftmaxCrossEntropy;
import dev.jprune.optim.Adam;
import dev.jprune.optim.GradClip;
import dev.jprune.optim.Optimizer;
import dev.jprune.optim.Sgd;
import dev.jprune.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU training loop: shuffled mini-batches, forward, fused loss + gradient, backward, clipping fused into the
 * optimizer step, masks enforced by the optimizer. Deterministic: the same seed gives the same result bit for bit.
 * Modifies the model's parameters (and their grads).
 */
public final class Trainer {
    private final ModelSpec spec;
    private final Sequential net;
    private final TrainConfig cfg;
    private final Optimizer optimizer;
    private final List<StepHook> hooks = new ArrayList<>();
    private long globalStep;

    /** A training loop for {@code spec}'s network with {@code cfg} (the optimizer is created here). */
    public Trainer(ModelSpec spec, TrainConfig cfg) {
        this.spec = spec;
        this.net = spec.net();
        this.cfg = cfg;
        this.optimizer = createOptimizer(net.parameters(), cfg);
    }

    /** The optimizer {@code cfg} names (SGD or Adam with its settings) over {@code params}. */
    public static Optimizer createOptimizer(List<Parameter> params, TrainConfig cfg) {
        return cfg.optimizer() == OptimizerKind.SGD
                ? new Sgd(params, cfg.lr(), cfg.momentum(), cfg.weightDecay(), cfg.nesterov())
                : new Adam(params, cfg.lr(), 0.9f, 0.999f, cfg.adamEps(), cfg.weightDecay());
    }

    /** The optimizer. */
    public Optimizer optimizer() { return optimizer; }
    /** The configuration. */
    public TrainConfig config() { return cfg; }
    /** Optimizer steps taken so far over all epochs. */
    public long globalStep() { return globalStep; }
    /** Adds a hook called after every backward pass and optimizer step. */
    public void addHook(StepHook h) { hooks.add(h); }
    /** Removes a hook added with {@link #addHook}. */
    public void removeHook(StepHook h) { hooks.remove(h); }

    /**
     * Trains {@code cfg.epochs()} epochs on {@code train} ({@link #trainEpoch(Dataset, int, TrainListener)}),
     * numbering epochs from {@code firstEpoch}; {@code listener} may be null (no callbacks).
     */
    public List<EpochStats> fit(Dataset train, int firstEpoch, TrainListener listener) {
        List<EpochStats> out = new ArrayList<>();
        for (int e = 0; e < cfg.epochs(); e++) out.add(trainEpoch(train, firstEpoch + e, listener));
        return out;
    }

    /**
     * One epoch over {@code train}; the batch order is a function of (seed, epoch). Class labels train with softmax
     * cross-entropy (the stats carry the epoch's accuracy), real targets ({@link Dataset#regression}) with mean squared
     * error (accuracy NaN). {@code listener} may be null (no callbacks). An empty set trains nothing and returns
     * samples 0 with a NaN loss, which {@link NonFinite#require(EpochStats, String)} refuses.
     *
     * @throws IllegalArgumentException when the data does not fit the model ({@link ModelSpec#requireData})
     * @throws ArithmeticException when a batch's loss is not finite
     */
    public EpochStats trainEpoch(Dataset train, int epoch, TrainListener listener) {
        if (listener == null) listener = TrainListener.NONE;
        if (train == null) throw new IllegalArgumentException("Trainer.trainEpoch: null data set");
        spec.requireData(train);
        boolean regression = train.isRegression();
        Batcher batcher = new Batcher(train, cfg.batchSize(), true, false, cfg.seed());
        long t0 = System.nanoTime();
        double lossSum = 0, norm = 0;
        long correct = 0, seen = 0;
        int step = 0, steps = batcher.numBatches();
        for (Batcher.Batch b : batcher.epoch(epoch)) {
            net.zeroGrad();
            Tensor out = net.forward(b.x(), true);
            Tensor dout = Tensor.zeros(out.shape());
            double loss = lossAndGrad(out, b, dout);
            if (!Double.isFinite(loss)) throw new ArithmeticException("training diverged: loss " + loss + " at epoch "
                    + epoch + " step " + step + " (try a smaller learning rate or clipping)");
            if (!regression) correct += countCorrect(out, b.labels());
            seen += b.size();
            lossSum += loss * b.size();
            net.backward(dout, false);
            norm = optimizerStep();
            listener.onStep(epoch, step++, steps, loss, norm, regression ? Double.NaN : correct / (double) seen);
        }
        EpochStats s = new EpochStats(epoch, lossSum / seen, regression ? Double.NaN : correct / (double) seen, norm,
                seen,
                (System.nanoTime() - t0) / 1e9);
        listener.onEpoch(s);
        return s;
    }

    /**
     * The batch's loss — softmax cross-entropy of {@code out} (logits) against its labels, or the mean squared error
     * against its targets — with dL/d(out) written into {@code dout}.
     */
    public static double lossAndGrad(Tensor out, Batcher.Batch b, Tensor dout) {
        return b.labels() != null ? SoftmaxCrossEntropy.lossAndGrad(out, b.labels(), dout)
                : MeanSquaredError.lossAndGrad(out, b.targets(), dout);
    }

    /** One epoch of MSE regression; returns mean training loss. {@code listener} may be null (no callbacks). */
    public EpochStats trainEpoch(RegressionData train, int epoch, TrainListener listener) {
        if (listener == null) listener = TrainListener.NONE;
        if (train == null) throw new IllegalArgumentException("Trainer.trainEpoch: null data set");
        spec.requireSampleShape(new int[] {train.features()}, train.name());
        Batcher batcher = new Batcher(train, cfg.batchSize(), true, false, cfg.seed());
        long t0 = System.nanoTime();
        double lossSum = 0, norm = 0;
        long seen = 0;
        int step = 0, steps = batcher.numBatches();
        for (Batcher.Batch b : batcher.epoch(epoch)) {
            net.zeroGrad();
            Tensor pred = net.forward(b.x(), true);
            Tensor dpred = Tensor.zeros(pred.shape());
            double loss = MeanSquaredError.lossAndGrad(pred, b.targets(), dpred);
            if (!Double.isFinite(loss)) throw new ArithmeticException("training diverged: loss " + loss + " at epoch "
                    + epoch + " step " + step);
            lossSum += loss * b.size();
            seen += b.size();
            net.backward(dpred, false);
            norm = optimizerStep();
            listener.onStep(epoch, step++, steps, loss, norm, Double.NaN);
        }
        EpochStats s = new EpochStats(epoch, lossSum / seen, Double.NaN, norm, seen, (System.nanoTime() - t0) / 1e9);
        listener.onEpoch(s);
        return s;
    }

    /**
     * Hooks (they read the raw gradients), the gradient mask rule, global norm (always computed: it is reported), the
     * fused clip + update, hooks. Returns the pre-clip norm (after masking).
     */
    private double optimizerStep() {
        for (StepHook h : hooks) h.afterBackward(globalStep);
        cfg.gradMask().apply(net.parameters());
        double norm = GradClip.globalNorm(net.parameters());
        float scale = cfg.clipNorm() > 0 ? GradClip.normScale(norm, cfg.clipNorm()) : 1f;
        optimizer.step(scale, cfg.clipValue());
        for (StepHook h : hooks) h.afterStep(globalStep);
        globalStep++;
        return norm;
    }

    static long countCorrect(Tensor logits, int[] labels) {
        int n = logits.dim(0), c = logits.dim(1);
        long correct = 0;
        for (int r = 0; r < n; r++) {
            int best = 0;
            for (int j = 1; j < c; j++) if (logits.data[r * c + j] > logits.data[r * c + best]) best = j;
            if (best == labels[r]) correct++;
        }
        return correct;
    }

    /**
     * Accuracy and mean loss (cross-entropy) of {@code net} on {@code test} in evaluation mode; for a regression set
     * accuracy NaN and the loss is the mean squared error over all targets. Does not modify parameters. An empty set
     * gives samples 0 and NaN figures, which {@link NonFinite#require(Evaluation, String)} refuses.
     */
    public static Evaluation evaluate(Sequential net, Dataset test, int batchSize) {
        Batcher batcher = new Batcher(test, batchSize, false, false, 0);
        long correct = 0;
        double lossSum = 0;
        for (Batcher.Batch b : batcher.epoch(0)) {
            Tensor out = net.forward(b.x(), false);
            if (b.labels() == null) {
                lossSum += MeanSquaredError.lossAndGrad(out, b.targets(), Tensor.zeros(out.shape())) * b.size();
                continue;
            }
            lossSum += SoftmaxCrossEntropy.loss(out, b.labels()) * b.size();
            correct += countCorrect(out, b.labels());
        }
        double acc = test.isRegression() ? Double.NaN : correct / (double) test.size();
        return new Evaluation(acc, lossSum / test.size(), test.size());
    }
}
