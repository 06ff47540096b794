package dev.jprune.train;

import dev.jprune.models.ModelSpec.OptimizerKind;

/**
 * Hyper-parameters of a training run. clipValue / clipNorm ≤ 0 mean "off".
 * Validated on construction so a bad option fails before any work is done.
 */
public record TrainConfig(int epochs, int batchSize, float lr, OptimizerKind optimizer, float momentum,
                          float weightDecay, boolean nesterov, float clipValue, float clipNorm, long seed) {
    public TrainConfig {
        if (epochs < 0) throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (!(lr > 0) || !Float.isFinite(lr)) throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        if (Float.isNaN(clipValue) || Float.isNaN(clipNorm)) throw new IllegalArgumentException("clip bounds must not be NaN");
        if (optimizer == null) throw new IllegalArgumentException("optimizer is required");
    }

    /** Defaults used by the CLI: SGD momentum 0.9 or Adam, no clipping, no weight decay. */
    public static TrainConfig defaults(OptimizerKind opt, float lr, int epochs, int batch, long seed) {
        return new TrainConfig(epochs, batch, lr, opt, opt == OptimizerKind.SGD ? 0.9f : 0f, 0f, false, 0f, 0f, seed);
    }

}
