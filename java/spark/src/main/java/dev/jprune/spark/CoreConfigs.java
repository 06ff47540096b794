package dev.jprune.spark;

import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.train.TrainConfig;
import java.io.Serializable;

/**
 * The one place that reads and builds the core library's configuration records ({@link TrainConfig}), so that a change
 * of their construction touches only this class. {@link TrainConfig} is not serialisable: its fields travel to the
 * executors as a {@link Settings} and are rebuilt there.
 */
final class CoreConfigs {
    private CoreConfigs() {}

    /** A serialisable copy of a {@link TrainConfig}'s fields. */
    record Settings(int epochs, int batchSize, float lr, OptimizerKind optimizer, float momentum, float weightDecay,
                    boolean nesterov, float clipValue, float clipNorm, long seed) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    static Settings settings(TrainConfig c) {
        return new Settings(c.epochs(), c.batchSize(), c.lr(), c.optimizer(), c.momentum(), c.weightDecay(),
                c.nesterov(), c.clipValue(), c.clipNorm(), c.seed());
    }

    /** The TrainConfig of {@code s}, with the learning rate {@code lr} (a fine-tuning rate may replace the first). */
    static TrainConfig trainConfig(Settings s, float lr) {
        return new TrainConfig(s.epochs(), s.batchSize(), lr, s.optimizer(), s.momentum(), s.weightDecay(),
                s.nesterov(), s.clipValue(), s.clipNorm(), s.seed());
    }
}
