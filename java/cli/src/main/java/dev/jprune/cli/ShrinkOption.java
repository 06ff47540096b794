package dev.jprune.cli;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.sparse.StructuredShrink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * prune's --shrink (picocli mixin): after neuron/filter pruning, the model without its pruned rows and filters —
 * physically smaller — is what --save writes, with its architecture in the checkpoint's metadata
 * (its model file, as every checkpoint jprune writes), so that {@code eval --weights FILE} runs it without --model.
 */
final class ShrinkOption {
    @Option(names = "--shrink",
            description = "with --granularity neurons: --save writes the physically smaller model (pruned "
            + "neurons/filters removed) with its architecture; eval runs it")
    boolean shrink;

    /**
     * Writes {@code m} shrunk to {@code file} in {@code layout} (KEEP policy: a dead unit with a constant output is
     * kept, so the file computes exactly the masked model). Returns the shrink's summary. Modifies nothing.
     */
    static StructuredShrink.Result save(ModelSpec m, Path file, Options.Save layout) throws IOException {
        StructuredShrink.Result r = StructuredShrink.shrink(m.net(), StructuredShrink.Policy.KEEP);
        ModelSpec small = new ModelSpec(m.name() + "-shrunk", r.model(), m.sampleShape(), m.task(), m.outputs(),
                m.defaultOptimizer(), m.defaultLr(), m.defaultMomentum());
        Models.save(small, file, layout.layout(), layout.masksOut, Map.of());
        return r;
    }
}
