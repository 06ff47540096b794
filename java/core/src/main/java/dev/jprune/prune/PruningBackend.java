package dev.jprune.prune;

import dev.jprune.nn.Parameter;
import dev.jprune.train.Backend;
import java.util.List;

/**
 * The pruning side of a training {@link Backend}: where gradient scores accumulate and where a prune's selection runs.
 * A backend that keeps its model elsewhere (the GPU) implements this itself, scoring and selecting where the model
 * lives with its own {@link SelectionEngine}; {@link #of} gives every other backend the host implementation (scores
 * accumulated by the caller, selection by {@link ModelPruner#prune}). The training package knows nothing of pruning:
 * this interface depends on {@link Backend}, not the other way round.
 */
public interface PruningBackend {
    /**
     * The pruning side of {@code backend}: the backend itself when it implements this interface, else a host
     * implementation that prunes the host model and tells the backend ({@link Backend#syncToHost} before,
     * {@link Backend#masksChanged} after).
     */
    static PruningBackend of(Backend backend) {
        if (backend == null) throw new IllegalArgumentException("PruningBackend.of: null backend");
        return backend instanceof PruningBackend p ? p : new HostPruning(backend);
    }

    /**
     * Asks the backend to accumulate {@code acc}'s per-batch statistic itself after every training backward and every
     * {@link Backend#gradientsOnBatches} batch (gradients before clipping, exactly
     * {@link ScoreAccumulator#accumulate}'s formula and float rounding), so that gradients need not come to the host
     * every step. {@code weights}: the parameters of acc's tensors, in acc's order; the backend's copy starts from
     * acc's current buffers. Returns false when the backend cannot (the host implementation): the caller then
     * accumulates on the host. Modifies nothing on the host.
     *
     * @throws IllegalArgumentException when {@code weights} do not match acc's tensors or are not the model's
     * @throws IllegalStateException when an accumulation is already active
     */
    boolean accumulateScores(ScoreAccumulator acc, List<Parameter> weights);

    /**
     * Accumulation active: copies the backend's sums into acc's buffers and adds the batches since the last call.
     * A non-finite input in any of those batches throws IllegalArgumentException naming the element, and acc is left
     * unchanged. Inactive: does nothing.
     */
    void syncScores();

    /** Accumulation active: zeroes the backend's sums (the caller resets acc). Inactive: does nothing. */
    void resetScores();

    /** Ends accumulation and frees its buffers (acc keeps what the last {@link #syncScores} copied). */
    void stopScores();

    /**
     * One prune to {@code sparsity}, with the result {@code pruner.prune(sparsity, pruner.scores(acc))} would have on
     * the same state — the same masks bit for bit, kept counts and kept rows — run where the model lives: the
     * selection reads the live weights (MAGNITUDE) or {@code acc}'s scores (the backend's sums when acc is the active
     * accumulation, else acc's host buffers), writes the masks, zeroes pruned weights and their optimizer state. After
     * it the host parameters hold the new masks (host weights are current after {@link Backend#syncToHost}); do not
     * call {@link Backend#masksChanged}. Throws as the host prune would (bad sparsity, non-finite inputs, no
     * accumulated batch: IllegalStateException), changing nothing.
     */
    ModelPruner.Result prune(ModelPruner pruner, double sparsity, ScoreAccumulator acc);
}
