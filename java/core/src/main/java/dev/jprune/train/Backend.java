package dev.jprune.train;

import dev.jprune.data.Dataset;

/**
 * Where training runs: the CPU reference ({@link CpuBackend}) or the GPU ({@code dev.jprune.gpu.train.GpuBackend}).
 * The pruning pipeline drives a backend and works on the host model: weights, gradients and masks are made
 * visible on the host when a hook asks for them ({@link StepHook#needsHost}), and changed masks go back with
 * {@link #masksChanged()}.
 */
public interface Backend extends AutoCloseable {
    /** "cpu" or the device's name. */
    String describe();

    /** One training epoch over {@code train}; batch order is a function of (seed, epoch) on every backend. */
    EpochStats trainEpoch(Dataset train, int epoch, TrainListener listener);

    /** Accuracy and loss in evaluation mode. */
    Evaluation evaluate(Dataset test);

    /**
     * Forward + backward in evaluation mode over {@code batches} shuffled batches without updating weights;
     * after each batch the host parameters' grads (and values) hold that batch's state and {@code perBatch} runs.
     * Each batch also feeds an active device score accumulation ({@link #accumulateScoresOnDevice}); {@code perBatch}
     * null then skips the host copy altogether.
     */
    void gradientsOnBatches(Dataset train, int batches, long seed, Runnable perBatch);

    void addHook(StepHook h);
    void removeHook(StepHook h);
    long globalStep();

    /** Host masks changed (and pruned host weights are 0): weights and optimizer state at pruned positions become 0. */
    void masksChanged();

    /** Host weights were replaced (rewinding): take them, clear the optimizer state. */
    void weightsReplacedAndResetOptimizer();

    /** Makes the host model's weights current. */
    void syncToHost();

    void setLearningRate(float lr);

    /**
     * Asks the backend to accumulate {@code acc}'s per-batch statistic itself after every training backward and every
     * {@link #gradientsOnBatches} batch (gradients before clipping, exactly
     * {@link dev.jprune.prune.ScoreAccumulator#accumulate}'s formula and float rounding), so that gradients need not
     * come to the host every step. {@code weights}: the parameters of acc's
     * tensors, in acc's order. The device copy starts from acc's current buffers. Returns false when the backend
     * cannot (the default): the caller then accumulates on the host. Modifies nothing on the host.
     */
    default boolean accumulateScoresOnDevice(dev.jprune.prune.ScoreAccumulator acc, java.util.List<dev.jprune.nn.Parameter> weights) {
        return false;
    }

    /**
     * Device accumulation active: copies the device sums into acc's buffers and adds the batches since the last call.
     * A non-finite input in any of those batches throws IllegalArgumentException naming the element, and acc is left
     * unchanged (the device sums stopped at that batch).
     */
    default void syncScores() {}

    /** Device accumulation active: zeroes the device sums (the caller resets acc). */
    default void resetScores() {}

    /** Ends device accumulation and frees its buffers (acc keeps what the last {@link #syncScores} copied). */
    default void stopScores() {}

    /**
     * Prunes where the model lives, with the result {@code pruner.prune(sparsity, pruner.scores(acc))} would have on
     * the same state — the same masks bit for bit, kept counts and kept rows — but without bringing weights or scores
     * to the host: the selection reads the backend's weights (MAGNITUDE) or the device sums of {@code acc} (which must
     * then be the accumulator of the active {@link #accumulateScoresOnDevice}), writes the masks, zeroes pruned weights
     * and their optimizer state. The host parameters get the new masks (host weights are brought up to date only by
     * {@link #syncToHost}). Do not call {@link #masksChanged} after it. Returns null, having changed nothing, where the
     * backend cannot (the default; and e.g. a selection it does not implement): the caller then prunes on the host.
     * Throws as the host prune would (bad sparsity, non-finite inputs, no accumulated batch), changing nothing.
     */
    default dev.jprune.prune.ModelPruner.Result pruneOnDevice(dev.jprune.prune.ModelPruner pruner, double sparsity,
                                                              dev.jprune.prune.ScoreAccumulator acc) {
        return null;
    }

    @Override void close();
}
