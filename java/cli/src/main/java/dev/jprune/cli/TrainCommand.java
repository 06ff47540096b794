package dev.jprune.cli;

import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.optim.GradMask;
import dev.jprune.train.EpochStats;
import dev.jprune.train.Evaluation;
import dev.jprune.train.NonFinite;
import dev.jprune.train.StopRule;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true, description = {
        "Train a model densely and report loss, accuracy (regression: train and test MSE) and samples/s per epoch.",
        "Several --grad-mask or --clip-value values make a sweep: one run per combination from the same initial "
                + "weights,",
        "then a table."})
final class TrainCommand implements Callable<Integer> {
    @Mixin Options.Data data = new Options.Data();
    @Mixin Options.Train train = new Options.Train();
    @Mixin Options.Save layout = new Options.Save();
    @Mixin ModelOptionArgs modelArgs = new ModelOptionArgs();
    @Option(names = "--save", description = "write the trained weights to this .safetensors file")
    Path save;
    @Option(names = "--quiet", description = "no progress output")
    boolean quiet;
    @Spec CommandSpec spec;

    /** Models with at most this many parameters have them printed after training (the write-ups' θ). */
    static final int PRINT_PARAMETERS = 16;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(quiet);
        Device.check(train.device);
        String dataSpec = DataLoading.dataSpec(spec, data, train.modelName());
        ModelSpec m = DataLoading.build(train.modelName(), train.seed, modelArgs, data, dataSpec);
        OptionChecks.train(spec, train, m);
        List<GradMask> masks = train.gradMasks();
        TrainConfig cfg = train.config(m);
        OutputPaths.checkFile(save, "--save");
        layout.check(spec, save, "--save");
        OutputPaths.checkNotReadInputs(save, "--save", train.model, dataSpec);
        OutputPaths.checkNotReadInputs(layout.masksOut, "--masks-out", train.model, dataSpec);
        int runs = masks.size() * train.clipValue.size();
        if (runs > 1 && save != null) {
            throw new IllegalArgumentException("--save writes one model; a --grad-mask / --clip-value sweep trains "
                    + runs + " (give one value of each to save it)");
        }
        Split s = data.load(dataSpec);
        m.requireData(s.train());
        String device = Device.resolve(train.device, m, cfg, true, r);
        r.setBatchSize(cfg.batchSize());
        r.setEpochLines(false);
        if (runs > 1) return sweep(r, masks, s, dataSpec);
        if (device.equals("gpu")) return trainOnGpu(r, m, cfg, s);
        Trainer t = new Trainer(m, cfg);
        r.line(m.net().describe() + " — " + m.net().parameterCount() + " parameters, " + t.optimizer().describe()
                + (cfg.gradMask().active() ? ", gradient mask " + cfg.gradMask().describe() : ""));
        r.linef("data: %s train %d / test %d", dataSpec, s.train().size(), s.test().size());
        fit(r, m, t, cfg, s, true);
        printParameters(r, m);
        save(r, m);
        return 0;
    }

    /**
     * Trains {@code cfg.epochs()} epochs (fewer when the stop rule says so), printing every epoch of a short run and
     * about ten lines of a long one. Returns the last test evaluation.
     */
    private static Evaluation fit(Reporter r, ModelSpec m, Trainer t, TrainConfig cfg, Split s, boolean print) {
        int every = cfg.epochs() <= 20 ? 1 : (cfg.epochs() + 9) / 10;
        StopRule.Tracker stop = cfg.stop().tracker();
        Evaluation ev = null;
        boolean regression = s.train().isRegression();
        for (int e = 0; e < cfg.epochs(); e++) {
            EpochStats st = NonFinite.require(t.trainEpoch(s.train(), e, r), "epoch " + (e + 1));
            boolean stopping = cfg.stop().active() && e + 1 < cfg.epochs() && stop.stopAfter(st.trainLoss());
            boolean show = print && ((e + 1) % every == 0 || e + 1 == cfg.epochs() || stopping);
            if (!show && !regression) continue;
            ev = NonFinite.require(Trainer.evaluate(m.net(), s.test(), 500), "test evaluation after epoch " + (e + 1));
            if (!show) continue;
            if (regression) {
                Evaluation tr = NonFinite.require(Trainer.evaluate(m.net(), s.train(), 500),
                        "train evaluation after epoch " + (e + 1));
                r.linef("epoch %d: train mse %.6f  test mse %.6f  %.0f samples/s", e + 1, tr.loss(), ev.loss(),
                        st.samplesPerSecond());
            } else {
                r.linef("epoch %d: loss %.4f  train acc %.2f%%  test acc %.2f%%  %.0f samples/s  %.1fs",
                        e + 1, st.trainLoss(), 100 * st.trainAccuracy(), 100 * ev.accuracy(), st.samplesPerSecond(),
                        st.seconds());
            }
            if (stopping) {
                r.notice("stopped after epoch " + (e + 1) + ": " + stop.reason());
                break;
            }
        }
        if (ev == null) ev = NonFinite.require(Trainer.evaluate(m.net(), s.test(), 500), "test evaluation");
        return ev;
    }

    /** One run per (clip value, gradient mask), each from the same initial weights (the seed), then a table. */
    private int sweep(Reporter r, List<GradMask> masks, Split s, String dataSpec) throws Exception {
        boolean regression = s.train().isRegression();
        List<String[]> rows = new ArrayList<>();
        for (float clip : train.clipValue) for (GradMask mask : masks) {
            ModelSpec m = DataLoading.build(train.modelName(), train.seed, modelArgs, data, dataSpec);
            TrainConfig cfg = train.config(m, mask, clip);
            Trainer t = new Trainer(m, cfg);
            if (rows.isEmpty()) r.line(m.net().describe() + " — " + t.optimizer().describe() + "; data " + dataSpec);
            Evaluation test = fit(r, m, t, cfg, s, false);
            NonFinite.requireWeights(m.net(), "model trained with --grad-mask " + mask.describe());
            String metric;
            if (regression) {
                Evaluation tr = NonFinite.require(Trainer.evaluate(m.net(), s.train(), 500), "train evaluation");
                metric = String.format(Locale.ROOT, "%12.6f %12.6f", tr.loss(), test.loss());
            } else {
                metric = String.format(Locale.ROOT, "%11.2f%%", 100 * test.accuracy());
            }
            rows.add(new String[] {clip > 0 ? String.valueOf(clip) : "off", mask.describe(), metric, parameters(m)});
        }
        r.line("");
        r.linef("%-10s %-16s %s  %s", "clip-value", "grad-mask", regression ? String.format(Locale.ROOT, "%12s %12s",
                "train mse", "test mse")
                : String.format(Locale.ROOT, "%12s", "test acc"), "parameters");
        for (String[] row : rows) r.linef("%-10s %-16s %s  %s", (Object[]) row);
        return 0;
    }

    /** "0.weight=[1.93], 0.bias=[0.51]" for a model of at most {@link #PRINT_PARAMETERS} parameters, else "". */
    static String parameters(ModelSpec m) {
        if (m.net().parameterCount() > PRINT_PARAMETERS) return "";
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : m.net().namedParameters().entrySet()) {
            StringBuilder b = new StringBuilder(e.getKey()).append("=[");
            float[] v = e.getValue().value.data;
            for (int i = 0; i < v.length; i++) b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f",
                    v[i]));
            parts.add(b.append(']').toString());
        }
        return String.join(", ", parts);
    }

    private static void printParameters(Reporter r, ModelSpec m) {
        String p = parameters(m);
        if (!p.isEmpty()) r.line("parameters: " + p);
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
            StopRule.Tracker stop = cfg.stop().tracker();
            for (int e = 0; e < cfg.epochs(); e++) {
                EpochStats st = NonFinite.require(t.trainEpoch(tr, e, r), "epoch " + (e + 1));
                Evaluation ev = NonFinite.require(t.evaluate(te, 1000), "test evaluation after epoch " + (e + 1));
                r.linef("epoch %d: loss %.4f  test acc %.2f%%  %.0f samples/s  %.2fs", e + 1, st.trainLoss(),
                        100 * ev.accuracy(), st.samplesPerSecond(), st.seconds());
                if (cfg.stop().active() && e + 1 < cfg.epochs() && stop.stopAfter(st.trainLoss())) {
                    r.notice("stopped after epoch " + (e + 1) + ": " + stop.reason());
                    break;
                }
            }
            t.model().download(false);
        }
        save(r, m);
        return 0;
    }
}
