package dev.jprune.prune;

import dev.jprune.data.Dataset;
import dev.jprune.models.ModelSpec;
import dev.jprune.nn.Parameter;
import dev.jprune.train.Backend;
import dev.jprune.train.CpuBackend;
import dev.jprune.train.EpochStats;
import dev.jprune.train.Evaluation;
import dev.jprune.train.StepHook;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The CPU backend with a log of the calls a pruning run makes ("epoch 3", "evaluate", "score 2", "lr 0.02", "sync",
 * "masks changed", "rewind") and the hooks it holds. Not a PruningBackend: {@link PruningBackend#of} wraps it in the
 * host implementation. The training itself is the CPU backend's, unchanged.
 */
class RecordingBackend implements Backend {
    final CpuBackend cpu;
    final List<String> log = new ArrayList<>();
    /** Hooks held now, and every hook ever added (in order). */
    final List<StepHook> hooks = new ArrayList<>(), added = new ArrayList<>();

    RecordingBackend(ModelSpec m, TrainConfig c) { cpu = new CpuBackend(m, c); }

    @Override public String describe() { return "recording " + cpu.describe(); }
    @Override public EpochStats trainEpoch(Dataset train, int epoch, TrainListener l) {
        log.add("epoch " + epoch);
        return cpu.trainEpoch(train, epoch, l);
    }
    @Override public Evaluation evaluate(Dataset test) {
        log.add("evaluate");
        return cpu.evaluate(test);
    }
    @Override public void gradientsOnBatches(Dataset train, int batches, long seed, Runnable perBatch) {
        log.add("score " + batches);
        cpu.gradientsOnBatches(train, batches, seed, perBatch);
    }
    @Override public void addHook(StepHook h) { hooks.add(h); added.add(h); cpu.addHook(h); }
    @Override public void removeHook(StepHook h) { hooks.remove(h); cpu.removeHook(h); }
    @Override public long globalStep() { return cpu.globalStep(); }
    @Override public void masksChanged() { log.add("masks changed"); cpu.masksChanged(); }
    @Override public void weightsReplacedAndResetOptimizer() {
        log.add("rewind"); cpu.weightsReplacedAndResetOptimizer();
    }
    @Override public void syncToHost() { log.add("sync"); cpu.syncToHost(); }
    @Override public void setLearningRate(float lr) { log.add("lr " + lr); cpu.setLearningRate(lr); }
    @Override public void close() { cpu.close(); }

    /** The log entry of a prune: the sparsity asked and the batches in the scores (−1: none, magnitude). */
    static String pruneEntry(double sparsity, long batches) {
        return String.format(Locale.ROOT, "prune %.6f batches %d", sparsity, batches);
    }

    /**
     * Also the run's PruningBackend. Prunes on the host (the CPU backend's host implementation; logged as
     * {@link #pruneEntry}). With {@code device} it accumulates scores itself, as a GPU backend does on the device:
     * in its own hook after every training backward and in every score batch, into the accumulator's buffers.
     */
    static class Pruning extends RecordingBackend implements PruningBackend {
        final boolean device;
        final PruningBackend host;
        private ScoreAccumulator active;
        private float[][] w, g;
        private StepHook feed;

        Pruning(ModelSpec m, TrainConfig c, boolean device) {
            super(m, c);
            this.device = device;
            this.host = PruningBackend.of(cpu);
        }

        @Override public boolean accumulateScores(ScoreAccumulator acc, List<Parameter> weights) {
            log.add("accumulate " + weights.size());
            if (!device) return false;
            if (active != null) throw new IllegalStateException("accumulation already active");
            active = acc;
            w = weights.stream().map(p -> p.value.data).toArray(float[][]::new);
            g = weights.stream().map(p -> p.grad.data).toArray(float[][]::new);
            feed = new StepHook() {
                @Override public void afterBackward(long step) { active.accumulate(w, g); }
            };
            cpu.addHook(feed);
            return true;
        }
        @Override public void gradientsOnBatches(Dataset train, int batches, long seed, Runnable perBatch) {
            log.add("score " + batches);
            Runnable each = perBatch;
            if (active != null) {
                ScoreAccumulator a = active;
                each = perBatch == null ? () -> a.accumulate(w, g) : () -> { a.accumulate(w, g); perBatch.run(); };
            }
            cpu.gradientsOnBatches(train, batches, seed, each);
        }
        @Override public void syncScores() { log.add("sync scores"); }
        @Override public void resetScores() { log.add("reset scores"); }
        @Override public void stopScores() {
            log.add("stop scores");
            if (feed != null) cpu.removeHook(feed);
            feed = null;
            active = null;
        }
        @Override public ModelPruner.Result prune(ModelPruner pruner, double sparsity, ScoreAccumulator acc) {
            log.add(pruneEntry(sparsity, acc == null ? -1 : acc.batches()));
            return host.prune(pruner, sparsity, acc);
        }
    }
}
