package dev.jprune.cli;

import dev.jprune.data.Split;
import dev.jprune.io.Checkpoint;
import dev.jprune.io.SafeTensors;
import dev.jprune.models.ArchitectureMetadata;
import dev.jprune.models.ModelSpec;
import dev.jprune.train.Evaluation;
import dev.jprune.train.NonFinite;
import dev.jprune.train.Trainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true, description = {
        "Evaluate saved weights (with their masks) on a test split: accuracy, or for regression test and train MSE.",
        "A checkpoint that describes its own architecture (prune --shrink) needs no --model."})
final class EvalCommand implements Callable<Integer> {
    @Mixin Options.Data data = new Options.Data();
    @Mixin ModelArgs modelArgs = new ModelArgs();
    @Option(names = "--model",
            description = "model name (not needed for a checkpoint with its architecture, e.g. from prune --shrink)")
    String model;
    @Option(names = "--weights", required = true, description = ".safetensors file")
    Path weights;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(false);
        String described = ArchitectureMetadata.of(SafeTensors.readHeader(weights).metadata());
        ModelSpec m;
        String dataSpec;
        if (model == null) {
            if (described == null) {
                throw new IllegalArgumentException("--weights " + weights
                        + " does not describe its architecture; give --model NAME");
            }
            m = ArchitectureMetadata.build(described, weights.toString());
            dataSpec = DataLoading.dataSpec(spec, data, m.name());
        } else {
            dataSpec = DataLoading.dataSpec(spec, data, model);
            m = DataLoading.build(model, 0, modelArgs, data, dataSpec);
        }
        Checkpoint.load(weights, m.net());
        Split s = data.load(dataSpec);
        m.requireData(s.test());
        String what = "evaluating " + weights + " on " + dataSpec + " test";
        Evaluation ev = NonFinite.require(Trainer.evaluate(m.net(), s.test(), 500), what);
        String name = model == null ? m.name() : model;
        if (s.test().isRegression()) {
            Evaluation tr = NonFinite.require(Trainer.evaluate(m.net(), s.train(), 500), "evaluating " + weights
                    + " on " + dataSpec + " train");
            r.linef("%s on %s (%d test / %d train samples): test mse %.6f, train mse %.6f", name, dataSpec,
                    ev.samples(), tr.samples(),
                    ev.loss(), tr.loss());
        } else {
            r.linef("%s on %s test (%d samples): accuracy %.2f%%, loss %.4f", name, dataSpec, ev.samples(),
                    100 * ev.accuracy(), ev.loss());
        }
        return 0;
    }
}
