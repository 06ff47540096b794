package dev.jprune.gpu.train;

import dev.jprune.data.Batcher;
import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuOps;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.optim.GradClip;
import dev.jprune.train.EpochStats;
import dev.jprune.train.Evaluation;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import java.util.List;

/**
 * The training loop on the GPU, the twin of {@link dev.jprune.train.Trainer}: the same batch order
 * ({@link Batcher#order}), the same loss, clipping and optimizer semantics, with the data set, parameters,
 * gradients, masks and optimizer state on the device. Per step: gather the batch on the device, forward, fused
 * softmax cross-entropy, backward, (global norm when clipping by norm), fused optimizer step.
 * <p>No host synchronisation inside a step: per-step loss, correct count and bad-label row go to device buffers
 * read once at the end of the epoch. Exceptions: the global norm when clip-by-norm is on (its scale is a kernel
 * argument), and hooks that ask for host state ({@link dev.jprune.train.StepHook#needsHost}).
 * Modifies the device parameters; {@link GpuModel#download} brings them to the host model.
 */
public final class GpuTrainer implements AutoCloseable {
    private final GpuContext ctx;
    private final ModelSpec spec;
    private final TrainConfig cfg;
    private final GpuModel model;
    private int adamStep;
    private long globalStep;
    private float lr;
    private final List<dev.jprune.train.StepHook> hooks = new java.util.ArrayList<>();
    private GpuOps.StepScores[] stepScores;  // per parameter (model.params order), null entries: none
    private long scoredSteps;                 // optimizer steps that ran with stepScores set
    private final GpuOps.StepTable stepTable; // the optimizer's device table, kept between steps

    public GpuTrainer(GpuContext ctx, ModelSpec spec, TrainConfig cfg, boolean tf32) {
        if (spec.task() != ModelSpec.Task.CLASSIFICATION) throw new IllegalArgumentException("GPU path: only classification models are supported, not " + spec.name());
        this.ctx = ctx;
        this.spec = spec;
        this.cfg = cfg;
        this.model = new GpuModel(ctx, spec.net(), spec.sampleShape(), tf32);
        this.stepTable = model.ops.stepTable();
        this.lr = cfg.lr();
    }

    public void setLearningRate(float lr) { this.lr = lr; }
    public void addHook(dev.jprune.train.StepHook h) { hooks.add(h); }
    /**
     * Score accumulation fused into every training step's optimizer pass, one entry per parameter (model.params
     * order; null entries accumulate nothing), or null to stop. The statistic reads the gradient as the backward left
     * it, before clipping (GpuOps.StepScores). Not copied.
     */
    void setStepScores(GpuOps.StepScores[] perParam) {
        if (perParam != null && perParam.length != model.params.size()) {
            throw new IllegalArgumentException("GpuTrainer.setStepScores: " + perParam.length + " entries for " + model.params.size() + " parameters");
        }
        stepScores = perParam;
    }

    /** Number of optimizer steps so far that accumulated scores ({@link #setStepScores}). */
    long scoredSteps() { return scoredSteps; }
    public void removeHook(dev.jprune.train.StepHook h) { hooks.remove(h); }

    private boolean hostWanted() {
        for (dev.jprune.train.StepHook h : hooks) if (h.needsHost(globalStep)) return true;
        return false;
    }

    /** Zeroes the optimizer state (moments and step count), e.g. after rewinding. */
    public void resetOptimizer() {
        adamStep = 0;
        for (GpuModel.DParam p : model.params) {
            if (p.s1 != null) model.ops.fill(p.s1, p.size(), 0f);
            if (p.s2 != null) model.ops.fill(p.s2, p.size(), 0f);
        }
    }

