package dev.jprune.cli;

import dev.jprune.models.ModelSpec;
import dev.jprune.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/**
 * Refuses, before any work, options that contradict each other or that the command would silently ignore, and
 * option values outside their range (the library checks some too, but without the option's name).
 */
final class OptionChecks {
    /** Options that only the training path of {@code prune} (without --weights) reads. */
    static final List<String> TRAINING_ONLY = List.of("--save", "--out-dir", "--epochs", "--fine-tune-epochs",
            "--fine-tune-lr", "--schedule", "--rounds", "--gradual-fraction", "--gradual-events", "--rewind", "--lr",
            "--optimizer", "--momentum", "--nesterov", "--weight-decay", "--clip-value", "--clip-norm", "--adam-eps",
            "--grad-mask", "--target-loss", "--patience", "--shrink");
    /** Options that only matter when scores come from gradients on data. */
    static final List<String> DATA_ONLY = List.of("--data", "--train-limit", "--score-batches", "--batch",
            "--accumulate", "--ema-momentum", "--target", "--task", "--test-fraction", "--input-scaling");

    private OptionChecks() {}

    /** Whether the user gave {@code option} on the command line (not just its default). */
    static boolean given(CommandSpec spec, String option) {
        ParseResult pr = spec.commandLine().getParseResult();
        return pr != null && pr.hasMatchedOption(option);
    }

    /** The first of {@code options} given on the command line, or null. */
    static String firstGiven(CommandSpec spec, List<String> options) {
        for (String o : options) if (given(spec, o)) return o;
        return null;
    }

    /** Throws IllegalArgumentException({@code message}) unless {@code ok}. */
    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /**
     * A sweep list naming one value twice would run (and report) it twice: refused. Values compare as the run reads
     * them (names without case, numbers by value: 0.5 and .50 are one value).
     */
    static void noRepeats(String option, List<?> values) {
        if (values == null) return;
        java.util.Set<Object> seen = new java.util.HashSet<>();
        for (Object v : values) {
            Object key = v instanceof String str ? str.trim().toLowerCase(Locale.ROOT)
                    : v instanceof Number num ? (Object) (num.doubleValue() + 0.0) : v; // -0 and 0: one value
            require(seen.add(key), option + " lists " + v + " twice: a sweep runs each value once; remove the repeat");
        }
    }

    private static boolean finiteAtLeastZero(float v) {
        return v >= 0 && Float.isFinite(v);
    }

    /** Training options of train and prune: ranges, and --data for a regression model (which makes its own data). */
    static void train(CommandSpec spec, Options.Train t, ModelSpec m) {
        require(t.epochs >= 0, "--epochs must be >= 0, got " + t.epochs);
        require(t.batch >= 1, "--batch must be >= 1, got " + t.batch);
        require(t.lr == null || (t.lr > 0 && Float.isFinite(t.lr)), "--lr must be a positive finite number, got "
                + t.lr);
        require(t.momentum == null || t.momentum >= 0 && t.momentum < 1, "--momentum must be in [0, 1), got "
                + t.momentum);
        require(finiteAtLeastZero(t.weightDecay), "--weight-decay must be a finite number >= 0, got " + t.weightDecay);
        for (float c : t.clipValue) require(finiteAtLeastZero(c), "--clip-value must be a finite number >= 0, got "
                + c);
        require(finiteAtLeastZero(t.clipNorm), "--clip-norm must be a finite number >= 0, got " + t.clipNorm);
        require(t.adamEps > 0 && Float.isFinite(t.adamEps), "--adam-eps must be a positive finite number, got "
                + t.adamEps);
        require(t.targetLoss == null || Double.isFinite(t.targetLoss) && t.targetLoss >= 0,
                "--target-loss must be a finite number >= 0 (losses are never negative), got " + t.targetLoss);
        require(t.patience >= 0, "--patience must be >= 0 (0 = off), got " + t.patience);
        noRepeats("--clip-value", t.clipValue);
        noRepeats("--grad-mask", t.gradMask);
        t.gradMasks();  // each value parses (IllegalArgumentException naming --grad-mask)
        optimizerOptions(spec, t, m);
        if (spec.commandLine().getCommandName().equals("prune")) {
            require(t.gradMask.size() == 1, "--grad-mask takes one value in prune (a sweep over it is for train)");
            require(t.clipValue.size() == 1, "--clip-value takes one value in prune (a sweep over it is for train)");
        }
    }

    /**
     * Options of the other optimizer than the one that trains (--optimizer, else the model's) would be ignored:
     * --momentum and --nesterov are SGD's, --adam-eps Adam's; Nesterov momentum needs a momentum (PyTorch refuses
     * nesterov=True with momentum 0 too).
     */
    private static void optimizerOptions(CommandSpec spec, Options.Train t, ModelSpec m) {
        ModelSpec.OptimizerKind k = t.optimizer == null ? m.defaultOptimizer() : Options.parseOptimizer(t.optimizer);
        String which = k.name().toLowerCase(Locale.ROOT) + (t.optimizer == null ? " (" + m.name() + "'s default)"
                : "");
        if (k == ModelSpec.OptimizerKind.ADAM) {
            String bad = firstGiven(spec, List.of("--momentum", "--nesterov"));
            require(bad == null, bad + " is for SGD, but the optimizer is " + which + "; remove " + bad
                    + " or give --optimizer sgd");
        } else {
            require(!given(spec, "--adam-eps"), "--adam-eps is for Adam, but the optimizer is " + which
                    + "; remove --adam-eps or give --optimizer adam");
            float momentum = t.momentum != null ? t.momentum : m.defaultMomentum();
            require(!t.nesterov || momentum > 0, "--nesterov needs momentum > 0, but the momentum is " + momentum
                    + "; give --momentum M or remove --nesterov");
        }
    }

