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
        "Without --weights: train densely, then prune on a schedule with masked fine-tuning; several --criterion/--sparsity",
        "values make a sweep (results.json, results.csv and accuracy-vs-sparsity.png in --out-dir)."})
final class PruneCommand implements Callable<Integer> {
    @Mixin Options.Data data = new Options.Data();
    @Mixin Options.Train train = new Options.Train();
    @Mixin Options.Prune prune = new Options.Prune();
    @Mixin Options.Save layout = new Options.Save();
    @Mixin CheckpointPrune.Flags checkpoint = new CheckpointPrune.Flags();
    @Option(names = "--weights", description = "a .safetensors state_dict to prune as it is (PyTorch names: 0.weight,"
            + " ...); its model: --model, else the one a jprune file carries, else a chain of Linear layers; with"
            + " none of these (or with --grads/--scores/--include/--exclude, or a sharded checkpoint's"
            + " model.safetensors.index.json) its tensors are pruned by name, out of core")
    Path weights;
    @Option(names = "--out", description = "with --weights: the pruned .safetensors file to write (for a sharded"
            + " checkpoint its index; the shards go beside it)")
    Path out;
    @Option(names = "--out-dir", defaultValue = "out", description = "folder for results of a training run. Default: ${DEFAULT-VALUE}")
    Path outDir;
    @Option(names = "--save", description = "write the pruned model of the last run (weights + masks) to this .safetensors file")
    Path save;
    @Option(names = "--quiet", description = "no progress output")
    boolean quiet;
    @Spec CommandSpec spec;

    static final String PLOT_FILE = "accuracy-vs-sparsity.png";

    /** The model every run of this command builds (from --model, or the --weights file's). */
    private Architecture arch;

    @Override
    public Integer call() throws Exception {
        Reporter r = Reporter.system(quiet);
        if (CheckpointPrune.applies(spec, this)) return CheckpointPrune.run(spec, this, r);
        CheckpointPrune.refuseOnModelPath(spec);
        Device.check(train.device);
        if (weights != null) ModelArgs.checkWeightsFile(weights, "--weights");
        arch = weights != null ? weightsModel(r) : ModelArgs.named(train.modelName());
        if (arch == null) return CheckpointPrune.run(spec, this, r);  // no model anywhere: prune tensors by name
        ModelSpec probe = arch.build(train.seed);
        OptionChecks.prune(spec, this, probe);
        OptionChecks.train(spec, train, probe);
        validateSpecs(probe);
        if (weights != null) {
            if (out == null) throw new IllegalArgumentException("prune --weights needs --out FILE.safetensors");
            OutputPaths.checkFile(out, "--out");
        } else {
            OutputPaths.checkDirectory(outDir, "--out-dir", "results.json", "results.csv", PLOT_FILE);
            OutputPaths.checkFile(save, "--save");
        }
        layout.check(spec, weights != null ? out : save, weights != null ? "--out" : "--save");
        String device = Device.resolve(train.device, probe, weights == null, r);
        return weights != null ? pruneWeights(r) : pruneWithTraining(r, device);
    }

    /** The model of --weights: --model (checked against the file's), the file's own, a Linear chain, or null. */
    private Architecture weightsModel(Reporter r) throws java.io.IOException {
        return ModelArgs.forWeights(train.model, weights, r);
    }

    private int pruneWeights(Reporter r) throws Exception {
        if (prune.criteria.size() != 1 || prune.sparsity.size() != 1) throw new IllegalArgumentException("prune --weights takes one --criterion and one --sparsity");
        ModelSpec m = arch.build(train.seed);
        r.line(ModelArgs.describeLoaded(weights, Checkpoint.load(weights, m.net())));
        PruneSpec spec = prune.spec(prune.criteria.get(0), prune.sparsity.get(0));
        Dataset scoreData = null;
        if (spec.needsGradients()) {
            Split s = data.load();
            m.requireSampleShape(s.train().sampleShape(), s.train().name());
            scoreData = s.train();
        }
        PruningReport rep = Pruning.of(m).spec(spec).training(train.config(m)).pruneOnce(scoreData);
        if (spec.needsGradients()) {
            r.notice("scores: " + spec.criterion() + " accumulated over " + rep.prunes().get(0).scoreBatches() + " batches of " + data.data);
        }
        Models.save(m, out, layout.layout(), layout.masksOut, Map.of("pruned_by", "jprune", "criterion",
                spec.criterion().name().toLowerCase(Locale.ROOT), "sparsity", Double.toString(spec.sparsity())));
        printDensities(r, rep.layers());
        warnEmptyLayers(r, rep.layers().stream().map(PruningReport.Layer::name).toArray(String[]::new),
                rep.layers().stream().mapToDouble(l -> l.kept() / (double) l.parameters()).toArray());
        long kept = rep.layers().stream().mapToLong(PruningReport.Layer::kept).sum();
        long candidates = rep.layers().stream().mapToLong(PruningReport.Layer::parameters).sum();
        r.linef("kept %d of %d weights (sparsity %.4f); wrote %s", kept, candidates, rep.sparsity(),
                ModelArgs.describeWritten(out, layout.layout(), layout.masksOut));
        return 0;
    }

