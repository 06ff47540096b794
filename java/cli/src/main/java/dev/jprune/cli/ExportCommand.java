package dev.jprune.cli;

import dev.jprune.io.Checkpoint;
import dev.jprune.models.ModelSpec;
import dev.jprune.onnx.OnnxExportOptions;
import dev.jprune.onnx.OnnxExporter;
import dev.jprune.onnx.OnnxModel;
import dev.jprune.sparse.CsrFiles;
import dev.jprune.sparse.SparseReport;
import dev.jprune.sparse.StructuredShrink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true, description = {
        "Export pruned weights to CSR (default) or ONNX, and report parameters, nonzeros, density, FLOPs and bytes",
        "per layer.",
        "--format csr with --out: writes a .safetensors file where each weight W [rows, ...] is stored as",
        "W.crow_indices (I32 [rows+1]), W.col_indices (I32 [nnz]) and W.values (F32 [nnz]) over its [rows, rowLength]",
        "view — torch.sparse_csr_tensor's three arrays — and biases as they are; metadata records each weight's dense",
        "shape.",
        "--format onnx --out FILE: an ONNX model (opset 13; input 'input' [batch, ...sample], output 'output'",
        "[batch, classes]) for ONNX Runtime and the JVM stacks built on it: pruned weights as dense initializers",
        "holding the zeros (or, with --sparse-initializers, sparse_initializers: smaller files, same speed),",
        "neuron/filter-pruned layers physically shrunk, metadata_props with per-layer sparsity, criterion and a hash",
        "of the masks."})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--model", converter = Main.ModelName.class,
            description = "model name or FILE.json (default: the model the weights file carries)")
    String model;
    @Option(names = "--weights", required = true, description = "pruned .safetensors file (weights and masks; any"
            + " layout: masked, torch-prune, plain)")
    Path weights;
    @Option(names = "--masks", description = "the masks of a --layout plain checkpoint (its --masks-out file)")
    Path masks;
    @Option(names = "--out", description = "write the export to this file (.safetensors for csr, .onnx for onnx)")
    Path out;
    @Option(names = "--format", defaultValue = "csr", description = "csr | onnx. Default: ${DEFAULT-VALUE}")
    String format;
    @Option(names = "--sparse-initializers",
            description = "onnx: write pruned weights as sparse_initializer (INT64 indices)")
    boolean sparseInitializers;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(false);
        String f = format.toLowerCase(Locale.ROOT);
        if (!f.equals("csr") && !f.equals("onnx")) {
            throw new IllegalArgumentException("--format must be csr or onnx, got '" + format + "'");
        }
        if (f.equals("onnx") && out == null) throw new IllegalArgumentException("--format onnx needs --out FILE.onnx");
        if (sparseInitializers && !f.equals("onnx")) {
            throw new IllegalArgumentException("--sparse-initializers applies to --format onnx only");
        }
        ModelArgs.checkWeightsFile(weights, "--weights");
        if (masks != null) ModelArgs.checkWeightsFile(masks, "--masks");
        OutputPaths.checkFile(out, "--out");
        OutputPaths.checkNotInput(out, "--out", weights, "--weights");
        OutputPaths.checkNotInput(out, "--out", masks, "--masks");
        OutputPaths.checkNotReadInputs(out, "--out", model, null);
        ModelSpec m = ModelArgs.requiredForWeights(model, weights, r).build(0);
        Checkpoint.Loaded loaded = Checkpoint.load(weights, masks, m.net());
        r.line(ModelArgs.describeLoaded(weights, loaded));
        r.line(SparseReport.of(m.net(), m.sampleShape()).toTable());
        if (f.equals("onnx")) {
            writeOnnx(r, m, loaded.metadata().get("criterion"));
            return 0;
        }
        if (out != null) {
            CsrFiles.write(out, m.net(), m.name());
            r.line("wrote " + out);
        }
        return 0;
    }

    private void writeOnnx(Reporter r, ModelSpec m, String criterion) throws IOException {
        OnnxExportOptions o = OnnxExportOptions.defaults().withSparseInitializers(sparseInitializers)
                .withCriterion(criterion).withModelName(m.name());
        OnnxModel onnx = OnnxExporter.write(out, m.net(), m.sampleShape(), o);
        for (StructuredShrink.LayerChange c : onnx.shrinkChanges()) {
            r.linef("layer %d shrunk: %d -> %d units", c.layer(), c.unitsBefore(), c.unitsAfter());
        }
        for (OnnxModel.Initializer i : onnx.initializers()) {
            r.linef("%-10s %-16s %10d nonzero %s", i.name(), Arrays.toString(i.shape()), i.nonzeros(),
                    i.sparse() ? "sparse" : "dense");
        }
        r.linef("wrote %s (%d bytes, ONNX opset %d, granularity %s)", out, onnx.size(), OnnxExporter.OPSET,
                onnx.metadata().get("granularity"));
    }
}
