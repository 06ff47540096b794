package dev.jprune.cli;

import dev.jprune.Pruning;
import dev.jprune.PruningReport;
import dev.jprune.data.Dataset;
import dev.jprune.data.Split;
import dev.jprune.io.Checkpoint;
import dev.jprune.models.Architecture;
import dev.jprune.models.CheckpointModels;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.PruningPlan;
import dev.jprune.prune.PruningRun;
import dev.jprune.train.Evaluation;
import dev.jprune.train.NonFinite;
import dev.jprune.train.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "prune", mixinStandardHelpOptions = true, description = {
        "Prune a model. With --weights: prune the given weights (no training) and write them with their masks to",
        "--out; with --weights and no --model: prune any safetensors checkpoint (or sharded index) by tensor name,",
        "out of core.",
        "Without --weights: train densely, then prune on a schedule with masked fine-tuning; several"
                + " --criterion/--sparsity",
        "values make a sweep (results.json, results.csv and accuracy-vs-sparsity.png in --out-dir)."})
final class PruneCommand implements Callable<Integer> {
    @Mixin Options.Data data = new Options.Data();
    @Mixin Options.Train train = new Options.Train();
    @Mixin Options.Prune prune = new Options.Prune();
    @Mixin Options.Save layout = new Options.Save();
    @Mixin CheckpointPrune.Flags checkpoint = new CheckpointPrune.Flags();
    @Mixin ModelOptionArgs modelArgs = new ModelOptionArgs();
    @Mixin ShrinkOption shrink = new ShrinkOption();
    @Option(names = "--weights", description = "a .safetensors state_dict to prune as it is (PyTorch names: 0.weight,"
            + " ...); its model: --model, else the one a jprune file carries, else a chain of Linear layers; with"
            + " none of these (or with --grads/--scores/--include/--exclude, or a sharded checkpoint's"
            + " model.safetensors.index.json) its tensors are pruned by name, out of core")
    Path weights;
    @Option(names = "--out", description = "with --weights: the pruned .safetensors file to write (for a sharded"
            + " checkpoint its index; the shards go beside it)")
    Path out;
    @Option(names = "--out-dir", defaultValue = "out",
            description = "folder for results of a training run. Default: ${DEFAULT-VALUE}")
    Path outDir;
    @Option(names = "--save",
            description = "write the pruned model of the last run (weights + masks) to this .safetensors file")
    Path save;
    @Option(names = "--quiet", description = "no progress output")
    boolean quiet;
    @Spec CommandSpec spec;

    static final String PLOT_FILE = "accuracy-vs-sparsity.png";
    /** The plot of a regression run: test MSE against sparsity. */
    static final String MSE_PLOT_FILE = "mse-vs-sparsity.png";

    private String dataSpec;

    /**
     * A fresh model: the --weights file's, else --model's (a built-in, sized by tabular data where it takes its size
     * from it, or a model file), with --no-bias/--init.
     */
    private ModelSpec model() throws java.io.IOException {
        if (arch != null) return Models.build(arch, train.seed, modelArgs.options());
        return DataLoading.build(train.modelName(), train.seed, modelArgs, data, dataSpec);
    }

