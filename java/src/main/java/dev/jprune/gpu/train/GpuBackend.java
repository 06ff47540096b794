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
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Training on the GPU for the pruning pipeline. Data sets are uploaded once (per Dataset object) and stay on the
 * device; the host model is brought up to date only when a hook or the pipeline asks ({@link StepHook#needsHost},
 * {@link #syncToHost}), and host mask changes go to the device with {@link #masksChanged}. Selection itself runs on
 * the host (the CPU reference's exact algorithm), so masks follow the CPU specification; the fused device selection
 * (dev.jprune.gpu.prune) is the next step.
 */
public final class GpuBackend implements Backend {
    private final GpuContext ctx;
    private final GpuTrainer trainer;
    private final Map<Dataset, DeviceDataset> resident = new IdentityHashMap<>();

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
    public void close() {
        for (DeviceDataset d : resident.values()) d.close();
        resident.clear();
        trainer.close();
        ctx.close();
    }
}
