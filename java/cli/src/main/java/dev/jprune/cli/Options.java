package dev.jprune.cli;

import dev.jprune.data.Datasets;
import dev.jprune.data.Normalization;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.Granularity;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.Schedule;
import dev.jprune.prune.Scope;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.prune.Structured;
import dev.jprune.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Option;

/** Option groups shared by the commands (picocli mixins). */
final class Options {
    private Options() {}

    static final class Data {
        @Option(names = "--data", defaultValue = "embedded", description = "embedded | fashion-mnist | DIR (IDX or CIFAR-10 binary files). Default: ${DEFAULT-VALUE}")
        String data;

        @Option(names = "--train-limit", defaultValue = "0", description = "use only the first N training samples (0 = all)")
        int trainLimit;

        /** Loads the split and standardises it with the training set's per-channel statistics. */
        Split load() throws IOException {
            if (trainLimit < 0) throw new IllegalArgumentException("--train-limit must be >= 0, got " + trainLimit);
            Split s = Datasets.load(data);
            if (s.train().size() == 0) {
                throw new IllegalArgumentException("--data " + data + ": the training split is empty (0 samples)");
            }
            if (s.test().size() == 0) {
                throw new IllegalArgumentException("--data " + data + ": the test split is empty (0 samples); accuracy"
                        + " needs at least one test sample");
            }
            if (trainLimit > 0 && trainLimit < s.train().size()) s = new Split(s.train().subset(0, trainLimit), s.test());
            Normalization.fitAndApply(s);
            return s;
        }
    }

    static final class Train {
        @Option(names = "--model", description = "mlp-128 | lenet-300-100 | lenet-5 | cifar-cnn-a | cifar-cnn-b"
                + " | linear-regression | FILE.json (a model file, docs/MODELS.md). Default: lenet-300-100; with"
                + " --weights: the model the file carries")
        String model;
        @Option(names = "--epochs", defaultValue = "10", description = "training epochs. Default: ${DEFAULT-VALUE}")
        int epochs;
        @Option(names = "--batch", defaultValue = "128", description = "mini-batch size. Default: ${DEFAULT-VALUE}")
        int batch;
        @Option(names = "--lr", description = "learning rate (default: the model's)")
        Float lr;
        @Option(names = "--optimizer", description = "sgd | adam (default: the model's)")
        String optimizer;
        @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum. Default: ${DEFAULT-VALUE}")
        float momentum;
        @Option(names = "--nesterov", description = "Nesterov momentum (SGD)")
        boolean nesterov;
        @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay. Default: ${DEFAULT-VALUE}")
        float weightDecay;
        @Option(names = "--clip-value", defaultValue = "0", description = "clamp gradients into [-C, C] (0 = off)")
        float clipValue;
        @Option(names = "--clip-norm", defaultValue = "0", description = "scale gradients to global L2 norm <= M (0 = off)")
        float clipNorm;
        @Option(names = "--seed", defaultValue = "1", description = "seed for weights, batch order and dropout. Default: ${DEFAULT-VALUE}")
        long seed;
        @Option(names = "--device", defaultValue = "auto", description = "cpu | gpu | auto. Default: ${DEFAULT-VALUE}")
        String device;

        /** --model, or the default model when it is not given. */
        String modelName() { return model != null ? model : ModelArgs.DEFAULT_MODEL; }

        TrainConfig config(ModelSpec m) {
            OptimizerKind k = optimizer == null ? m.defaultOptimizer() : parseOptimizer(optimizer);
            float rate = lr == null ? (k == m.defaultOptimizer() ? m.defaultLr() : (k == OptimizerKind.ADAM ? 1e-3f : 0.05f)) : lr;
            if (clipValue < 0) throw new IllegalArgumentException("--clip-value must be >= 0, got " + clipValue);
            if (clipNorm < 0) throw new IllegalArgumentException("--clip-norm must be >= 0, got " + clipNorm);
            return TrainConfig.builder(m).optimizer(k).lr(rate).epochs(epochs).batchSize(batch).momentum(momentum).weightDecay(weightDecay)
                    .nesterov(nesterov).clipValue(clipValue).clipNorm(clipNorm).seed(seed).build();
        }
    }

    /** How the masks are stored in the checkpoints a command writes (docs/PYTORCH.md). */
    static final class Save {
        @Option(names = "--layout", defaultValue = "masked", description = "masked | torch-prune | plain: how what is"
                + " written stores the masks: masked (NAME + NAME_mask, jprune's), torch-prune (NAME_orig +"
                + " NAME_mask, loads strictly after torch.nn.utils.prune.identity), plain (pruned weights only, loads"
                + " strictly into the unpruned model; masks to --masks-out). Default: ${DEFAULT-VALUE}")
        String layout;
        @Option(names = "--masks-out", description = "with --layout plain: write the masks (NAME_mask) to this"
                + " .safetensors file")
        Path masksOut;

