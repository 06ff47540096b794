package dev.jprune.cli;

import dev.jprune.io.SafeTensorFile;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "info", mixinStandardHelpOptions = true, description = "Describe a model by name, or the tensors of a .safetensors file.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--model", description = "model name")
    String model;
    @Option(names = "--weights", description = ".safetensors file")
    Path weights;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(false);
        if (model == null && weights == null) throw new IllegalArgumentException("info needs --model NAME or --weights FILE");
        if (model != null) {
            ModelSpec m = Models.build(model, 0);
            r.line(m.name() + ": " + m.net().describe());
            r.line("input " + java.util.Arrays.toString(m.sampleShape()) + ", " + m.net().parameterCount() + " parameters, default " + m.defaultOptimizer() + " lr " + m.defaultLr());
            for (Map.Entry<String, Parameter> e : m.net().namedParameters().entrySet()) {
                r.linef("  %-10s %s", e.getKey(), java.util.Arrays.toString(e.getValue().value.shape()));
            }
        }
        if (weights != null) {
            SafeTensorFile f = SafeTensors.read(weights);
            r.line(weights + ": " + f.tensors().size() + " tensors" + (f.metadata().isEmpty() ? "" : ", metadata " + f.metadata()));
            for (Map.Entry<String, TensorEntry> e : f.tensors().entrySet()) {
                float[] v = e.getValue().toFloats();
                long nz = 0;
                for (float x : v) if (x != 0f) nz++;
                r.linef("  %-16s %-5s %-14s nonzero %6.2f%%", e.getKey(), e.getValue().dtype(), java.util.Arrays.toString(e.getValue().shape()), v.length == 0 ? 0 : 100.0 * nz / v.length);
            }
        }
        return 0;
    }
}
