package dev.jprune.cli;

import dev.jprune.io.Checkpoint;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.sparse.SparseModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true, description = "Export pruned weights to CSR and report parameters, nonzeros, FLOPs and bytes per layer.")
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model name")
    String model;
    @Option(names = "--weights", required = true, description = "pruned .safetensors file (weights and masks)")
    Path weights;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(false);
        ModelSpec m = Models.build(model, 0);
        Checkpoint.load(weights, m.net());
        SparseModel sparse = SparseModel.export(m.net());
        for (String line : sparse.describe()) r.line(line);
        r.linef("CSR: %d nonzeros, %d bytes; dense: %d parameters, %d bytes", sparse.nnz(), sparse.bytes(), m.net().parameterCount(), 4 * m.net().parameterCount());
        return 0;
    }
}
