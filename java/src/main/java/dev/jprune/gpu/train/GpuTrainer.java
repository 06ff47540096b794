package dev.jprune.gpu.train;

import dev.jprune.data.Batcher;
import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
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
 * <p>Host synchronisation per step: the loss value is read back (one 8-byte copy), and the global norm when
 * clip-by-norm is on (its scale is a kernel argument). Everything else is queued on the context's stream.
 * Modifies the device parameters; {@link GpuModel#download} brings them to the host model.
 */
public final class GpuTrainer implements AutoCloseable {
    private final GpuContext ctx;
    private final ModelSpec spec;
    private final TrainConfig cfg;
    private final GpuModel model;
    private int adamStep;
    private long globalStep;

    public GpuTrainer(GpuContext ctx, ModelSpec spec, TrainConfig cfg, boolean tf32) {
        if (spec.task() != ModelSpec.Task.CLASSIFICATION) throw new IllegalArgumentException("GPU path: only classification models are supported, not " + spec.name());
        this.ctx = ctx;
        this.spec = spec;
        this.cfg = cfg;
        this.model = new GpuModel(ctx, spec.net(), tf32);
    }

    public GpuModel model() { return model; }
    public long globalStep() { return globalStep; }

    /** One epoch; returns the same statistics as the CPU trainer (loss mean over samples, training accuracy NaN). */
    public EpochStats trainEpoch(DeviceDataset d, int epoch, TrainListener listener) {
        spec.requireSampleShape(d.host.sampleShape(), d.host.name());
        Batcher batcher = new Batcher(d.host, cfg.batchSize(), true, false, cfg.seed());
        int[] order = batcher.order(epoch);
        long t0 = System.nanoTime();
        double lossSum = 0, norm = Double.NaN;
        int steps = batcher.numBatches();
        try (DeviceBuffer perm = ctx.upload(order)) {
            for (int step = 0, from = 0; step < steps; step++, from += cfg.batchSize()) {
                int n = Math.min(cfg.batchSize(), d.n - from);
                try (Scratch s = new Scratch(ctx)) {
                    DeviceBuffer x = s.floats((long) n * d.sampleSize), y = s.ints(n);
                    model.data.gatherRows(d.images, perm, from, x, n, d.sampleSize);
                    model.data.gatherInts(d.labels, perm, from, y, n);
                    model.zeroGrad();
                    DeviceBuffer logits = model.forward(x, n, true, s);
                    DeviceBuffer dlogits = s.floats((long) n * model.outputSize());
                    double loss = model.ops.softmaxCrossEntropy(logits, y, n, model.outputSize(), dlogits);
                    if (!Double.isFinite(loss)) throw new ArithmeticException("training diverged on the GPU: loss " + loss + " at epoch " + epoch + " step " + step);
                    lossSum += loss * n;
                    model.backward(dlogits, n, s);
                    float scale = 1f;
                    if (cfg.clipNorm() > 0) {
                        norm = Math.sqrt(model.ops.sumSquares(model.gradients(), null));
                        scale = GradClip.normScale(norm, cfg.clipNorm());
                    }
                    optimizerStep(scale);
                    globalStep++;
                    listener.onStep(epoch, step, steps, loss, norm);
                }
            }
        }
        ctx.synchronize();
        EpochStats st = new EpochStats(epoch, lossSum / d.n, Double.NaN, norm, d.n, (System.nanoTime() - t0) / 1e9);
        listener.onEpoch(st);
        return st;
    }

    private void optimizerStep(float scale) {
        if (cfg.optimizer() == OptimizerKind.ADAM) adamStep++;
        for (GpuModel.DParam p : model.params) {
            int n = p.size();
            if (cfg.optimizer() == OptimizerKind.SGD) {
                if (cfg.momentum() != 0f && p.s1 == null) { p.s1 = ctx.allocFloat(n); model.ops.fill(p.s1, n, 0f); }
                model.ops.sgdStep(p.w, p.g, p.s1, p.mask, n, cfg.lr(), cfg.momentum(), cfg.weightDecay(), cfg.nesterov(), scale, cfg.clipValue());
            } else {
                if (p.s1 == null) {
                    p.s1 = ctx.allocFloat(n); p.s2 = ctx.allocFloat(n);
                    model.ops.fill(p.s1, n, 0f); model.ops.fill(p.s2, n, 0f);
                }
                model.ops.adamStep(p.w, p.g, p.s1, p.s2, p.mask, n, cfg.lr(), 0.9f, 0.999f, 1e-8f, cfg.weightDecay(), adamStep, scale, cfg.clipValue());
            }
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
                    model.data.gatherRows(d.images, perm, from, x, n, d.sampleSize);
                    model.data.gatherInts(d.labels, perm, from, y, n);
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
    public void close() { model.close(); }
}