    /**
     * Forward + backward in evaluation mode over {@code batches} batches of the order {@code Batcher.order(0)} for
     * {@code seed}, without updating weights. After each backward, {@code onDevice} (nullable) queues device work on the
     * gradients; then, when {@code perBatch} is non-null, weights and grads are copied to the host model and it runs.
     * Modifies the device grads and (perBatch non-null) the host parameters' values and grads.
     */
    public void gradientsOnBatches(DeviceDataset d, int batches, long seed, Runnable onDevice, Runnable perBatch) {
        Batcher batcher = new Batcher(d.host, cfg.batchSize(), true, false, seed);
        int[] order = batcher.order(0);
        int c = model.outputSize();
        try (DeviceBuffer perm = ctx.upload(order)) {
            for (int b = 0, from = 0; b < Math.min(batches, batcher.numBatches()); b++, from += cfg.batchSize()) {
                int n = Math.min(cfg.batchSize(), d.n - from);
                try (Scratch s = new Scratch(ctx)) {
                    DeviceBuffer x = s.floats((long) n * d.sampleSize), y = s.ints(n);
                    gather(d, perm, from, n, x, y);
                    model.zeroGrad();
                    DeviceBuffer logits = model.forward(x, n, false, s);
                    DeviceBuffer dlogits = s.floats((long) n * c);
                    model.ops.softmaxCrossEntropy(logits, y, n, c, dlogits);
                    model.backward(dlogits, n, s);
                    if (onDevice != null) onDevice.run();
                    if (perBatch != null) {
                        model.download(true);
                        perBatch.run();
                    }
                }
            }
        }
        model.zeroGrad();
        // As CpuBackend.gradientsOnBatches, which ends with net.zeroGrad(): the host grads do not keep the last batch's.
        for (GpuModel.DParam p : model.params) java.util.Arrays.fill(p.host.grad.data, 0f);
    }

    public GpuModel model() { return model; }
    public long globalStep() { return globalStep; }

    /** One epoch; returns the same statistics as the CPU trainer (mean loss and accuracy over the epoch's batches). */
    public EpochStats trainEpoch(DeviceDataset d, int epoch, TrainListener listener) {
        spec.requireSampleShape(d.host.sampleShape(), d.host.name());
        Batcher batcher = new Batcher(d.host, cfg.batchSize(), true, false, cfg.seed());
        int[] order = batcher.order(epoch);
        long t0 = System.nanoTime();
        double norm = Double.NaN;
        int steps = batcher.numBatches();
        // Per-step loss, correct count and bad-label row stay on the device until the epoch ends: no step waits.
        try (DeviceBuffer perm = ctx.upload(order); DeviceBuffer losses = ctx.allocDouble(steps);
             DeviceBuffer correct = ctx.allocLong(steps); DeviceBuffer badRows = ctx.allocInt(steps)) {
            for (int step = 0, from = 0; step < steps; step++, from += cfg.batchSize()) {
                int n = Math.min(cfg.batchSize(), d.n - from);
                try (Scratch s = new Scratch(ctx)) {
                    DeviceBuffer x = s.floats((long) n * d.sampleSize), y = s.ints(n);
                    gather(d, perm, from, n, x, y);
                    model.zeroGrad();
                    DeviceBuffer logits = model.forward(x, n, true, s);
                    DeviceBuffer dlogits = s.floats((long) n * model.outputSize());
                    model.ops.softmaxCrossEntropyAsync(logits, y, n, model.outputSize(), dlogits, losses, correct, badRows, step);
                    model.backward(dlogits, n, s);
                    if (!hooks.isEmpty()) {
                        if (hostWanted()) model.download(true);
                        for (dev.jprune.train.StepHook h : List.copyOf(hooks)) h.afterBackward(globalStep);
                    }
                    float scale = 1f;
                    if (cfg.clipNorm() > 0) {
                        norm = Math.sqrt(model.ops.sumSquares(model.gradients(), null));
                        scale = GradClip.normScale(norm, cfg.clipNorm());
                    }
                    optimizerStep(scale);
                    if (!hooks.isEmpty()) {
                        if (hostWanted()) model.download(false);
                        for (dev.jprune.train.StepHook h : List.copyOf(hooks)) h.afterStep(globalStep);
                    }
                    globalStep++;
                    listener.onStep(epoch, step, steps, Double.NaN, norm, Double.NaN);
                }
            }
            double[] l = new double[steps];
            long[] c = new long[steps];
            int[] bad = new int[steps];
            losses.download(l);
            correct.download(c);
            badRows.download(bad);
            double lossSum = 0;
            long right = 0;
            for (int step = 0; step < steps; step++) {
                int n = Math.min(cfg.batchSize(), d.n - step * cfg.batchSize());
                if (bad[step] >= 0) {
                    throw new IllegalArgumentException("softmaxCrossEntropy: label " + d.host.labels()[order[step * cfg.batchSize() + bad[step]]]
                            + " of sample " + order[step * cfg.batchSize() + bad[step]] + " outside [0, " + model.outputSize() + ")");
                }
                if (!Double.isFinite(l[step])) throw new ArithmeticException("training diverged on the GPU: loss " + l[step] + " at epoch " + epoch + " step " + step);
                lossSum += l[step] * n;
                right += c[step];
            }
            EpochStats st = new EpochStats(epoch, lossSum / d.n, right / (double) d.n, norm, d.n, (System.nanoTime() - t0) / 1e9);
            listener.onEpoch(st);
            return st;
        }
    }