    /** The model every run of this command builds (from --model, or the --weights file's). */
    private Architecture arch;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(quiet);
        if (CheckpointPrune.applies(spec, this)) return CheckpointPrune.run(spec, this, r);
        CheckpointPrune.refuseOnModelPath(spec);
        Device.check(train.device);
        if (weights != null) {
            ModelArgs.checkWeightsFile(weights, "--weights");
            arch = weightsModel(r);
            if (arch == null) return CheckpointPrune.run(spec, this, r);  // no model anywhere: prune tensors by name
        }
        dataSpec = DataLoading.dataSpec(spec, data, arch != null ? arch.name() : train.modelName());
        ModelSpec probe = model();
        OptionChecks.prune(spec, this, probe);
        OptionChecks.train(spec, train, probe);
        validateSpecs(probe);
        if (weights != null) {
            if (out == null) throw new IllegalArgumentException("prune --weights needs --out FILE.safetensors");
            OutputPaths.checkFile(out, "--out");  // --out onto --weights is pruning in place: allowed
            OutputPaths.checkNotInput(layout.masksOut, "--masks-out", weights, "--weights");
            layout.check(spec, out, "--out");
        } else {
            boolean regression = probe.task() == ModelSpec.Task.REGRESSION;
            String[] results = {"results.json", "results.csv", regression ? MSE_PLOT_FILE : PLOT_FILE};
            OutputPaths.checkDirectory(outDir, "--out-dir", results);
            OutputPaths.checkApartFromResults(save, "--save", outDir, results);
            OutputPaths.checkApartFromResults(layout.masksOut, "--masks-out", outDir, results);
            OutputPaths.checkFile(save, "--save", outDir);  // the run creates --out-dir before it saves
            layout.check(spec, save, "--save", outDir);
        }
        OutputPaths.checkNotReadInputs(out, "--out", train.model, dataSpec);
        OutputPaths.checkNotReadInputs(save, "--save", train.model, dataSpec);
        OutputPaths.checkNotReadInputs(layout.masksOut, "--masks-out", train.model, dataSpec);
        return weights != null ? pruneWeights(r) : pruneWithTraining(r);
    }

    /** The model of --weights: --model (checked against the file's), the file's own, a Linear chain, or null. */
    private Architecture weightsModel(Reporter r) throws java.io.IOException {
        return ModelArgs.forWeights(train.model, weights, r);
    }

    private int pruneWeights(Reporter r) throws Exception {
        if (prune.criteria.size() != 1 || prune.sparsity.size() != 1 || prune.threshold != null
                && prune.threshold.size() > 1) {
            throw new IllegalArgumentException("prune --weights takes one --criterion and one --sparsity or "
                    + "--threshold");
        }
        ModelSpec m = model();
        r.line(ModelArgs.describeLoaded(weights, Checkpoint.load(weights, m.net())));
        PruneSpec spec = prune.spec(prune.criteria.get(0), prune.sparsity.get(0));
        Dataset scoreData = null;
        if (spec.needsGradients()) {
            Split s = data.load(dataSpec);
            m.requireData(s.train());
            scoreData = s.train();
        }
        Device.resolve(train.device, m, train.config(m), false, r); // its notice after the inputs were read
        PruningReport rep = Pruning.of(m).spec(spec).training(train.config(m)).pruneOnce(scoreData);
        if (spec.needsGradients()) {
            r.notice("scores: " + spec.criterion() + " accumulated over " + rep.prunes().get(0).scoreBatches()
                    + " batches of " + data.data);
        }
        Map<String, String> meta = new LinkedHashMap<>(Map.of("pruned_by", "jprune", "criterion",
                spec.criterion().name().toLowerCase(Locale.ROOT)));
        // Threshold mode ignores --sparsity: the file records the sparsity reached and the threshold.
        meta.put("sparsity", Double.toString(spec.thresholdMode() ? rep.sparsity() : spec.sparsity()));
        if (spec.thresholdMode()) meta.put("threshold", Float.toString(spec.thresholdEps()));
        Models.save(m, out, layout.layout(), layout.masksOut, meta);
        printDensities(r, rep.layers());
        warnEmptyLayers(r, rep.layers().stream().map(PruningReport.Layer::name).toArray(String[]::new),
                rep.layers().stream().mapToDouble(l -> l.kept() / (double) l.parameters()).toArray());
        long kept = rep.layers().stream().mapToLong(PruningReport.Layer::kept).sum();
        long candidates = rep.layers().stream().mapToLong(PruningReport.Layer::parameters).sum();
        r.linef("kept %d of %d weights (sparsity %.4f); wrote %s", kept, candidates, rep.sparsity(),
                ModelArgs.describeWritten(out, layout.layout(), layout.masksOut));
        return 0;
    }

    /**
     * Every (criterion, sparsity) combination is valid for the model, density bounds included, and a training run's
     * schedule and rewinding, before any work.
     */
    private void validateSpecs(ModelSpec m) {
        if (prune.criteria.isEmpty()) throw new IllegalArgumentException("--criterion lists no criterion");
        if (prune.sparsity.isEmpty()) throw new IllegalArgumentException("--sparsity lists no value");
        if (prune.threshold != null && prune.threshold.isEmpty() && OptionChecks.given(spec, "--threshold")) {
            throw new IllegalArgumentException("--threshold lists no value");
        }
        if (weights == null) {
            prune.schedule(prune.scheduleName(OptionChecks.given(spec, "--schedule")), 1); // its name and options
            rewindStep();
        }
        for (String c : prune.criteria) {
            for (double sp : prune.sparsity) {
                for (float eps : thresholds()) new ModelPruner(m.net(), prune.spec(c, sp, eps)).checkTarget(sp);
            }
        }
    }

    /** The --threshold values of a sweep, or one NaN (no threshold). */
    private List<Float> thresholds() {
        return prune.threshold == null || prune.threshold.isEmpty() ? List.of(Float.NaN) : prune.threshold;
    }

    /** A layer pruned to nothing cuts the network: the output no longer depends on the input through it. */
    static void warnEmptyLayers(Reporter r, String[] names, double[] densities) {
        for (int i = 0; i < names.length; i++) {
            if (densities[i] == 0) {
                r.notice("warning: layer " + names[i] + " has no weights left (density 0): the model's outputs no"
                        + " longer depend on its inputs; lower --sparsity or bound it with --min-density");
            }
        }
    }

    static void printDensities(Reporter r, List<PruningReport.Layer> layers) {
        r.linef("%-12s %12s %12s %9s", "tensor", "params", "kept", "density");
        for (PruningReport.Layer l : layers) {
            r.linef("%-12s %12d %12d %8.2f%%", l.name(), l.parameters(), l.kept(), 100.0 * l.kept() / l.parameters());
        }
    }

    private int pruneWithTraining(Reporter r) throws Exception {
        Split s = data.load(dataSpec);
        ModelSpec dense = model();
        dense.requireData(s.train());
        TrainConfig cfg = train.config(dense);
        String device = Device.resolve(train.device, dense, cfg, true, r); // its notice after the data was read
        boolean regression = s.train().isRegression();
        r.setBatchSize(cfg.batchSize());
        List<String> criteria = prune.criteria;
        List<Double> sparsities = prune.sparsity;
        String scheduleName = prune.scheduleName(OptionChecks.given(spec, "--schedule"));
        r.line(dense.net().describe() + " — " + dense.net().parameterCount() + " parameters, data " + dataSpec
                + " (train " + s.train().size() + ", test " + s.test().size() + ")");
        // Train the dense model once; every (criterion, sparsity) run starts from a copy of it.
        Evaluation denseEval, denseTrain = null;
        try (dev.jprune.train.Backend b = Device.open(device, dense, cfg)) {
            r.onPhase("dense on " + b.describe(), cfg.epochs());
            dev.jprune.train.StopRule.Tracker stop = cfg.stop().tracker();
            for (int e = 0; e < cfg.epochs(); e++) {
                var st = NonFinite.require(b.trainEpoch(s.train(), e, r), "dense epoch " + (e + 1));
                if (cfg.stop().active() && e + 1 < cfg.epochs() && stop.stopAfter(st.trainLoss())) {
                    r.onEarlyStop(e + 1, stop.reason());
                    break;
                }
            }
            denseEval = NonFinite.require(b.evaluate(s.test()), "dense model on " + s.test().name());
            if (regression) denseTrain = NonFinite.require(b.evaluate(s.train()), "dense model on " + s.train().name());
            b.syncToHost();
        }
        if (regression) r.linef("dense test mse: %.6f (train %.6f)", denseEval.loss(), denseTrain.loss());
        else r.linef("dense test accuracy: %.2f%%", 100 * denseEval.accuracy());
        float[][] denseWeights = dense.net().copyValues();
        Results results = new Results();
        results.regression = regression;
        results.header.put("model", dense.name());
        results.header.put("data", dataSpec);
        results.header.put("task", regression ? "regression" : "classification");
        results.header.put("train_samples", s.train().size());
        results.header.put("epochs", cfg.epochs());
        results.header.put("fine_tune_epochs", prune.fineTuneEpochs);
        results.header.put("schedule", scheduleName);
        results.header.put("granularity", prune.granularity);
        results.header.put("scope", prune.scope);
        if (regression) {
            results.header.put("dense_train_mse", denseTrain.loss());
            results.header.put("dense_test_mse", denseEval.loss());
        } else {
            results.header.put("dense_accuracy", denseEval.accuracy());
        }
        results.header.put("seed", cfg.seed());
        List<String[]> table = new ArrayList<>();
        ModelSpec last = null;
        for (String c : criteria) {
            for (double sp : sparsities) {
                for (float eps : thresholds()) {
                    PruneSpec spec = prune.spec(c, sp, eps);
                    boolean snip = spec.criterion() == dev.jprune.prune.Criterion.SNIP;
                    // SNIP prunes at initialisation and rewinding needs the early weights: those runs train from
                    // scratch.
                    boolean fromScratch = snip || rewindKind() != PruningPlan.Rewind.NONE;
                    ModelSpec m = model();
                    if (!fromScratch) m.net().setValues(denseWeights);
                    long steps = (long) prune.fineTuneEpochs * ((s.train().size()
                            + cfg.batchSize() - 1) / cfg.batchSize());
                    PruningPlan.Builder pb = PruningPlan.builder(spec).schedule(prune.schedule(scheduleName, steps))
                            .denseEpochs(fromScratch ? cfg.epochs() : 0).fineTuneEpochs(prune.fineTuneEpochs)
                            .fineTuneLr(prune.fineTuneLr);
                    if (rewindKind() == PruningPlan.Rewind.INIT) pb.rewindToInit();
                    if (rewindKind() == PruningPlan.Rewind.STEP) pb.rewindToStep(rewindStep());
                    PruningPlan plan = pb.build();
                    // The dense model is trained above: a run from it trains no dense epoch (cfg.epochs counts them).
                    TrainConfig runCfg = cfg.withEpochs(plan.denseEpochs());
                    PruningRun.Outcome o;
                    try (dev.jprune.train.Backend b = Device.open(device, m, runCfg)) {
                        o = new PruningRun(m, runCfg, plan, r, b).run(s);
                    }
                    results.add(c, sp, eps, scheduleName, o, denseEval, denseTrain);
                    warnEmptyLayers(r, o.targetNames(), o.densities());
                    table.add(row(c, eps, o, denseEval, regression));
                    last = m;
                }
            }
        }
        r.line("");
        if (regression) r.linef("%-10s %9s %9s %12s %12s %12s %8s", "criterion", "threshold", "sparsity", "dense mse",
                "pruned now",
                "retrained", "time");
        else r.linef("%-10s %9s %9s %9s %10s %9s %8s %8s", "criterion", "threshold", "sparsity", "dense",
                "pruned now", "retrained",
                "delta", "time");
        String fmt = regression ? "%-10s %9s %9s %12s %12s %12s %8s" : "%-10s %9s %9s %9s %10s %9s %8s %8s";
        for (String[] row : table) r.linef(fmt, (Object[]) row);
        results.write(outDir);
        r.line("wrote " + outDir.resolve("results.json") + " and " + outDir.resolve("results.csv"));
        if (results.runs.size() > 1) {
            String plot = regression ? MSE_PLOT_FILE : PLOT_FILE;
            if (regression) {
                Plot.metricVsSparsity(results.runs, results.metricKey(), results.denseKey(), "test MSE", 1,
                        dense.name() + " on " + dataSpec + ": test MSE vs sparsity", outDir.resolve(plot));
            } else {
                Plot.accuracyVsSparsity(results.runs, dense.name() + " on " + dataSpec
                        + ": test accuracy vs sparsity", outDir.resolve(plot));
            }
            r.line("wrote " + outDir.resolve(plot));
        }
        if (save != null && last != null) {
            if (shrink.shrink) {
                var sr = ShrinkOption.save(last, save, layout);
                r.linef("saved %s: the shrunk model, %d of %d parameters (%s)", save, sr.parametersAfter(),
                        sr.parametersBefore(), sr.model().describe());
            } else {
                Models.save(last, save, layout.layout(), layout.masksOut, Map.of());
                r.line("saved " + ModelArgs.describeWritten(save, layout.layout(), layout.masksOut));
            }
        }
        return 0;
    }

    /** One line of the summary table: before pruning, right after the last prune (where measured), retrained. */
    private static String[] row(String c, float eps, PruningRun.Outcome o, Evaluation dense, boolean regression) {
        Evaluation now = o.evaluations().justPruned(), after = o.evaluations().pruned();
        String th = Float.isNaN(eps) ? "-" : String.format(Locale.ROOT, "%.3g", eps);
        String sp = String.format(Locale.ROOT, "%.4f", o.achievedSparsity());
        String time = String.format(Locale.ROOT, "%.1fs", o.seconds());
        if (regression) {
            return new String[] {c, th, sp, String.format(Locale.ROOT, "%.6f", dense.loss()),
                now == null ? "-" : String.format(Locale.ROOT, "%.6f", now.loss()), String.format(Locale.ROOT, "%.6f",
                        after.loss()), time};
        }
        return new String[] {c, th, sp, String.format(Locale.ROOT, "%.2f%%", 100 * dense.accuracy()),
            now == null ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * now.accuracy()),
            String.format(Locale.ROOT, "%.2f%%", 100 * o.prunedAccuracy()),
            String.format(Locale.ROOT, "%+.2f", 100 * (o.prunedAccuracy() - dense.accuracy())), time};
    }

    private PruningPlan.Rewind rewindKind() {
        String v = prune.rewind.toLowerCase(Locale.ROOT);
        if (v.equals("none")) return PruningPlan.Rewind.NONE;
        if (v.equals("init")) return PruningPlan.Rewind.INIT;
        try { Long.parseLong(v); return PruningPlan.Rewind.STEP; }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("--rewind must be none, init or a step number; got '" + prune.rewind
                    + "'");
        }
    }

    private long rewindStep() {
        long step = rewindKind() == PruningPlan.Rewind.STEP ? Long.parseLong(prune.rewind) : 0;
        if (step < 0) throw new IllegalArgumentException("--rewind STEP must be a step number >= 0; got " + step);
        return step;
    }
}
