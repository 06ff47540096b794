package dev.jprune.cli;

import dev.jprune.data.Split;
import dev.jprune.io.Checkpoint;
import dev.jprune.models.ModelSpec;
import dev.jprune.train.Evaluation;
import dev.jprune.train.NonFinite;
import dev.jprune.train.Trainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate saved weights (with their masks) on a test split.")
final class EvalCommand implements Callable<Integer> {
    @Mixin Options.Data data = new Options.Data();
    @Option(names = "--model", description = "model name or FILE.json (default: the model the weights file carries)")
    String model;
    @Option(names = "--weights", required = true,
            description = ".safetensors file (any layout: masked, torch-prune, plain)")
    Path weights;
    @Option(names = "--masks", description = "the masks of a --layout plain checkpoint (its --masks-out file)")
    Path masks;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(false);
        ModelArgs.checkWeightsFile(weights, "--weights");
        if (masks != null) ModelArgs.checkWeightsFile(masks, "--masks");
        ModelSpec m = ModelArgs.requiredForWeights(model, weights, r).build(0);
        if (m.task() != ModelSpec.Task.CLASSIFICATION) {
            throw new IllegalArgumentException("eval measures the test accuracy of classification models; " + m.name()
                    + " is a regression model");
        }
        r.line(ModelArgs.describeLoaded(weights, Checkpoint.load(weights, masks, m.net())));
        Split s = data.load();
        m.requireSampleShape(s.test().sampleShape(), s.test().name());
        String what = "evaluating " + weights + " on " + data.data + " test";
        Evaluation ev = NonFinite.require(Trainer.evaluate(m.net(), s.test(), 500), what);
        r.linef("%s on %s test (%d samples): accuracy %.2f%%, loss %.4f", m.name(), data.data, ev.samples(),
                100 * ev.accuracy(), ev.loss());
        return 0;
    }
}
