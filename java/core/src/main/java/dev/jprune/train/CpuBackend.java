package dev.jprune.train;

import dev.jprune.data.Batcher;
import dev.jprune.data.Dataset;
import dev.jprune.models.ModelSpec;
import dev.jprune.nn.Sequential;
import dev.jprune.tensor.Tensor;

/** The CPU reference backend: the host model is the model, so every sync is a no-op. */
public final class CpuBackend implements Backend {
    private final ModelSpec spec;
    private final TrainConfig cfg;
    private final Trainer trainer;
    private boolean closed;

    /** A CPU backend training {@code spec}'s network in place with {@code cfg}. */
    public CpuBackend(ModelSpec spec, TrainConfig cfg) {
        this.spec = spec;
        this.cfg = cfg;
        this.trainer = new Trainer(spec, cfg);
    }

    /** The training loop it drives. */
    public Trainer trainer() { return trainer; }

    @Override public String describe() { return "cpu"; }
    @Override public EpochStats trainEpoch(Dataset train, int epoch, TrainListener l) {
        return open("trainEpoch").trainEpoch(train, epoch, l);
    }
    @Override public Evaluation evaluate(Dataset test) {
        open("evaluate");
        return Trainer.evaluate(spec.net(), test, 500);
    }

    /** The trainer, unless this backend is closed (the interface's promise: no work after close). */
    private Trainer open(String call) {
        if (closed) throw new IllegalStateException("CpuBackend." + call + " after close");
        return trainer;
    }

    @Override
    public void gradientsOnBatches(Dataset train, int batches, long seed, Runnable perBatch) {
        open("gradientsOnBatches");
        Sequential net = spec.net();
        Batcher b = new Batcher(train, cfg.batchSize(), true, false, seed);
        int done = 0;
        for (Batcher.Batch batch : b.epoch(0)) {
            if (done++ == batches) break;
            net.zeroGrad();
            Tensor out = net.forward(batch.x(), false);
            Tensor d = Tensor.zeros(out.shape());
            Trainer.lossAndGrad(out, batch, d);
            net.backward(d, false);
            if (perBatch != null) perBatch.run();
        }
        net.zeroGrad();
    }

    @Override public void addHook(StepHook h) { trainer.addHook(h); }
    @Override public void removeHook(StepHook h) { trainer.removeHook(h); }
    @Override public long globalStep() { return trainer.globalStep(); }
    @Override public void masksChanged() { open("masksChanged").optimizer().enforceMasks(); }
    @Override public void weightsReplacedAndResetOptimizer() {
        open("weightsReplacedAndResetOptimizer").optimizer().reset();
        trainer.optimizer().enforceMasks();
    }
    @Override public void syncToHost() { open("syncToHost"); }
    @Override public void setLearningRate(float lr) { open("setLearningRate").optimizer().setLearningRate(lr); }
    /** Marks the backend closed (it holds no native resources); idempotent. */
    @Override public void close() { closed = true; }
}
