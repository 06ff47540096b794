package dev.jprune.cli;

import dev.jprune.io.Checkpoint;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.sparse.CsrFiles;
import dev.jprune.sparse.SparseReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true, description = {
        "Export pruned weights to CSR and report parameters, nonzeros, density, FLOPs and bytes per layer.",
        "With --out: writes a .safetensors file where each weight W [rows, ...] is stored as W.crow_indices (I32 [rows+1]),",
        "W.col_indices (I32 [nnz]) and W.values (F32 [nnz]) over its [rows, rowLength] view — torch.sparse_csr_tensor's",
        "three arrays — and biases as they are; metadata records each weight's dense shape."})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model name")
    String model;
    @Option(names = "--weights", required = true, description = "pruned .safetensors file (weights and masks)")
    Path weights;
    @Option(names = "--out", description = "write the CSR export to this .safetensors file")
    Path out;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(false);
        ModelSpec m = Models.build(model, 0);
        Checkpoint.load(weights, m.net());
        r.line(SparseReport.of(m.net(), m.sampleShape()).toTable());
        if (out != null) {
            CsrFiles.write(out, m.net(), m.name());
            r.line("wrote " + out);
        }
        return 0;
    }
}
