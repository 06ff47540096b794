package dev.jprune.prune;

import dev.jprune.nn.Parameter;
import dev.jprune.train.Backend;
import java.util.List;

/** {@link PruningBackend} on the host for any backend: scores accumulate on the host, {@link ModelPruner} selects. */
final class HostPruning implements PruningBackend {
    private final Backend backend;

    HostPruning(Backend backend) { this.backend = backend; }

    @Override public boolean accumulateScores(ScoreAccumulator acc, List<Parameter> weights) { return false; }
    @Override public void syncScores() {}
    @Override public void resetScores() {}
    @Override public void stopScores() {}

    @Override
    public ModelPruner.Result prune(ModelPruner pruner, double sparsity, ScoreAccumulator acc) {
        backend.syncToHost();
        ModelPruner.Result r = pruner.prune(sparsity, pruner.scores(acc));
        backend.masksChanged();
        return r;
    }
}
