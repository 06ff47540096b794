package dev.jprune.cli;

import dev.jprune.io.Checkpoint;
import dev.jprune.models.ArchitectureMetadata;
import dev.jprune.models.ModelSpec;
import dev.jprune.sparse.StructuredShrink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * prune's --shrink (picocli mixin): after neuron/filter pruning, the model without its pruned rows and filters —
 * physically smaller — is what --save writes, with its architecture in the checkpoint's metadata
 * ({@link ArchitectureMetadata}), so that {@code eval --weights FILE} runs it without a model name.
 */
final class ShrinkOption {
    @Option(names = "--shrink",
            description = "with --granularity neurons: --save writes the physically smaller model (pruned "
            + "neurons/filters removed) with its architecture; eval runs it")
    boolean shrink;

    /**
     * Writes {@code m} shrunk to {@code file} (KEEP policy: a dead unit with a constant output is kept, so the file
     * computes exactly the masked model). Returns the shrink's summary. Modifies nothing.
     */
    static StructuredShrink.Result save(ModelSpec m, Path file) throws IOException {
        StructuredShrink.Result r = StructuredShrink.shrink(m.net(), StructuredShrink.Policy.KEEP);
        ModelSpec small = m.withNet(r.model());
        Checkpoint.save(file, small.net(), Map.of(), Map.of("model", m.name() + "-shrunk", "format", "pt",
                ArchitectureMetadata.KEY, ArchitectureMetadata.describe(small)));
        return r;
    }
}
