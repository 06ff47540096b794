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
     * Each batch also feeds a score accumulation the backend runs itself (a pruning extension of the backend, e.g.
     * the GPU's); {@code perBatch} null then skips the host copy altogether.
     */
    void gradientsOnBatches(Dataset train, int batches, long seed, Runnable perBatch);

    /** Adds a hook called around every training step. */
    void addHook(StepHook h);
    /** Removes a hook added with {@link #addHook}. */
    void removeHook(StepHook h);
    /** Optimizer steps taken so far over all epochs. */
    long globalStep();

    /** Host masks changed (and pruned host weights are 0): weights and optimizer state at pruned positions become 0. */
    void masksChanged();

    /** Host weights were replaced (rewinding): take them, clear the optimizer state. */
    void weightsReplacedAndResetOptimizer();

    /** Makes the host model's weights current. */
    void syncToHost();

    /**
     * Sets the learning rate for the following steps.
     *
     * @throws IllegalArgumentException when {@code lr} is not positive and finite (the rate is unchanged then)
     */
    void setLearningRate(float lr);

    /**
     * Releases what the backend holds (device memory, contexts). Closing twice is harmless; training, evaluation,
     * gradient, mask and learning-rate calls after close throw {@link IllegalStateException}.
     */
    @Override void close();
}
