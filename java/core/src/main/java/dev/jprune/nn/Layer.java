package dev.jprune.nn;

import dev.jprune.tensor.Tensor;
import java.util.List;

/**
 * A layer of the CPU reference engine: a forward/backward pair in the style of llm.c.
 * forward caches what backward needs; backward ACCUMULATES into parameter gradients (callers zero them)
 * and returns the gradient with respect to the input. One forward, then at most one backward.
 */
public interface Layer {
    /** Computes the output for a batch; {@code training} switches dropout. Does not modify {@code x}. */
    Tensor forward(Tensor x, boolean training);

    /**
     * Given dL/dy for the last forward, accumulates parameter gradients and returns dL/dx. Does not modify {@code dy}.
     */
    Tensor backward(Tensor dy);

    /**
     * Like {@link #backward(Tensor)}, but a layer may skip computing dL/dx (and return null) when
     * {@code needInputGrad} is false — the first layer of a network, whose input gradient nobody reads.
     */
    default Tensor backward(Tensor dy, boolean needInputGrad) { return backward(dy); }

    /** Trainable parameters in a fixed order (weight before bias). */
    default List<Parameter> parameters() { return List.of(); }

    /** Output shape for an input shape (batch dimension included). */
    int[] outputShape(int[] inputShape);

    /** Short description, e.g. "Linear(784 -> 300)". */
    String describe();
}
