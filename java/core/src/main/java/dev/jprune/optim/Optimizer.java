package dev.jprune.optim;

import dev.jprune.nn.Parameter;
import java.util.List;

/**
 * Updates parameters from their gradients. One pass per parameter reads each gradient once and applies the
 * clip-by-norm scale and the clip-by-value bound in that pass. Masked positions (Parameter.mask == 0) end
 * every step with weight and all optimizer state exactly 0.
 */
public interface Optimizer {
    /**
     * One step over all parameters. Modifies every parameter's value and this optimizer's state; reads grads.
     * @param gradScale multiplies every gradient first (clip-by-norm's scale; 1 for none)
     * @param clipValue then clamps into [−clipValue, clipValue] (≤ 0 or infinite: none)
     * @throws IllegalArgumentException when gradScale is negative or not finite, or a parameter's mask has another
     *                                  length than its value (before anything is modified)
     */
    void step(float gradScale, float clipValue);

    /**
     * Sets weights and optimizer state to 0 wherever a mask prunes (call after masks change).
     *
     * @throws IllegalArgumentException when a parameter's mask has another length than its value
     */
    void enforceMasks();

    /** Clears all optimizer state (moments, step count), e.g. for lottery-ticket rewinding. */
    void reset();

    /** The parameters it updates. */
    List<Parameter> parameters();
    /** The current learning rate. */
    float learningRate();
    /**
     * Sets the learning rate for the following steps.
     *
     * @throws IllegalArgumentException when {@code lr} is not positive and finite (the rate is unchanged then)
     */
    void setLearningRate(float lr);
    /** One line naming the optimizer and its settings, e.g. "SGD(lr=0.05, momentum=0.9, ...)". */
    String describe();
}
