package dev.jprune.cli;

import dev.jprune.data.LinearRegressionData;
import dev.jprune.data.Split;
import dev.jprune.io.Checkpoint;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Linear;
import dev.jprune.train.EpochStats;
import dev.jprune.train.Evaluation;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.Trainer;
import dev.jprune.util.Rng;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model densely and report loss, accuracy and samples/s per epoch.")
final class TrainCommand implements Callable<Integer> {
    @Mixin Options.Data data = new Options.Data();
    @Mixin Options.Train train = new Options.Train();
    @Option(names = "--save", description = "write the trained weights to this .safetensors file")
    Path save;
    @Option(names = "--quiet", description = "no progress output")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(quiet);
        Device.resolve(train.device, r);
        ModelSpec m = Models.build(train.model, train.seed);
        TrainConfig cfg = train.config(m);
        r.setBatchSize(cfg.batchSize());
        Trainer t = new Trainer(m, cfg);
        r.line(m.net().describe() + " — " + m.net().parameterCount() + " parameters, " + t.optimizer().describe());
        if (m.task() == ModelSpec.Task.REGRESSION) {
            LinearRegressionData d = LinearRegressionData.generate(10_000, m.sampleShape()[0], new Rng(train.seed + 1), 0.01f);
            for (int e = 0; e < cfg.epochs(); e++) {
                EpochStats s = t.trainEpoch(d.data(), e, r);
                r.linef("epoch %d: mse %.6f  %.0f samples/s", e + 1, s.trainLoss(), s.samplesPerSecond());
            }
            Linear lin = (Linear) m.net().layer(0);
            double worst = 0;
            float[] w = d.trueWeights();
            for (int i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - lin.weight.value.data[i]));
            r.linef("max |w - w_true| = %.5f, |b - b_true| = %.5f", worst, Math.abs(d.trueBias() - lin.bias.value.data[0]));
        } else {
            Split s = data.load();
            m.requireSampleShape(s.train().sampleShape(), s.train().name());
            r.linef("data: %s train %d / test %d", data.data, s.train().size(), s.test().size());
            for (int e = 0; e < cfg.epochs(); e++) {
                EpochStats st = t.trainEpoch(s.train(), e, r);
                Evaluation ev = Trainer.evaluate(m.net(), s.test(), 500);
                r.linef("epoch %d: loss %.4f  train acc %.2f%%  test acc %.2f%%  %.0f samples/s  %.1fs",
                        e + 1, st.trainLoss(), 100 * st.trainAccuracy(), 100 * ev.accuracy(), st.samplesPerSecond(), st.seconds());
            }
        }
        if (save != null) {
            Checkpoint.save(save, m.net(), Map.of(), Map.of("model", m.name(), "format", "pt"));
            r.line("saved " + save);
        }
        return 0;
    }
}
