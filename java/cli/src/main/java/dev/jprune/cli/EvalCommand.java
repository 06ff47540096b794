package dev.jprune.cli;

import dev.jprune.data.Split;
import dev.jprune.io.Checkpoint;

import dev.jprune.models.Models;
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
    @Mixin ModelOptionArgs modelArgs = new ModelOptionArgs();
    @Option(names = "--model", converter = Main.ModelName.class,
            description = "model name or FILE.json (default: the model the weights file carries,"
            + " e.g. the shrunk model of prune --shrink)")
    String model;
    @Option(names = "--weights", required = true,
            description = ".safetensors file (any layout: masked, torch-prune, plain)")
    Path weights;
    @Option(names = "--masks", description = "the masks of a --layout plain checkpoint (its --masks-out file)")
    Path masks;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(false);
        ModelArgs.checkWeightsFile(weights, "--weights");
        if (masks != null) ModelArgs.checkWeightsFile(masks, "--masks");
        ModelSpec m;
        String dataSpec;
        if (model != null && DataLoading.sizedByData(model)) {
            // linear-/logistic-regression named on the command line take their size from the data
            dataSpec = DataLoading.dataSpec(spec, data, model);
            m = DataLoading.build(model, 0, modelArgs, data, dataSpec);
        } else {
            m = Models.build(ModelArgs.requiredForWeights(model, weights, r), 0, modelArgs.options());
            dataSpec = DataLoading.dataSpec(spec, data, m.name());
        }
        r.line(ModelArgs.describeLoaded(weights, Checkpoint.load(weights, masks, m.net())));
        Split s = data.load(dataSpec);
        m.requireData(s.test());
        String what = "evaluating " + weights + " on " + dataSpec + " test";
        Evaluation ev = NonFinite.require(Trainer.evaluate(m.net(), s.test(), 500), what);
        if (s.test().isRegression()) {
            Evaluation tr = NonFinite.require(Trainer.evaluate(m.net(), s.train(), 500), "evaluating " + weights
                    + " on " + dataSpec + " train");
            r.linef("%s on %s (%d test / %d train samples): test mse %.6f, train mse %.6f", m.name(), dataSpec,
                    ev.samples(), tr.samples(), ev.loss(), tr.loss());
        } else {
            r.linef("%s on %s test (%d samples): accuracy %.2f%%, loss %.4f", m.name(), dataSpec, ev.samples(),
                    100 * ev.accuracy(), ev.loss());
        }
        return 0;
    }
}