    /** Batch rows perm[from, from + n) of {@code d} into x [n, sampleSize] and their labels into y [n]. */
    private void gather(DeviceDataset d, DeviceBuffer perm, int from, int n, DeviceBuffer x, DeviceBuffer y) {
        model.data.gatherRows(d.images, perm, from, x, n, d.sampleSize);
        model.data.gatherInts(d.labels, perm, from, y, n);
    }

    private void optimizerStep(float scale) {
        model.materializeGrads();  // a no-op after a backward (it wrote every gradient)
        if (cfg.optimizer() == OptimizerKind.ADAM) adamStep++;
        if (stepScores != null) scoredSteps++;
        List<GpuOps.StepTensor> ts = new java.util.ArrayList<>(model.params.size());
        for (int i = 0; i < model.params.size(); i++) {
            GpuModel.DParam p = model.params.get(i);
            GpuOps.StepScores acc = stepScores == null ? null : stepScores[i];
            int n = p.size();
            if (cfg.optimizer() == OptimizerKind.SGD) {
                if (cfg.momentum() != 0f && p.s1 == null) { p.s1 = ctx.allocFloat(n); model.ops.fill(p.s1, n, 0f); }
                ts.add(new GpuOps.StepTensor(p.w, p.g, p.s1, null, p.mask, n, acc));
            } else {
                if (p.s1 == null) {
                    p.s1 = ctx.allocFloat(n); p.s2 = ctx.allocFloat(n);
                    model.ops.fill(p.s1, n, 0f); model.ops.fill(p.s2, n, 0f);
                }
                ts.add(new GpuOps.StepTensor(p.w, p.g, p.s1, p.s2, p.mask, n, acc));
            }
        }
        // Every parameter in one launch (the same bits as one sgdStep / adamStep per parameter).
        if (cfg.optimizer() == OptimizerKind.SGD) {
            model.ops.sgdSteps(stepTable, ts, lr, cfg.momentum(), cfg.weightDecay(), cfg.nesterov(), scale, cfg.clipValue());
        } else {
            model.ops.adamSteps(stepTable, ts, lr, 0.9f, 0.999f, 1e-8f, cfg.weightDecay(), adamStep, scale, cfg.clipValue());
        }
    }

    /** Accuracy and mean loss on {@code d} in evaluation mode (reads logits back per batch). */
    public Evaluation evaluate(DeviceDataset d, int batchSize) {
        int[] idx = new int[d.n];
        for (int i = 0; i < d.n; i++) idx[i] = i;
        long correct = 0;
        double lossSum = 0;
        int c = model.outputSize();
        try (DeviceBuffer perm = ctx.upload(idx)) {
            for (int from = 0; from < d.n; from += batchSize) {
                int n = Math.min(batchSize, d.n - from);
                try (Scratch s = new Scratch(ctx)) {
                    DeviceBuffer x = s.floats((long) n * d.sampleSize), y = s.ints(n);
                    gather(d, perm, from, n, x, y);
                    DeviceBuffer logits = model.forward(x, n, false, s);
                    lossSum += model.ops.softmaxCrossEntropy(logits, y, n, c, s.floats((long) n * c)) * n;
                    float[] host = new float[n * c];
                    logits.download(host, 0, 0, n * c);
                    for (int r = 0; r < n; r++) {
                        int best = 0;
                        for (int j = 1; j < c; j++) if (host[r * c + j] > host[r * c + best]) best = j;
                        if (best == d.host.labels()[from + r]) correct++;
                    }
                }
            }
        }
        return new Evaluation(correct / (double) d.n, lossSum / d.n, d.n);
    }

    /** The optimizer's device state buffers of parameter i: {momentum} or {m, v} (null before the first step). */
    List<DeviceBuffer> state(int i) {
        GpuModel.DParam p = model.params.get(i);
        return cfg.optimizer() == OptimizerKind.SGD ? java.util.Collections.singletonList(p.s1) : java.util.Arrays.asList(p.s1, p.s2);
    }

    @Override
    public void close() {
        stepTable.close();
        model.close();
    }
}
