package dev.jprune.train;

/**
 * Hooks into the training step, for pruning: score accumulation reads gradients after backward, schedules
 * change masks after the optimizer step. {@code globalStep} counts optimizer steps from 0 over the whole run.
 */
public interface StepHook {
    /** Gradients are complete (before clipping and the optimizer step). */
    default void afterBackward(long globalStep) {}

    /** The optimizer has updated the weights. */
    default void afterStep(long globalStep) {}

    /**
     * Whether the hook reads host state at this step: a GPU backend then copies weights and gradients to the
     * host before {@link #afterBackward} and weights before {@link #afterStep}. Default: always.
     */
    default boolean needsHost(long globalStep) { return true; }
}