        dev.jprune.io.Layout layout() { return dev.jprune.io.Layout.parse(layout); }

        /**
         * Before any work: the layout's name, --masks-out only with plain, and its location (writable, not the
         * checkpoint {@code file} itself); {@code file} null (nothing written) refuses --layout and --masks-out.
         */
        void check(picocli.CommandLine.Model.CommandSpec spec, Path file, String fileOption) {
            dev.jprune.io.Layout l = layout();
            if (file == null) {
                String given = OptionChecks.firstGiven(spec, List.of("--layout", "--masks-out"));
                if (given != null) {
                    throw new IllegalArgumentException(given + " applies to the checkpoint " + fileOption
                            + " writes; give " + fileOption + " FILE or remove " + given);
                }
                return;
            }
            if (masksOut == null) return;
            if (l != dev.jprune.io.Layout.PLAIN) {
                throw new IllegalArgumentException("--masks-out is for --layout plain (layout " + l.cliName()
                        + " keeps the masks in " + fileOption + ")");
            }
            if (masksOut.toAbsolutePath().normalize().equals(file.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--masks-out " + masksOut + " is the same file as " + fileOption);
            }
            OutputPaths.checkFile(masksOut, "--masks-out");
        }
    }

    static OptimizerKind parseOptimizer(String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "sgd": return OptimizerKind.SGD;
            case "adam": return OptimizerKind.ADAM;
            default: throw new IllegalArgumentException("--optimizer must be sgd or adam, got '" + s + "'");
        }
    }

    static final class Prune {
        @Option(names = "--criterion", defaultValue = "taylor", split = ",", description = "magnitude | gradient | taylor | taylor2 | snip | movement (comma list for a sweep; API: Criterion, taylor2 = TAYLOR_SQUARED). Default: ${DEFAULT-VALUE}")
        List<String> criteria;
        @Option(names = "--granularity", defaultValue = "weights", description = "weights | nm | neurons (neurons and filters; API: Granularity.UNSTRUCTURED | NM | STRUCTURED). Default: ${DEFAULT-VALUE}")
        String granularity;
        @Option(names = "--nm", defaultValue = "2:4", description = "N:M pattern for --granularity nm. Default: ${DEFAULT-VALUE}")
        String nm;
        @Option(names = "--group-norm", defaultValue = "l2", description = "l1 | l2 norm of a neuron's scores. Default: ${DEFAULT-VALUE}")
        String groupNorm;
        @Option(names = "--scope", defaultValue = "global", description = "global | layer (API: Scope.GLOBAL | PER_LAYER). Default: ${DEFAULT-VALUE}")
        String scope;
        @Option(names = "--sparsity", defaultValue = "0.9", split = ",", description = "fraction pruned (comma list for a sweep). Default: ${DEFAULT-VALUE}")
        List<Double> sparsity;
        @Option(names = "--threshold", description = "prune where score < EPS instead of a fraction")
        Float threshold;
        @Option(names = "--exclude-layers", split = ",", description = "Sequential indices never pruned, e.g. 4")
        List<Integer> exclude = new ArrayList<>();
        @Option(names = "--exclude-last", description = "keep the last weight layer dense (always so for --granularity structured: its rows are the model's outputs)")
        boolean excludeLast;
        @Option(names = "--min-density", defaultValue = "0", description = "per-layer minimum kept fraction (global scope)")
        double minDensity;
        @Option(names = "--max-density", defaultValue = "1", description = "per-layer maximum kept fraction (global scope); the bounds hold at every prune, so early steps of a schedule may prune more than it asks")
        double maxDensity;
        @Option(names = "--score-batches", description = "batches over which gradient scores accumulate (default 16; SNIP: 1, as in the paper)")
        Integer scoreBatches;
        @Option(names = "--accumulate", defaultValue = "sum", description = "sum | ema. Default: ${DEFAULT-VALUE}")
        String accumulate;
        @Option(names = "--ema-momentum", defaultValue = "0.9", description = "EMA momentum. Default: ${DEFAULT-VALUE}")
        float emaMomentum;

