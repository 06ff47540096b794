package dev.jprune.cli;

import dev.jprune.data.LinearRegressionData;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Linear;
import dev.jprune.nn.loss.MeanSquaredError;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.EpochStats;
import dev.jprune.train.Evaluation;
import dev.jprune.train.NonFinite;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.Trainer;
import dev.jprune.util.Rng;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model densely and report loss, accuracy and samples/s per epoch.")
final class TrainCommand implements Callable<Integer> {
    @Mixin Options.Data data = new Options.Data();
    @Mixin Options.Train train = new Options.Train();
    @Mixin Options.Save layout = new Options.Save();
    @Option(names = "--save", description = "write the trained weights to this .safetensors file")
    Path save;
    @Option(names = "--quiet", description = "no progress output")
    boolean quiet;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(quiet);
        ModelSpec m = ModelArgs.named(train.modelName()).build(train.seed);
        OptionChecks.train(spec, train, m);
        TrainConfig cfg = train.config(m);
        Device.check(train.device);
        OutputPaths.checkFile(save, "--save");
        layout.check(spec, save, "--save");
        Split s = m.task() == ModelSpec.Task.REGRESSION ? null : data.load();
        if (s != null) m.requireSampleShape(s.train().sampleShape(), s.train().name());
        String device = Device.resolve(train.device, m, true, r);
        r.setBatchSize(cfg.batchSize());
        r.setEpochLines(false);
        if (device.equals("gpu")) return trainOnGpu(r, m, cfg, s);
        Trainer t = new Trainer(m, cfg);
        r.line(m.net().describe() + " — " + m.net().parameterCount() + " parameters, " + t.optimizer().describe());
        if (m.task() == ModelSpec.Task.REGRESSION) {
            LinearRegressionData d = LinearRegressionData.generate(10_000, m.sampleShape()[0], new Rng(train.seed + 1), 0.01f);
            for (int e = 0; e < cfg.epochs(); e++) {
                EpochStats es = NonFinite.require(t.trainEpoch(d.data(), e, r), "epoch " + (e + 1));
                r.linef("epoch %d: mse %.6f  %.0f samples/s", e + 1, es.trainLoss(), es.samplesPerSecond());
            }
            requireFiniteMse(m, d);
            Linear lin = (Linear) m.net().layer(0);
            double worst = 0;
            float[] w = d.trueWeights();
            for (int i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - lin.weight.value.data[i]));
            if (lin.bias == null) r.linef("max |w - w_true| = %.5f (no bias; b_true = %.5f)", worst, d.trueBias());
            else r.linef("max |w - w_true| = %.5f, |b - b_true| = %.5f", worst,
                    Math.abs(d.trueBias() - lin.bias.value.data[0]));
        } else {
            r.linef("data: %s train %d / test %d", data.data, s.train().size(), s.test().size());
            for (int e = 0; e < cfg.epochs(); e++) {
                EpochStats st = NonFinite.require(t.trainEpoch(s.train(), e, r), "epoch " + (e + 1));
                Evaluation ev = NonFinite.require(Trainer.evaluate(m.net(), s.test(), 500),
                        "test evaluation after epoch " + (e + 1));
                r.linef("epoch %d: loss %.4f  train acc %.2f%%  test acc %.2f%%  %.0f samples/s  %.1fs",
                        e + 1, st.trainLoss(), 100 * st.trainAccuracy(), 100 * ev.accuracy(), st.samplesPerSecond(), st.seconds());
            }
        }
        save(r, m);
        return 0;
    }

    /** Training can end on a step that blows the weights up without a non-finite loss: the data's MSE says. */
    private static void requireFiniteMse(ModelSpec m, LinearRegressionData d) {
        int n = d.size();
        Tensor pred = m.net().forward(Tensor.wrap(d.x(), n, d.features()), false);
        Tensor target = Tensor.wrap(d.y(), pred.shape());
        double mse = MeanSquaredError.lossAndGrad(pred, target, Tensor.zeros(pred.shape()));
        if (!Double.isFinite(mse)) {
            throw new ArithmeticException("trained model: mean squared error on the training data is " + mse
                    + "; training diverged; try a smaller learning rate (--lr) or gradient clipping (--clip-norm)");
        }
    }

    private void save(Reporter r, ModelSpec m) throws java.io.IOException {
        NonFinite.requireWeights(m.net(), "trained model");
        if (save != null) {
            Models.save(m, save, layout.layout(), layout.masksOut, Map.of());
            r.line("saved " + ModelArgs.describeWritten(save, layout.layout(), layout.masksOut));
        }
    }

    private int trainOnGpu(Reporter r, ModelSpec m, TrainConfig cfg, Split s) throws java.io.IOException {
        try (dev.jprune.gpu.GpuContext ctx = dev.jprune.gpu.GpuContext.open();
             dev.jprune.gpu.train.DeviceDataset tr = new dev.jprune.gpu.train.DeviceDataset(ctx, s.train());
             dev.jprune.gpu.train.DeviceDataset te = new dev.jprune.gpu.train.DeviceDataset(ctx, s.test());
             dev.jprune.gpu.train.GpuTrainer t = new dev.jprune.gpu.train.GpuTrainer(ctx, m, cfg, false)) {
            r.line(m.net().describe() + " — " + m.net().parameterCount() + " parameters, on " + ctx.deviceName());
            r.linef("data: %s train %d / test %d (on the device)", data.data, s.train().size(), s.test().size());
            for (int e = 0; e < cfg.epochs(); e++) {
                EpochStats st = NonFinite.require(t.trainEpoch(tr, e, r), "epoch " + (e + 1));
                Evaluation ev = NonFinite.require(t.evaluate(te, 1000), "test evaluation after epoch " + (e + 1));
                r.linef("epoch %d: loss %.4f  test acc %.2f%%  %.0f samples/s  %.2fs", e + 1, st.trainLoss(), 100 * ev.accuracy(), st.samplesPerSecond(), st.seconds());
            }
            t.model().download(false);
        }
        save(r, m);
        return 0;
    }
}
