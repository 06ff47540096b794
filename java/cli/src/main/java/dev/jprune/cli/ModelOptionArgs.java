package dev.jprune.cli;

import dev.jprune.models.ModelOptions;
import picocli.CommandLine.Option;

/** Options of a built-in architecture (picocli mixin of train, prune and eval): biases and initialisation. */
final class ModelOptionArgs {
    @Option(names = "--no-bias",
            description = "Linear and Conv2d layers without bias (PyTorch's bias=False; no 'N.bias' in the checkpoint)")
    boolean noBias;
    @Option(names = "--init", defaultValue = "pytorch",
            description = "weight initialisation: pytorch (U(+-1/sqrt(fan_in))) | glorot-uniform (Keras' default, "
            + "zero biases) | zeros (a linear model's theta = 0). Default: ${DEFAULT-VALUE}")
    String init;

    /** The options as the library's {@link ModelOptions} (sizes: the model's own). */
    ModelOptions options() {
        return new ModelOptions(!noBias, ModelOptions.parseInit(init), 0, 0);
    }
}