    /** prune: contradictions between the two modes (with and without --weights) and the pruning options' ranges. */
    static void prune(CommandSpec spec, PruneCommand c, ModelSpec m) {
        Options.Prune p = c.prune;
        if (c.weights != null) {
            String bad = firstGiven(spec, TRAINING_ONLY);
            require(bad == null, bad + " does not apply to prune --weights (it prunes the given weights without"
                    + " training and writes them to --out); remove " + bad + ", or drop --weights to train and prune");
            // A linear model sized by tabular data reads the data for its size, whatever the criterion.
            boolean sizedByData = DataLoading.sizedByData(c.train.modelName()) && DataLoading.tabular(c.data.data);
            if (!sizedByData && p.criteria.stream().noneMatch(s -> SeedOptionChecks.readsGradients(p, s))) {
                String unused = firstGiven(spec, DATA_ONLY);
                require(unused == null, unused + " does not apply to prune --weights with --criterion "
                        + String.join(",", p.criteria) + ": it reads no gradients, so no data; remove " + unused);
            }
        } else {
            require(c.out == null, "--out is for prune --weights; to train and prune, write the weights with --save and"
                    + " the results with --out-dir");
        }
        if (p.threshold != null && !p.threshold.isEmpty()) {
            for (float eps : p.threshold) require(Float.isFinite(eps), "--threshold must be a finite number, got "
                    + eps);
            require(!given(spec, "--sparsity"), "--threshold and --sparsity contradict each other: threshold mode"
                    + " prunes every weight whose score is below the threshold, whatever fraction that is; give one");
            require(!p.granularity.toLowerCase(Locale.ROOT).equals("nm"),
                    "--threshold does not apply to --granularity nm"
                    + " (N:M keeps N of every M whatever the scores); use weights or neurons");
        }
        SeedOptionChecks.prune(spec, c, m);
        noRepeats("--criterion", p.criteria);
        noRepeats("--sparsity", p.sparsity);
        noRepeats("--threshold", p.threshold);
        for (double s : p.sparsity) {
            require(s >= 0 && s < 1, "--sparsity must be in [0, 1), got " + s
                    + (s == 1 ? " (1 would remove every weight: the model would output a constant)" : ""));
        }
        if (p.granularity.toLowerCase(Locale.ROOT).equals("nm")) {
            String[] nm = p.nm.split(":");
            require(nm.length != 2 || !nm[0].trim().equals("0"),
                    "--nm " + p.nm + " keeps no weight in any group (every layer would be empty); N must be >= 1");
        }
        require(finiteAtLeastZero(p.fineTuneLr), "--fine-tune-lr must be a finite number >= 0 (0 keeps the training"
                + " learning rate), got " + p.fineTuneLr);
        require(p.fineTuneEpochs >= 0, "--fine-tune-epochs must be >= 0, got " + p.fineTuneEpochs);
        require(p.rounds >= 1, "--rounds must be >= 1, got " + p.rounds);
        require(p.scoreBatches == null || p.scoreBatches >= 1, "--score-batches must be >= 1, got " + p.scoreBatches);
        require(p.minDensity >= 0 && p.minDensity <= 1, "--min-density must be in [0, 1], got " + p.minDensity);
        require(p.maxDensity >= 0 && p.maxDensity <= 1, "--max-density must be in [0, 1], got " + p.maxDensity);
        require(p.emaMomentum >= 0 && p.emaMomentum < 1, "--ema-momentum must be in [0, 1), got " + p.emaMomentum);
        excludedLayers(p.exclude, m);
        IgnoredPruneOptions.check(spec, p);
    }

    /** --exclude-layers names Sequential indices of layers with weights (excluding a ReLU would do nothing). */
    static void excludedLayers(List<Integer> exclude, ModelSpec m) {
        if (exclude == null || exclude.isEmpty()) return; // (prune without --model has no model and refuses the option)
        Map<String, Parameter> params = m.net().namedParameters();
        int layers = m.net().layers().size();
        List<Integer> withWeights = new ArrayList<>();
        for (int i = 0; i < layers; i++) if (params.containsKey(i + ".weight")) withWeights.add(i);
        for (int i : exclude) {
            require(i >= 0 && i < layers, "--exclude-layers " + i + ": " + m.name() + " has layers 0.." + (layers - 1)
                    + "; layers with weights: " + withWeights);
            require(params.containsKey(i + ".weight"), "--exclude-layers " + i + ": layer " + i + " of " + m.name()
                    + " (" + m.net().layer(i).describe() + ") has no weights to prune; layers with weights: "
                    + withWeights);
        }
    }
}
