package dev.jprune.gpu.train;

import dev.jprune.data.Dataset;
import dev.jprune.gpu.GpuContext;
import dev.jprune.models.ModelSpec;
import dev.jprune.train.Backend;
import dev.jprune.train.EpochStats;
import dev.jprune.train.Evaluation;
import dev.jprune.train.StepHook;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuOptimizers;
import dev.jprune.gpu.prune.GpuPruneOps;
import dev.jprune.gpu.prune.PruneTensor;
import dev.jprune.nn.Parameter;
import dev.jprune.gpu.prune.GpuSelectionEngine;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.PruningBackend;
import dev.jprune.prune.ScoreAccumulator;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training and pruning on the GPU for the pruning pipeline. Data sets are uploaded once (per Dataset object) and stay
 * on the device; the host model is brought up to date only when a hook or the pipeline asks
 * ({@link StepHook#needsHost}, {@link #syncToHost}). Gradient scores accumulate on the device
 * ({@link #accumulateScores}: fused into every training step's optimizer pass, and one GpuPruneOps.Accumulation step
 * per {@link #gradientsOnBatches} batch), and {@link #prune} selects on the device with the fused exact top-k of
 * dev.jprune.gpu.prune, so a prune event moves only the new masks (1 byte per weight) to the host: every granularity
 * and scope, the capped global selection (min/max density) included. {@link #masksChanged} serves the host path (scores
 * accumulated on the host).
 */
public final class GpuBackend implements Backend, PruningBackend {
    private final GpuContext ctx;
    private final GpuTrainer trainer;
    private final GpuPruneOps pruneOps;
    private final Map<Dataset, DeviceDataset> resident = new IdentityHashMap<>();
    // Device score accumulation (null when inactive): acc's mirror, one score buffer per tensor.
    private ScoreAccumulator scoreAcc;
    private final List<DeviceBuffer> scoreBuffers = new ArrayList<>();
    private GpuPruneOps.Accumulation scoreAccumulation;
    // batches since the last sync / reset: scored steps since stepMark + evalBatches
    private long stepMark, evalBatches;

    /**
     * Opens its own context on device 0; closes it on {@link #close}.
     *
     * @throws IllegalArgumentException for a setting the GPU trainer does not implement (gradient masking), before
     *     any device work
     */
    public GpuBackend(ModelSpec spec, TrainConfig cfg) {
        if (cfg.gradMask().active()) {
            throw new IllegalArgumentException("the GPU trainer has no gradient masking (" + cfg.gradMask().describe()
                    + ") yet; train on the CPU");
        }
        GpuContext c = GpuContext.open();
        try {
            this.trainer = new GpuTrainer(c, spec, cfg, false);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        this.ctx = c;
        this.pruneOps = new GpuPruneOps(c);
        // prune writes new masks to fresh buffers (freed on failure): the one-read bracket path may use them.
        pruneOps.setBracketing(true);
    }

    private DeviceDataset onDevice(Dataset d) {
        if (d.isRegression()) {
            throw new IllegalArgumentException("the GPU path trains classification data only; " + d.name()
                    + " is a regression set");
        }
        return resident.computeIfAbsent(d, k -> new DeviceDataset(ctx, k));
    }

    /** The device's name, and "(validate mode)" when every launch is checked (-Djprune.gpu.validate=true). */
    @Override public String describe() { return ctx.deviceName() + (ctx.validate() ? " (validate mode)" : ""); }
    @Override public EpochStats trainEpoch(Dataset train, int epoch, TrainListener l) {
        return trainer.trainEpoch(onDevice(train), epoch, l);
    }
    @Override public Evaluation evaluate(Dataset test) { return trainer.evaluate(onDevice(test), 1000); }
    @Override public void addHook(StepHook h) { trainer.addHook(h); }
    @Override public void removeHook(StepHook h) { trainer.removeHook(h); }
    @Override public long globalStep() { return trainer.globalStep(); }
    @Override public void masksChanged() { trainer.model().uploadMasks(); }
    @Override public void weightsReplacedAndResetOptimizer() {
        trainer.model().upload();
        trainer.resetOptimizer();
        trainer.model().uploadMasks();
    }
    @Override public void syncToHost() { trainer.model().download(false); }
    @Override public void setLearningRate(float lr) { trainer.setLearningRate(lr); }

    @Override
    public void gradientsOnBatches(Dataset train, int batches, long seed, Runnable perBatch) {
        GpuPruneOps.Accumulation a = scoreAccumulation;  // non-null exactly while scoreAcc is
        Runnable dev = scoreAcc == null ? null : () -> {
            a.step();
            evalBatches++;
        };
        trainer.gradientsOnBatches(onDevice(train), batches, seed, dev, perBatch);
    }

    private Map<Parameter, GpuModel.DParam> byHost() {
        Map<Parameter, GpuModel.DParam> m = new IdentityHashMap<>();
        for (GpuModel.DParam p : trainer.model().params) m.put(p.host, p);
        return m;
    }

    @Override
    public boolean accumulateScores(ScoreAccumulator acc, List<Parameter> weights) {
        if (scoreAcc != null) throw new IllegalStateException("GpuBackend: score accumulation is already active");
        // several statistics per tensor: accumulated on the host
        if (acc.criterion() == Criterion.HYBRID) return false;
        float[][] host = acc.buffers();
        if (weights.size() != host.length) {
            throw new IllegalArgumentException("GpuBackend.accumulateScores: " + weights.size() + " parameters for "
                    + host.length + " accumulator tensors");
        }
        Map<Parameter, GpuModel.DParam> byHost = byHost();
        List<PruneTensor> tensors = new ArrayList<>();
        List<GpuModel.DParam> owners = new ArrayList<>();
        try {
            for (int t = 0; t < host.length; t++) {
                GpuModel.DParam d = byHost.get(weights.get(t));
                if (d == null || d.size() != host[t].length) {
                    throw new IllegalArgumentException("GpuBackend.accumulateScores: tensor " + t
                            + " is not a parameter of this model" + " with " + host[t].length + " elements");
                }
                DeviceBuffer s = ctx.upload(host[t]);
                scoreBuffers.add(s);
                tensors.add(PruneTensor.of("tensor " + t, d.w, d.g).withScores(s));
                owners.add(d);
            }
            scoreAccumulation = pruneOps.accumulation(tensors, acc.criterion(), acc.mode(), acc.momentum());
        } catch (RuntimeException e) {
            freeScores();
            throw e;
        }
        // Training steps: fused into the optimizer pass of each tensor's parameter (no extra sweep, no host copy).
        List<GpuModel.DParam> params = trainer.model().params;
        GpuOptimizers.StepScores[] perParam = new GpuOptimizers.StepScores[params.size()];
        for (int t = 0; t < owners.size(); t++) perParam[params.indexOf(owners.get(t))]
                = scoreAccumulation.stepScores(t);
        trainer.setStepScores(perParam);
        scoreAcc = acc;
        markScores();
        return true;
    }

    private void markScores() {
        stepMark = trainer.scoredSteps();
        evalBatches = 0;
    }

    private long pendingBatches() { return trainer.scoredSteps() - stepMark + evalBatches; }

    @Override
    public void syncScores() {
        if (scoreAcc == null) return;
        scoreAccumulation.check();  // a non-finite gradient since the last sync: fail before copying anything
        float[][] host = scoreAcc.buffers();
        for (int t = 0; t < host.length; t++) scoreBuffers.get(t).download(host[t]);
        scoreAcc.addExternalBatches(pendingBatches());
        markScores();
    }

    @Override
    public void resetScores() {
        if (scoreAcc == null) return;
        for (DeviceBuffer b : scoreBuffers) dev.jprune.gpu.GpuInternals.zero(b);
        markScores();
    }

    @Override
    public void stopScores() {
        trainer.setStepScores(null);
        freeScores();
    }

    private void freeScores() {
        if (scoreAccumulation != null) scoreAccumulation.close();
        for (DeviceBuffer b : scoreBuffers) b.close();
        scoreBuffers.clear();
        scoreAccumulation = null;
        scoreAcc = null;
        stepMark = evalBatches = 0;
    }

    /**
     * One prune on the device ({@link PruningBackend#prune}): the selection runs on a {@link GpuSelectionEngine} chosen
     * by {@link ModelPruner#select} (the one dispatch), scored by the live device weights (MAGNITUDE), the device sums
     * (when {@code acc} is the active accumulation) or acc's host buffers uploaded for the step. New masks go to fresh
     * buffers — the current one is maskIn, ranked last and never revived — so a failed step leaves every mask as it was
     * and no kernel reads a mask another thread of it is writing; only the new masks (1 byte per weight) come to the
     * host.
     */
    @Override
    public ModelPruner.Result prune(ModelPruner pruner, double sparsity, ScoreAccumulator acc) {
        PruneSpec spec = pruner.spec();
        if (!(sparsity >= 0 && sparsity <= 1)) throw new IllegalArgumentException("sparsity must be in [0, 1], got "
                + sparsity);
        // Scores formed on the host (RANDOM, HYBRID, a threshold on the mean per batch) are uploaded for the step;
        // the device's own sums are copied into acc first.
        boolean hostFormed = pruner.scoresFormedOnHost();
        if (hostFormed && acc != null && acc == scoreAcc) syncScores();
        boolean deviceScores = !hostFormed && spec.needsGradients() && acc != null && acc == scoreAcc;
        if (spec.needsGradients()) {
            long batches = acc == null ? 0 : acc.batches() + (deviceScores ? pendingBatches() : 0);
            if (batches == 0) {
                throw new IllegalStateException("criterion " + spec.criterion() + " needs accumulated gradient scores; "
                        + "none were accumulated");
            }
            if (deviceScores) scoreAccumulation.check();
        }
        Criterion crit = spec.criterion() == Criterion.MAGNITUDE ? Criterion.MAGNITUDE : Criterion.USER;
        float[][] hostScores = null;
        if (crit == Criterion.USER && !deviceScores) {
            if (spec.criterion() == Criterion.HYBRID) syncToHost();  // its magnitude terms read the live weights
            hostScores = materialize(pruner.scores(acc));
        }
        List<ModelPruner.Target> targets = pruner.targets();
        int nt = targets.size();
        Map<Parameter, GpuModel.DParam> byHost = byHost();
        GpuModel.DParam[] ds = new GpuModel.DParam[nt];
        for (int t = 0; t < nt; t++) {
            ds[t] = byHost.get(targets.get(t).weight());
            if (ds[t] == null) throw new IllegalArgumentException("GpuBackend.prune: " + targets.get(t).name()
                    + " is not a parameter of this model");
        }
        List<DeviceBuffer> fresh = new ArrayList<>(nt), uploaded = new ArrayList<>();
        try {
            List<PruneTensor> ts = new ArrayList<>(nt);
            for (int t = 0; t < nt; t++) {
                GpuModel.DParam d = ds[t];
                DeviceBuffer out = ctx.allocBytes(d.size());
                fresh.add(out);
                DeviceBuffer scores = null;
                if (crit == Criterion.USER) {
                    if (deviceScores) {
                        scores = scoreBuffers.get(t);
                    } else {
                        scores = ctx.upload(hostScores[t]);
                        uploaded.add(scores);
                    }
                }
                ts.add(PruneTensor.of(targets.get(t).name(), d.w, null).withScores(scores)
                        .withPriorMask(d.mask, out).withOptimizerState(d.s1, d.s2, null));
            }
            ModelPruner.Selected sel = pruner.select(new GpuSelectionEngine(pruneOps, ts, crit), sparsity);
            // Commit: the fresh masks replace the old ones, on the device and on the host.
            byte[][] hostMasks = new byte[nt][];
            for (int t = 0; t < nt; t++) {
                GpuModel.DParam d = ds[t];
                if (d.mask != null) d.mask.close();
                d.mask = fresh.get(t);
                byte[] m = hostMasks[t] = new byte[d.size()];
                if (m.length > 0) d.mask.download(m);
                d.host.mask = m;
                d.host.applyMask();
            }
            fresh.clear();
            int[][] keptRows = sel.keptRows();
            if (keptRows != null) {
                keptRows = ModelPruner.liveRows(targets, hostMasks, keptRows);
                maskBiases(targets, keptRows, byHost);
            }
            return new ModelPruner.Result(sparsity, sel.keptPerTarget(), pruner.candidateCount(), keptRows);
        } finally {
            for (DeviceBuffer b : fresh) b.close();
            for (DeviceBuffer b : uploaded) b.close();
        }
    }

    /** The scores of {@code src} as arrays, one per tensor (to upload). */
    private static float[][] materialize(dev.jprune.prune.ScoreSource src) {
        float[][] out = new float[src.tensorCount()][];
        for (int t = 0; t < out.length; t++) {
            out[t] = new float[src.size(t)];
            if (out[t].length > 0) src.scores(t, 0, out[t].length, out[t]);
        }
        return out;
    }

    /** Structured: a pruned row's bias entry is pruned too (ModelPruner.prune), with its optimizer state. */
    private void maskBiases(List<ModelPruner.Target> targets, int[][] keptRows,
                            Map<Parameter, GpuModel.DParam> byHost) {
        ModelPruner.maskBiases(targets, keptRows);  // the host biases' masks
        for (ModelPruner.Target tg : targets) {
            if (tg.bias() == null) continue;
            GpuModel.DParam b = byHost.get(tg.bias());
            if (b.mask == null) b.mask = ctx.allocBytes(b.size());
            b.mask.upload(tg.bias().mask);
            pruneOps.applyMask(PruneTensor.of(tg.name() + " bias", b.w, null).withOptimizerState(b.s1, b.s2, null),
                    b.mask, true, true);
        }
    }

    @Override
    public void close() {
        stopScores();
        for (DeviceDataset d : resident.values()) d.close();
        resident.clear();
        trainer.close();
        ctx.close();
    }
}
