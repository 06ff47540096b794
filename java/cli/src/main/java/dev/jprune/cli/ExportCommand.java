package dev.jprune.cli;

import dev.jprune.io.Checkpoint;
import dev.jprune.io.DType;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.sparse.Csr;
import dev.jprune.sparse.SparseReport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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
        OutputPaths.checkFile(out, "--out");
        Checkpoint.load(weights, m.net());
        r.line(SparseReport.of(m.net(), m.sampleShape()).toTable());
        if (out != null) {
            Map<String, TensorEntry> t = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("model", m.name());
            meta.put("format", "jprune-csr");
            for (Map.Entry<String, Parameter> e : m.net().namedParameters().entrySet()) {
                Parameter p = e.getValue();
                if (p.kind == Parameter.Kind.BIAS) { t.put(e.getKey(), TensorEntry.f32(p.value.data.clone(), p.value.shape())); continue; }
                int rows = p.value.dim(0), cols = p.size() / rows;
                Csr c = Csr.fromDense(p.value.data, rows, cols);
                t.put(e.getKey() + ".crow_indices", TensorEntry.raw(DType.I32, le(c.rowPtr()), rows + 1));
                t.put(e.getKey() + ".col_indices", TensorEntry.raw(DType.I32, le(c.colIdx()), c.nnz()));
                t.put(e.getKey() + ".values", TensorEntry.f32(c.values(), c.nnz()));
                meta.put(e.getKey() + ".shape", java.util.Arrays.toString(p.value.shape()));
            }
            SafeTensors.write(out, t, meta);
            r.line("wrote " + out);
        }
        return 0;
    }

    static byte[] le(int[] a) {
        ByteBuffer b = ByteBuffer.allocate(4 * a.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : a) b.putInt(v);
        return b.array();
    }
}