    /** Every (criterion, sparsity) combination is valid for the model, density bounds included, before any work. */
    private void validateSpecs(ModelSpec m) {
        for (String c : prune.criteria) {
            for (double sp : prune.sparsity) new ModelPruner(m.net(), prune.spec(c, sp)).checkTarget(sp);
        }
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

    private int pruneWithTraining(Reporter r, String device) throws Exception {
        Split s = data.load();
        ModelSpec dense = arch.build(train.seed);
        dense.requireSampleShape(s.train().sampleShape(), s.train().name());
        TrainConfig cfg = train.config(dense);
        r.setBatchSize(cfg.batchSize());
        List<String> criteria = prune.criteria;
        List<Double> sparsities = prune.sparsity;
        r.line(dense.net().describe() + " — " + dense.net().parameterCount() + " parameters, data " + data.data
                + " (train " + s.train().size() + ", test " + s.test().size() + ")");
        // Train the dense model once; every (criterion, sparsity) run starts from a copy of it.
        Evaluation denseEval;
        try (dev.jprune.train.Backend b = Device.open(device, dense, cfg)) {
            r.onPhase("dense on " + b.describe(), cfg.epochs());
            for (int e = 0; e < cfg.epochs(); e++) {
                NonFinite.require(b.trainEpoch(s.train(), e, r), "dense epoch " + (e + 1));
            }
            denseEval = NonFinite.require(b.evaluate(s.test()), "dense model on " + s.test().name());
            b.syncToHost();
        }
        r.linef("dense test accuracy: %.2f%%", 100 * denseEval.accuracy());
        float[][] denseWeights = dense.net().copyValues();
        Results results = new Results();
        results.header.put("model", dense.name());
        results.header.put("data", data.data);
        results.header.put("train_samples", s.train().size());
        results.header.put("epochs", cfg.epochs());
        results.header.put("fine_tune_epochs", prune.fineTuneEpochs);
        results.header.put("schedule", prune.schedule);
        results.header.put("granularity", prune.granularity);
        results.header.put("scope", prune.scope);
        results.header.put("dense_accuracy", denseEval.accuracy());
        results.header.put("seed", cfg.seed());
        List<String[]> table = new ArrayList<>();
        ModelSpec last = null;
        for (String c : criteria) {
            for (double sp : sparsities) {
                PruneSpec spec = prune.spec(c, sp);
                boolean snip = spec.criterion() == dev.jprune.prune.Criterion.SNIP;
                // SNIP prunes at initialisation and rewinding needs the early weights: those runs train from scratch.
                boolean fromScratch = snip || rewindKind() != PruningPlan.Rewind.NONE;
                ModelSpec m = arch.build(train.seed);
                if (!fromScratch) m.net().setValues(denseWeights);
                long steps = (long) prune.fineTuneEpochs * ((s.train().size() + cfg.batchSize() - 1) / cfg.batchSize());
                PruningPlan.Builder pb = PruningPlan.builder(spec).schedule(prune.schedule(steps)).denseEpochs(fromScratch ? cfg.epochs() : 0)
                        .fineTuneEpochs(prune.fineTuneEpochs).fineTuneLr(prune.fineTuneLr);
                if (rewindKind() == PruningPlan.Rewind.INIT) pb.rewindToInit();
                if (rewindKind() == PruningPlan.Rewind.STEP) pb.rewindToStep(rewindStep());
                PruningPlan plan = pb.build();
                // The dense model is trained above: a run from it trains no dense epoch (cfg.epochs counts them).
                TrainConfig runCfg = cfg.withEpochs(plan.denseEpochs());
                PruningRun.Outcome o;
                try (dev.jprune.train.Backend b = Device.open(device, m, runCfg)) {
                    o = new PruningRun(m, runCfg, plan, r, b).run(s);
                }
                double denseAcc = snip || Double.isNaN(o.denseAccuracy()) ? denseEval.accuracy() : o.denseAccuracy();
                PruningRun.Outcome o2 = new PruningRun.Outcome(denseAcc, o.prunedAccuracy(), o.achievedSparsity(), o.targetNames(), o.densities(), o.prunes(), o.seconds());
                results.add(c, sp, prune.schedule, o2);
                warnEmptyLayers(r, o.targetNames(), o.densities());
                table.add(new String[] {c, String.format(Locale.ROOT, "%.4f", o.achievedSparsity()), String.format(Locale.ROOT, "%.2f%%", 100 * denseAcc),
                        String.format(Locale.ROOT, "%.2f%%", 100 * o.prunedAccuracy()), String.format(Locale.ROOT, "%+.2f", 100 * (o.prunedAccuracy() - denseAcc)),
                        String.format(Locale.ROOT, "%.1fs", o.seconds())});
                last = m;
            }
        }
        r.line("");
        r.linef("%-10s %9s %9s %9s %8s %8s", "criterion", "sparsity", "dense", "pruned", "delta", "time");
        for (String[] row : table) r.linef("%-10s %9s %9s %9s %8s %8s", (Object[]) row);
        results.write(outDir);
        r.line("wrote " + outDir.resolve("results.json") + " and " + outDir.resolve("results.csv"));
        if (results.runs.size() > 1) {
            String title = dense.name() + " on " + data.data + ": test accuracy vs sparsity";
            Plot.accuracyVsSparsity(results.runs, title, outDir.resolve(PLOT_FILE));
            r.line("wrote " + outDir.resolve(PLOT_FILE));
        }
        if (save != null && last != null) {
            Models.save(last, save, layout.layout(), layout.masksOut, Map.of());
            r.line("saved " + ModelArgs.describeWritten(save, layout.layout(), layout.masksOut));
        }
        return 0;
    }

    private PruningPlan.Rewind rewindKind() {
        String v = prune.rewind.toLowerCase(Locale.ROOT);
        if (v.equals("none")) return PruningPlan.Rewind.NONE;
        if (v.equals("init")) return PruningPlan.Rewind.INIT;
        try { Long.parseLong(v); return PruningPlan.Rewind.STEP; }
        catch (NumberFormatException e) { throw new IllegalArgumentException("--rewind must be none, init or a step number; got '" + prune.rewind + "'"); }
    }

    private long rewindStep() {
        return rewindKind() == PruningPlan.Rewind.STEP ? Long.parseLong(prune.rewind) : 0;
    }
}
