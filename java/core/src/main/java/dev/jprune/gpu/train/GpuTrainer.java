package dev.jprune.gpu.train;

import dev.jprune.data.Batcher;
import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuElementwise;
import dev.jprune.gpu.GpuOptimizers;
import dev.jprune.gpu.GpuOptimizers.StepScores;
import dev.jprune.gpu.GpuOptimizers.StepTable;
import dev.jprune.gpu.GpuOptimizers.StepTensor;
import dev.jprune.gpu.GpuReductions;
import dev.jprune.gpu.GpuReductions.NormTable;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
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
 * read once at the end of the epoch, with one wait. Clip-by-norm computes its scale on the device from a gradient
 * table cached per trainer ({@link GpuReductions#clipScaleAsync}) and the optimizer reads it there; a non-finite norm
 * stops the updates and is reported at the end of the epoch. The one exception: hooks that ask for host state
 * ({@link dev.jprune.train.StepHook#needsHost}). Per-step listener calls therefore carry no loss or norm (NaN); the
 * epoch's statistics carry both. Modifies the device parameters; {@link GpuModel#download} brings them to the host.
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
    private StepScores[] stepScores;  // per parameter (model.params order), null entries: none
    private long scoredSteps;                 // optimizer steps that ran with stepScores set
    private final StepTable stepTable; // the optimizer's device table, kept between steps
    private final NormTable normTable; // clip-by-norm's device table and scale (null without clip-by-norm)

    public GpuTrainer(GpuContext ctx, ModelSpec spec, TrainConfig cfg, boolean tf32) {
        if (spec.task() != ModelSpec.Task.CLASSIFICATION) throw new IllegalArgumentException("GPU path: only "
                + "classification models are supported, not " + spec.name());
        this.ctx = ctx;
        this.spec = spec;
        this.cfg = cfg;
        this.model = new GpuModel(ctx, spec.net(), spec.sampleShape(), tf32);
        this.stepTable = model.ops.optimizers().stepTable();
        NormTable nt = null;
        try {
            if (cfg.clipNorm() > 0) nt = model.ops.reductions().normTable();
        } catch (RuntimeException e) {
            stepTable.close();
            model.close();
            throw e;
        }
        this.normTable = nt;
        this.lr = cfg.lr();
    }

    /** Sets the learning rate of the following steps; refuses one that is not positive and finite (as the CPU's). */
    public void setLearningRate(float lr) {
        if (!(lr > 0) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException("GPU trainer: learning rate must be positive and finite, got " + lr);
        }
        this.lr = lr;
    }
    public void addHook(dev.jprune.train.StepHook h) { hooks.add(h); }
    /**
     * Score accumulation fused into every training step's optimizer pass, one entry per parameter (model.params
     * order; null entries accumulate nothing), or null to stop. The statistic reads the gradient as the backward left
     * it, before clipping (StepScores). Not copied.
     */
    void setStepScores(StepScores[] perParam) {
        if (perParam != null && perParam.length != model.params.size()) {
            throw new IllegalArgumentException("GpuTrainer.setStepScores: " + perParam.length + " entries for "
                    + model.params.size() + " parameters");
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
            if (p.s1 != null) model.ops.elementwise().fill(p.s1, p.size(), 0f);
            if (p.s2 != null) model.ops.elementwise().fill(p.s2, p.size(), 0f);
        }
    }

    /**
     * Forward + backward in evaluation mode over {@code batches} batches of the order {@code Batcher.order(0)} for
     * {@code seed}, without updating weights. After each backward, {@code onDevice} (nullable) queues device work on
     * the gradients; then, when {@code perBatch} is non-null, weights and grads are copied to the host model and it
     * runs. Modifies the device grads and (perBatch non-null) the host parameters' values and grads.
     */
    public void gradientsOnBatches(DeviceDataset d, int batches, long seed, Runnable onDevice, Runnable perBatch) {
        Batcher batcher = new Batcher(d.host, cfg.batchSize(), true, false, seed);
        int[] order = batcher.order(0);
        int count = Math.min(batches, batcher.numBatches());
        // The loss is not needed; a bad label is (checked once at the end, unless a per-batch host copy waits anyway).
        try (DeviceBuffer perm = ctx.upload(order); DeviceBuffer losses = ctx.allocDouble(Math.max(1, count));
             DeviceBuffer badRows = ctx.allocInt(Math.max(1, count))) {
            for (int b = 0, from = 0; b < count; b++, from += cfg.batchSize()) {
                int n = Math.min(cfg.batchSize(), d.n - from);
                try (Scratch s = new Scratch(ctx)) {
                    forwardBackward(d, perm, from, n, false, s, losses, null, badRows, b);
                    if (onDevice != null) onDevice.run();
                    if (perBatch != null) {
                        checkLabels(d, order, badRows, b + 1);
                        model.download(true);
                        perBatch.run();
                    }
                }
            }
            if (perBatch == null && count > 0) checkLabels(d, order, badRows, count);
        }
        model.zeroGrad();
        // As CpuBackend.gradientsOnBatches, which ends with net.zeroGrad(): the host grads do not keep the last
        // batch's.
        for (GpuModel.DParam p : model.params) java.util.Arrays.fill(p.host.grad.data, 0f);
    }

    /** Throws for the first bad label of batches [0, batches) of {@code order} (as the synchronous loss would). */
    private void checkLabels(DeviceDataset d, int[] order, DeviceBuffer badRows, int batches) {
        int[] bad = new int[batches];
        ctx.download(badRows.into(bad));
        for (int b = 0; b < batches; b++) if (bad[b] >= 0) throw badLabel(d, order, b * cfg.batchSize() + bad[b]);
    }

    private IllegalArgumentException badLabel(DeviceDataset d, int[] order, int position) {
        int sample = order[position];
        return new IllegalArgumentException("softmaxCrossEntropy: label " + d.host.labels()[sample] + " of sample "
                + sample + " outside [0, " + model.outputSize() + ")");
    }

    public GpuModel model() { return model; }
    public long globalStep() { return globalStep; }

    /** One epoch; returns the same statistics as the CPU trainer (mean loss and accuracy over the epoch's batches). */
    public EpochStats trainEpoch(DeviceDataset d, int epoch, TrainListener listener) {
        spec.requireSampleShape(d.host.sampleShape(), d.host.name());
        Batcher batcher = new Batcher(d.host, cfg.batchSize(), true, false, cfg.seed());
        int[] order = batcher.order(epoch);
        long t0 = System.nanoTime();
        int steps = batcher.numBatches();
        if (normTable != null) normTable.resetFault();
        // Per-step loss, correct count and bad-label row stay on the device until the epoch ends: no step waits.
        try (DeviceBuffer perm = ctx.upload(order); DeviceBuffer losses = ctx.allocDouble(steps);
             DeviceBuffer correct = ctx.allocLong(steps); DeviceBuffer badRows = ctx.allocInt(steps)) {
            for (int step = 0, from = 0; step < steps; step++, from += cfg.batchSize()) {
                int n = Math.min(cfg.batchSize(), d.n - from);
                try (Scratch s = new Scratch(ctx)) {
                    forwardBackward(d, perm, from, n, true, s, losses, correct, badRows, step);
                    if (!hooks.isEmpty()) {
                        if (hostWanted()) model.download(true);
                        for (dev.jprune.train.StepHook h : List.copyOf(hooks)) h.afterBackward(globalStep);
                    }
                    // clip-by-norm: the scale is computed and read on the device (same bits as on the host, no wait)
                    if (normTable != null) {
                        model.ops.reductions().clipScaleAsync(normTable, model.gradients(), cfg.clipNorm(), step);
                    }
                    optimizerStep();
                    if (!hooks.isEmpty()) {
                        if (hostWanted()) model.download(false);
                        for (dev.jprune.train.StepHook h : List.copyOf(hooks)) h.afterStep(globalStep);
                    }
                    globalStep++;
                    listener.onStep(epoch, step, steps, Double.NaN, Double.NaN, Double.NaN);
                }
            }
            double[] l = new double[steps];
            long[] c = new long[steps];
            int[] bad = new int[steps];
            double[] norm = {Double.NaN};
            long[] clipFault = {-1L};
            // The epoch's one wait: every per-step value (and clip-by-norm's last norm and fault) in one download.
            if (normTable != null) {
                ctx.download(losses.into(l), correct.into(c), badRows.into(bad), normTable.normInto(norm),
                        normTable.faultInto(clipFault));
            } else {
                ctx.download(losses.into(l), correct.into(c), badRows.into(bad));
            }
            double lossSum = 0;
            long right = 0;
            for (int step = 0; step < steps; step++) {
                int n = Math.min(cfg.batchSize(), d.n - step * cfg.batchSize());
                if (bad[step] >= 0) throw badLabel(d, order, step * cfg.batchSize() + bad[step]);
                String at = " at epoch " + epoch + " step " + step;
                if (!Double.isFinite(l[step])) {
                    throw new ArithmeticException("training diverged on the GPU: loss " + l[step] + at);
                }
                // As GradClip.normScale on the CPU, which throws before that step's update (the device skipped it and
                // every later one).
                if (clipFault[0] == step) {
                    throw new ArithmeticException("clip-by-norm: gradient norm is " + norm[0] + at);
                }
                lossSum += l[step] * n;
                right += c[step];
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            EpochStats st = new EpochStats(epoch, lossSum / d.n, right / (double) d.n, norm[0], d.n, seconds);
            listener.onEpoch(st);
            return st;
        }
    }

    /**
     * One batch's forward and loss on the device, no wait: rows perm[from, from + n) of {@code d} gathered into
     * x [n, sampleSize] and their labels into y [n], forward ({@code training}: dropout on), softmax cross-entropy
     * into slot {@code slot} of {@code losses}, {@code correct} (may be null) and {@code badRows}. Returns the loss
     * gradient dlogits [n, outputs]; every buffer comes from {@code s}.
     */
    private DeviceBuffer forwardLoss(DeviceDataset d, DeviceBuffer perm, int from, int n, boolean training, Scratch s,
                                     DeviceBuffer losses, DeviceBuffer correct, DeviceBuffer badRows, int slot) {
        DeviceBuffer x = s.floats((long) n * d.sampleSize), y = s.ints(n);
        model.data.gatherRows(d.images, perm, from, x, n, d.sampleSize);
        model.data.gatherInts(d.labels, perm, from, y, n);
        DeviceBuffer logits = model.forward(x, n, training, s);
        int c = model.outputSize();
        DeviceBuffer dlogits = s.floats((long) n * c);
        model.ops.losses().softmaxCrossEntropyAsync(logits, y, n, c, dlogits, losses, correct, badRows, slot);
        return dlogits;
    }

    /** {@link #forwardLoss} then backward into freshly zeroed gradients (zeroGrad is lazy: no launch of its own). */
    private void forwardBackward(DeviceDataset d, DeviceBuffer perm, int from, int n, boolean training, Scratch s,
                                 DeviceBuffer losses, DeviceBuffer correct, DeviceBuffer badRows, int slot) {
        model.zeroGrad();
        model.backward(forwardLoss(d, perm, from, n, training, s, losses, correct, badRows, slot), n, s);
    }

    private void optimizerStep() {
        model.materializeGrads();  // a no-op after a backward (it wrote every gradient)
        if (cfg.optimizer() == OptimizerKind.ADAM) adamStep++;
        if (stepScores != null) scoredSteps++;
        GpuElementwise ew = model.ops.elementwise();
        GpuOptimizers opt = model.ops.optimizers();
        List<StepTensor> ts = new java.util.ArrayList<>(model.params.size());
        for (int i = 0; i < model.params.size(); i++) {
            GpuModel.DParam p = model.params.get(i);
            StepScores acc = stepScores == null ? null : stepScores[i];
            int n = p.size();
            if (cfg.optimizer() == OptimizerKind.SGD) {
                if (cfg.momentum() != 0f && p.s1 == null) { p.s1 = ctx.allocFloat(n); ew.fill(p.s1, n, 0f); }
                ts.add(new StepTensor(p.w, p.g, p.s1, null, p.mask, n, acc));
            } else {
                if (p.s1 == null) {
                    p.s1 = ctx.allocFloat(n); p.s2 = ctx.allocFloat(n);
                    ew.fill(p.s1, n, 0f); ew.fill(p.s2, n, 0f);
                }
                ts.add(new StepTensor(p.w, p.g, p.s1, p.s2, p.mask, n, acc));
            }
        }
        // Every parameter in one launch (the same bits as one sgdStep / adamStep per parameter).
        // With clip-by-norm the kernels read the scale clipScaleAsync left on the device.
        float wd = cfg.weightDecay(), clip = cfg.clipValue();
        if (cfg.optimizer() == OptimizerKind.SGD) {
            float m = cfg.momentum();
            if (normTable != null) opt.sgdSteps(stepTable, ts, lr, m, wd, cfg.nesterov(), normTable, clip);
            else opt.sgdSteps(stepTable, ts, lr, m, wd, cfg.nesterov(), 1f, clip);
        } else {
            if (normTable != null) opt.adamSteps(stepTable, ts, lr, 0.9f, 0.999f, cfg.adamEps(), wd, adamStep,
                    normTable,
                    clip);
            else opt.adamSteps(stepTable, ts, lr, 0.9f, 0.999f, cfg.adamEps(), wd, adamStep, 1f, clip);
        }
    }

    /**
     * Accuracy and mean loss on {@code d} in evaluation mode. Per-batch loss, correct count (argmax == label, ties to
     * the lower index, as Trainer.evaluate) and bad-label row stay on the device; one wait at the end reads them all.
     */
    public Evaluation evaluate(DeviceDataset d, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("GpuTrainer.evaluate: batch size " + batchSize);
        int[] idx = new int[d.n];
        for (int i = 0; i < d.n; i++) idx[i] = i;
        int batches = (d.n + batchSize - 1) / batchSize;
        if (batches == 0) return new Evaluation(0.0 / 0.0, 0.0 / 0.0, 0);
        double[] l = new double[batches];
        long[] right = new long[batches];
        int[] bad = new int[batches];
        try (DeviceBuffer perm = ctx.upload(idx); DeviceBuffer losses = ctx.allocDouble(batches);
             DeviceBuffer correct = ctx.allocLong(batches); DeviceBuffer badRows = ctx.allocInt(batches)) {
            for (int b = 0, from = 0; b < batches; b++, from += batchSize) {
                int n = Math.min(batchSize, d.n - from);
                try (Scratch s = new Scratch(ctx)) {
                    forwardLoss(d, perm, from, n, false, s, losses, correct, badRows, b);  // dlogits: not needed
                }
            }
            ctx.download(losses.into(l), correct.into(right), badRows.into(bad));
        }
        long correctTotal = 0;
        double lossSum = 0;
        for (int b = 0; b < batches; b++) {
            if (bad[b] >= 0) throw badLabel(d, idx, b * batchSize + bad[b]);
            lossSum += l[b] * Math.min(batchSize, d.n - b * batchSize);
            correctTotal += right[b];
        }
        return new Evaluation(correctTotal / (double) d.n, lossSum / d.n, d.n);
    }

    /** The optimizer's device state buffers of parameter i: {momentum} or {m, v} (null before the first step). */
    List<DeviceBuffer> state(int i) {
        GpuModel.DParam p = model.params.get(i);
        return cfg.optimizer() == OptimizerKind.SGD ? java.util.Collections.singletonList(p.s1)
                : java.util.Arrays.asList(p.s1, p.s2);
    }

    @Override
    public void close() {
        stepTable.close();
        if (normTable != null) normTable.close();
        model.close();
    }
}