        @Option(names = "--schedule", defaultValue = "gradual", description = "oneshot | iterative | gradual. Default: ${DEFAULT-VALUE}")
        String schedule;
        @Option(names = "--rounds", defaultValue = "3", description = "rounds of iterative pruning. Default: ${DEFAULT-VALUE}")
        int rounds;
        @Option(names = "--fine-tune-epochs", defaultValue = "4", description = "epochs of masked fine-tuning. Default: ${DEFAULT-VALUE}")
        int fineTuneEpochs;
        @Option(names = "--fine-tune-lr", defaultValue = "0", description = "learning rate for fine-tuning (0 = keep)")
        float fineTuneLr;
        @Option(names = "--gradual-fraction", defaultValue = "0.75", description = "part of fine-tuning over which the gradual schedule reaches the target. Default: ${DEFAULT-VALUE}")
        double gradualFraction;
        @Option(names = "--gradual-events", defaultValue = "20", description = "number of pruning steps of the gradual schedule. Default: ${DEFAULT-VALUE}")
        int gradualEvents;
        @Option(names = "--rewind", defaultValue = "none", description = "none | init | STEP (lottery-ticket rewinding to init or to dense step STEP)")
        String rewind;

        static Criterion criterion(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "magnitude": return Criterion.MAGNITUDE;
                case "gradient": return Criterion.GRADIENT;
                case "taylor": return Criterion.TAYLOR;
                case "taylor2": case "taylor-squared": return Criterion.TAYLOR_SQUARED;
                case "snip": return Criterion.SNIP;
                case "movement": return Criterion.MOVEMENT;
                default: throw new IllegalArgumentException("--criterion must be magnitude, gradient, taylor, taylor2, snip or movement; got '" + s + "'");
            }
        }

        PruneSpec spec(String criterionName, double sparsity) {
            Granularity g;
            switch (granularity.toLowerCase(Locale.ROOT)) {
                case "weights": case "unstructured": g = Granularity.UNSTRUCTURED; break;
                case "nm": g = Granularity.NM; break;
                case "neurons": case "filters": case "structured": g = Granularity.STRUCTURED; break;
                default: throw new IllegalArgumentException("--granularity must be weights, nm or neurons; got '" + granularity + "'");
            }
            Scope sc;
            switch (scope.toLowerCase(Locale.ROOT)) {
                case "global": sc = Scope.GLOBAL; break;
                case "layer": case "per-layer": sc = Scope.PER_LAYER; break;
                default: throw new IllegalArgumentException("--scope must be global or layer; got '" + scope + "'");
            }
            String[] nmParts = nm.split(":");
            if (nmParts.length != 2) throw new IllegalArgumentException("--nm must look like 2:4, got '" + nm + "'");
            int n, m;
            try { n = Integer.parseInt(nmParts[0].trim()); m = Integer.parseInt(nmParts[1].trim()); }
            catch (NumberFormatException e) { throw new IllegalArgumentException("--nm must look like 2:4, got '" + nm + "'"); }
            Structured.Norm norm = switch (groupNorm.toLowerCase(Locale.ROOT)) {
                case "l1" -> Structured.Norm.L1;
                case "l2" -> Structured.Norm.L2;
                default -> throw new IllegalArgumentException("--group-norm must be l1 or l2; got '" + groupNorm + "'");
            };
            ScoreAccumulator.Mode acc = switch (accumulate.toLowerCase(Locale.ROOT)) {
                case "sum" -> ScoreAccumulator.Mode.SUM;
                case "ema" -> ScoreAccumulator.Mode.EMA;
                default -> throw new IllegalArgumentException("--accumulate must be sum or ema; got '" + accumulate + "'");
            };
            Set<Integer> ex = new HashSet<>(exclude == null ? List.of() : exclude);
            PruneSpec.Builder b = PruneSpec.builder().criterion(criterion(criterionName)).granularity(g).scope(sc).sparsity(sparsity).nm(n, m)
                    .groupNorm(norm).threshold(threshold == null ? Float.NaN : threshold).excludeLayers(ex).excludeLast(excludeLast)
                    .densityBounds(minDensity, maxDensity).accumulate(acc).emaMomentum(emaMomentum);
            if (scoreBatches != null) b.scoreBatches(scoreBatches);
            return b.build();
        }

        Schedule schedule(long fineTuneSteps) {
            switch (schedule.toLowerCase(Locale.ROOT)) {
                case "oneshot": case "one-shot": return new Schedule.OneShot();
                case "iterative": return new Schedule.Iterative(rounds);
                case "gradual":
                    if (!(gradualFraction > 0 && gradualFraction <= 1)) throw new IllegalArgumentException("--gradual-fraction must be in (0, 1], got " + gradualFraction);
                    if (gradualEvents < 1) throw new IllegalArgumentException("--gradual-events must be >= 1");
                    return Schedule.gradualOver(Math.max(1, fineTuneSteps), gradualFraction, gradualEvents);
                default: throw new IllegalArgumentException("--schedule must be oneshot, iterative or gradual; got '" + schedule + "'");
            }
        }
    }
}
