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
import dev.jprune.gpu.prune.GpuPruneOps;
import dev.jprune.gpu.prune.PruneTensor;
import dev.jprune.nn.Parameter;
import dev.jprune.prune.ScoreAccumulator;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training on the GPU for the pruning pipeline. Data sets are uploaded once (per Dataset object) and stay on the
 * device; the host model is brought up to date only when a hook or the pipeline asks ({@link StepHook#needsHost},
 * {@link #syncToHost}), and host mask changes go to the device with {@link #masksChanged}. Gradient scores of a
 * gradual schedule accumulate on the device ({@link #accumulateScoresOnDevice}: GpuPruneOps.accumulate after every
 * backward, copied to the host only at prune events). Selection itself runs on the host (the CPU reference's exact
 * algorithm), so masks follow the CPU specification; the fused device selection (dev.jprune.gpu.prune) is next.
 */
public final class GpuBackend implements Backend {
    private final GpuContext ctx;
    private final GpuTrainer trainer;
    private final Map<Dataset, DeviceDataset> resident = new IdentityHashMap<>();
    // Device score accumulation (null when inactive): acc's mirror, one score buffer per tensor.
    private ScoreAccumulator scoreAcc;
    private final List<DeviceBuffer> scoreBuffers = new ArrayList<>();
    private GpuPruneOps.Accumulation scoreAccumulation;
    private Runnable scoreHook;
    private long scoreBatches;

    /** Opens its own context on device 0; closes it on {@link #close}. */
    public GpuBackend(ModelSpec spec, TrainConfig cfg) {
        GpuContext c = GpuContext.open();
        try {
            this.trainer = new GpuTrainer(c, spec, cfg, false);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        this.ctx = c;
    }

    private DeviceDataset onDevice(Dataset d) {
        return resident.computeIfAbsent(d, k -> new DeviceDataset(ctx, k));
    }

    @Override public String describe() { return ctx.deviceName(); }
    @Override public EpochStats trainEpoch(Dataset train, int epoch, TrainListener l) { return trainer.trainEpoch(onDevice(train), epoch, l); }
    @Override public Evaluation evaluate(Dataset test) { return trainer.evaluate(onDevice(test), 1000); }
    @Override public void gradientsOnBatches(Dataset train, int batches, long seed, Runnable perBatch) { trainer.gradientsOnBatches(onDevice(train), batches, seed, perBatch); }
    @Override public void addHook(StepHook h) { trainer.addHook(h); }
    @Override public void removeHook(StepHook h) { trainer.removeHook(h); }
    @Override public long globalStep() { return trainer.globalStep(); }
    @Override public void masksChanged() { trainer.model().uploadMasks(); }
    @Override public void weightsReplacedAndResetOptimizer() { trainer.model().upload(); trainer.resetOptimizer(); trainer.model().uploadMasks(); }
    @Override public void syncToHost() { trainer.model().download(false); }
    @Override public void setLearningRate(float lr) { trainer.setLearningRate(lr); }

    @Override
    public boolean accumulateScoresOnDevice(ScoreAccumulator acc, List<Parameter> weights) {
        if (scoreAcc != null) throw new IllegalStateException("GpuBackend: score accumulation is already active");
        float[][] host = acc.buffers();
        if (weights.size() != host.length) {
            throw new IllegalArgumentException("GpuBackend.accumulateScoresOnDevice: " + weights.size() + " parameters for "
                    + host.length + " accumulator tensors");
        }
        Map<Parameter, GpuModel.DParam> byHost = new IdentityHashMap<>();
        for (GpuModel.DParam p : trainer.model().params) byHost.put(p.host, p);
        List<PruneTensor> tensors = new ArrayList<>();
        try {
            for (int t = 0; t < host.length; t++) {
                GpuModel.DParam d = byHost.get(weights.get(t));
                if (d == null || d.size() != host[t].length) {
                    throw new IllegalArgumentException("GpuBackend.accumulateScoresOnDevice: tensor " + t + " is not a parameter of this model"
                            + " with " + host[t].length + " elements");
                }
                DeviceBuffer s = ctx.upload(host[t]);
                scoreBuffers.add(s);
                tensors.add(PruneTensor.of("tensor " + t, d.w, d.g).withScores(s));
            }
        } catch (RuntimeException e) {
            freeScores();
            throw e;
        }
        try {
            scoreAccumulation = new GpuPruneOps(ctx).accumulation(tensors, acc.criterion(), acc.mode(), acc.momentum());
        } catch (RuntimeException e) {
            freeScores();
            throw e;
        }
        scoreAcc = acc;
        scoreBatches = 0;
        // Queued after each backward; no host synchronisation until syncScores.
        scoreHook = () -> { scoreAccumulation.step(); scoreBatches++; };
        trainer.addDeviceAfterBackward(scoreHook);
        return true;
    }

    @Override
    public void syncScores() {
        if (scoreAcc == null) return;
        scoreAccumulation.check();  // a non-finite gradient since the last sync: fail before copying anything
        float[][] host = scoreAcc.buffers();
        for (int t = 0; t < host.length; t++) scoreBuffers.get(t).download(host[t]);
        scoreAcc.addExternalBatches(scoreBatches);
        scoreBatches = 0;
    }

    @Override
    public void resetScores() {
        if (scoreAcc == null) return;
        for (DeviceBuffer b : scoreBuffers) dev.jprune.gpu.GpuInternals.zero(b);
        scoreBatches = 0;
    }

    @Override
    public void stopScores() {
        if (scoreHook != null) trainer.removeDeviceAfterBackward(scoreHook);
        freeScores();
    }

    private void freeScores() {
        if (scoreAccumulation != null) scoreAccumulation.close();
        for (DeviceBuffer b : scoreBuffers) b.close();
        scoreBuffers.clear();
        scoreAccumulation = null;
        scoreAcc = null;
        scoreHook = null;
        scoreBatches = 0;
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
