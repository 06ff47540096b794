package dev.jprune.cli;

import dev.jprune.data.InputScaling;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.Granularity;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.Schedule;
import dev.jprune.prune.Scope;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.prune.ScoreMix;
import dev.jprune.prune.Structured;
import dev.jprune.optim.GradMask;
import dev.jprune.train.StopRule;
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
        @Option(names = "--data", defaultValue = "embedded", converter = Main.DataName.class,
                description = "embedded | fashion-mnist | DIR (IDX or CIFAR-10 binary files) | csv:FILE | "
                + "synthetic-regression[:n=100,features=1,slope=2,intercept=1,noise=0.5,x=uniform,seed=1,test=N] | "
                + "synthetic-cifar10[:train=5000,test=1000,noise=1.0,seed=1]. Default: ${DEFAULT-VALUE} (a "
                + "regression model: synthetic-regression)")
        String data;

        @Option(names = "--train-limit", defaultValue = "0",
                description = "use only the first N training samples (0 = all)")
        int trainLimit;

        @Option(names = "--target", description = "csv: the target column's name (default: the last column)")
        String target;
        @Option(names = "--task", defaultValue = "regression",
                description = "csv: regression (real target) | classification (integer labels 0..K-1). Default: "
                + "${DEFAULT-VALUE}")
        String task;
        @Option(names = "--test-fraction", defaultValue = "0.2",
                description = "csv: fraction of rows held out for testing (a seeded shuffle, the same in every "
                + "command). Default: ${DEFAULT-VALUE}")
        double testFraction;
        @Option(names = "--input-scaling", defaultValue = "auto",
                description = "auto | standardize | unit | none: auto standardizes images per channel and leaves "
                + "tabular data as read; unit = [0, 1] (images as read, Keras' x/255; tabular min-max). Default: "
                + "${DEFAULT-VALUE}")
        String inputScaling;

        private Split loaded;
        private String loadedSpec;

        /** Loads the split of --data and scales its inputs (see {@link DataLoading}); loaded once per command. */
        Split load() throws IOException {
            return load(data);
        }

        /** Loads the split of {@code spec} (the data a command resolved) once, and scales its inputs. */
        Split load(String spec) throws IOException {
            if (loaded != null && spec.equals(loadedSpec)) return loaded;
            if (trainLimit < 0) throw new IllegalArgumentException("--train-limit must be >= 0, got " + trainLimit);
            Split s = DataLoading.load(spec, this);
            if (s.train().size() == 0) {
                throw new IllegalArgumentException("--data " + spec + ": the training split is empty (0 samples)");
            }
            if (s.test().size() == 0) {
                throw new IllegalArgumentException("--data " + spec + ": the test split is empty (0 samples); accuracy"
                        + " needs at least one test sample");
            }
            if (trainLimit > 0 && trainLimit < s.train().size()) s = new Split(s.train().subset(0, trainLimit),
                    s.test());
            InputScaling.parse(inputScaling).apply(s);
            loaded = s;
            loadedSpec = spec;
            return s;
        }
    }

    static final class Train {
        @Option(names = "--model", converter = Main.ModelName.class,
                description = "mlp-128 | lenet-300-100 | lenet-5 | cifar-cnn-a | cifar-cnn-b"
                + " | linear-regression | logistic-regression (the last two sized by tabular --data) | FILE.json (a"
                + " model file, docs/MODELS.md). Default: lenet-300-100; with --weights: the model the file carries")
        String model;
        @Option(names = "--epochs", defaultValue = "10", description = "training epochs. Default: ${DEFAULT-VALUE}")
        int epochs;
        @Option(names = "--batch", defaultValue = "128", description = "mini-batch size. Default: ${DEFAULT-VALUE}")
        int batch;
        @Option(names = "--lr", description = "learning rate (default: the model's)")
        Float lr;
        @Option(names = "--optimizer", description = "sgd | adam (default: the model's)")
        String optimizer;
        @Option(names = "--momentum",
                description = "SGD momentum (default: the model's, 0.9; cifar-cnn-a: 0, as its write-up)")
        Float momentum;
        @Option(names = "--nesterov", description = "Nesterov momentum (SGD)")
        boolean nesterov;
        @Option(names = "--weight-decay", defaultValue = "0",
                description = "L2 weight decay. Default: ${DEFAULT-VALUE}")
        float weightDecay;
        @Option(names = "--clip-value", defaultValue = "0", split = ",",
                description = "clamp gradients into [-C, C] (0 = off); a comma list is a sweep (train)")
        List<Float> clipValue;
        @Option(names = "--clip-norm", defaultValue = "0",
                description = "scale gradients to global L2 norm <= M (0 = off)")
        float clipNorm;
        @Option(names = "--seed", defaultValue = "1",
                description = "seed for weights, batch order and dropout. Default: ${DEFAULT-VALUE}")
        long seed;
        @Option(names = "--device", defaultValue = "auto", description = "cpu | gpu | auto. Default: ${DEFAULT-VALUE}")
        String device;
        @Option(names = "--adam-eps", defaultValue = "1e-8",
                description = "Adam's epsilon (PyTorch 1e-8; Keras 1e-7). Default: ${DEFAULT-VALUE}")
        float adamEps;
        @Option(names = "--grad-mask", defaultValue = "none", split = ",",
                description = "per-step gradient masking before the update: below:EPS zeroes |g| <= EPS, above:EPS "
                + "zeroes |g| > EPS, clamp:EPS clamps g into [0, EPS], none; a comma list is a sweep (train). "
                + "Default: ${DEFAULT-VALUE}")
        List<String> gradMask;
        @Option(names = "--target-loss",
                description = "stop a training or fine-tuning phase once an epoch's mean training loss is <= this")
        Double targetLoss;
        @Option(names = "--patience", defaultValue = "0",
                description = "stop a phase after N epochs without a lower training loss (0 = off). Default: "
                + "${DEFAULT-VALUE}")
        int patience;

        /** --model, or the default model when it is not given. */
        String modelName() { return model != null ? model : ModelArgs.DEFAULT_MODEL; }

        TrainConfig config(ModelSpec m) {
            return config(m, GradMask.parse(gradMask.get(0)), clipValue.get(0));
        }

        /**
         * The training configuration for {@code m} with gradient mask {@code mask} and clip value {@code clipValue}
         * (one run of a --grad-mask / --clip-value sweep).
         */
        TrainConfig config(ModelSpec m, GradMask mask, float clipValue) {
            OptimizerKind k = optimizer == null ? m.defaultOptimizer() : parseOptimizer(optimizer);
            float rate = lr == null ? (k == m.defaultOptimizer() ? m.defaultLr()
                    : (k == OptimizerKind.ADAM ? 1e-3f : 0.05f)) : lr;
            if (clipValue < 0) throw new IllegalArgumentException("--clip-value must be >= 0, got " + clipValue);
            if (clipNorm < 0) throw new IllegalArgumentException("--clip-norm must be >= 0, got " + clipNorm);
            TrainConfig.Builder b = TrainConfig.builder(m).optimizer(k).lr(rate).epochs(epochs).batchSize(batch)
                    .weightDecay(weightDecay).nesterov(nesterov).clipValue(clipValue).clipNorm(clipNorm).seed(seed)
                    .adamEps(adamEps).gradMask(mask).stop(new StopRule(targetLoss == null ? Double.NaN : targetLoss,
                            patience));
            if (momentum != null) b.momentum(momentum);
            return b.build();
        }

        /** Every --grad-mask value, parsed (one per run of a sweep). */
        List<GradMask> gradMasks() {
            List<GradMask> out = new ArrayList<>();
            for (String s : gradMask) out.add(GradMask.parse(s));
            return out;
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
            check(spec, file, fileOption, null);
        }

        /** As {@link #check(picocli.CommandLine.Model.CommandSpec, Path, String)}; see {@link OutputPaths#checkFile(
         *  Path, String, Path)} for {@code createdFolder}. */
        void check(picocli.CommandLine.Model.CommandSpec spec, Path file, String fileOption, Path createdFolder) {
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
            if (dev.jprune.io.AtomicFiles.sameFile(masksOut, file)) {
                throw new IllegalArgumentException("--masks-out " + masksOut + " is the same file as " + fileOption);
            }
            OutputPaths.checkFile(masksOut, "--masks-out", createdFolder);
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
        @Option(names = "--criterion", defaultValue = "taylor", split = ",",
                description = "magnitude | gradient | taylor | taylor2 | snip | movement | hybrid (with --mix) | "
                + "random (with --random-seed) (comma list for a sweep; API: Criterion, taylor2 = TAYLOR_SQUARED). "
                + "Default: ${DEFAULT-VALUE}")
        List<String> criteria;
        @Option(names = "--granularity", defaultValue = "weights", description = "weights | nm | neurons"
                + " (neurons and filters; API: Granularity.UNSTRUCTURED | NM | STRUCTURED). Default: ${DEFAULT-VALUE}")
        String granularity;
        @Option(names = "--nm", defaultValue = "2:4",
                description = "N:M pattern for --granularity nm. Default: ${DEFAULT-VALUE}")
        String nm;
        @Option(names = "--group-norm", defaultValue = "l2",
                description = "l1 | l2 norm of a neuron's scores. Default: ${DEFAULT-VALUE}")
        String groupNorm;
        @Option(names = "--scope", defaultValue = "global",
                description = "global | layer (API: Scope.GLOBAL | PER_LAYER). Default: ${DEFAULT-VALUE}")
        String scope;
        @Option(names = "--sparsity", defaultValue = "0.9", split = ",",
                description = "fraction pruned (comma list for a sweep). Default: ${DEFAULT-VALUE}")
        List<Double> sparsity;
        @Option(names = "--threshold", split = ",",
                description = "prune where score < EPS instead of a fraction: gradient scores compare as their mean "
                + "per score batch, neurons/filters by their group norm (comma list for a sweep; the schedule "
                + "defaults to oneshot)")
        List<Float> threshold;
        @Option(names = "--prune-biases",
                description = "biases are candidates too, scored like weights (--granularity weights)")
        boolean pruneBiases;
        @Option(names = "--mix",
                description = "the terms of --criterion hybrid: criterion=weight,... over magnitude, gradient, "
                + "taylor, taylor2, e.g. gradient=0.7,magnitude=0.3")
        String mix;
        @Option(names = "--mix-norm", defaultValue = "mean",
                description = "how each hybrid term is normalised per tensor: mean | max | rank. Default: "
                + "${DEFAULT-VALUE}")
        String mixNorm;
        @Option(names = "--random-seed", defaultValue = "1",
                description = "seed of --criterion random's scores. Default: ${DEFAULT-VALUE}")
        long randomSeed;
        @Option(names = "--exclude-layers", split = ",", description = "Sequential indices never pruned, e.g. 4")
        List<Integer> exclude = new ArrayList<>();
        @Option(names = "--exclude-last", description = "keep the last weight layer dense"
                + " (always so for --granularity structured: its rows are the model's outputs)")
        boolean excludeLast;
        @Option(names = "--min-density", defaultValue = "0",
                description = "per-layer minimum kept fraction (global scope)")
        double minDensity;
        @Option(names = "--max-density", defaultValue = "1", description = "per-layer maximum kept fraction"
                + " (global scope); the bounds hold at every prune, so early steps of a schedule may prune more"
                + " than it asks")
        double maxDensity;
        @Option(names = "--score-batches",
                description = "batches over which gradient scores accumulate (default 16; SNIP: 1, as in the paper)")
        Integer scoreBatches;
        @Option(names = "--accumulate", defaultValue = "sum", description = "sum | ema. Default: ${DEFAULT-VALUE}")
        String accumulate;
        @Option(names = "--ema-momentum", defaultValue = "0.9", description = "EMA momentum. Default: ${DEFAULT-VALUE}")
        float emaMomentum;

        @Option(names = "--schedule", defaultValue = "gradual",
                description = "oneshot | iterative | gradual. Default: ${DEFAULT-VALUE}")
        String schedule;
        @Option(names = "--rounds", defaultValue = "3",
                description = "rounds of iterative pruning. Default: ${DEFAULT-VALUE}")
        int rounds;
        @Option(names = "--fine-tune-epochs", defaultValue = "4",
                description = "epochs of masked fine-tuning. Default: ${DEFAULT-VALUE}")
        int fineTuneEpochs;
        @Option(names = "--fine-tune-lr", defaultValue = "0", description = "learning rate for fine-tuning (0 = keep)")
        float fineTuneLr;
        @Option(names = "--gradual-fraction", defaultValue = "0.75", description = "part of fine-tuning over which"
                + " the gradual schedule reaches the target. Default: ${DEFAULT-VALUE}")
        double gradualFraction;
        @Option(names = "--gradual-events", defaultValue = "20",
                description = "number of pruning steps of the gradual schedule. Default: ${DEFAULT-VALUE}")
        int gradualEvents;
        @Option(names = "--rewind", defaultValue = "none",
                description = "none | init | STEP (lottery-ticket rewinding to init or to dense step STEP)")
        String rewind;

        static Criterion criterion(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "magnitude": return Criterion.MAGNITUDE;
                case "gradient": return Criterion.GRADIENT;
                case "taylor": return Criterion.TAYLOR;
                case "taylor2": case "taylor-squared": return Criterion.TAYLOR_SQUARED;
                case "snip": return Criterion.SNIP;
                case "movement": return Criterion.MOVEMENT;
                case "hybrid": return Criterion.HYBRID;
                case "random": return Criterion.RANDOM;
                default: throw new IllegalArgumentException("--criterion must be magnitude, gradient, taylor, "
                        + "taylor2, snip, movement,"
                        + " hybrid or random; got '" + s + "'");
            }
        }

        PruneSpec spec(String criterionName, double sparsity) {
            return spec(criterionName, sparsity, threshold == null || threshold.isEmpty()
                    ? Float.NaN : threshold.get(0));
        }

        /** The spec of one run of a sweep: a criterion, a sparsity and a threshold (NaN: none). */
        PruneSpec spec(String criterionName, double sparsity, float thresholdEps) {
            Granularity g;
            switch (granularity.toLowerCase(Locale.ROOT)) {
                case "weights": case "unstructured": g = Granularity.UNSTRUCTURED; break;
                case "nm": g = Granularity.NM; break;
                case "neurons": case "filters": case "structured": g = Granularity.STRUCTURED; break;
                default: throw new IllegalArgumentException("--granularity must be weights, nm or neurons; got '"
                        + granularity + "'");
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
            catch (NumberFormatException e) {
                throw new IllegalArgumentException("--nm must look like 2:4, got '" + nm + "'");
            }
            Structured.Norm norm = switch (groupNorm.toLowerCase(Locale.ROOT)) {
                case "l1" -> Structured.Norm.L1;
                case "l2" -> Structured.Norm.L2;
                default -> throw new IllegalArgumentException("--group-norm must be l1 or l2; got '" + groupNorm + "'");
            };
            ScoreAccumulator.Mode acc = switch (accumulate.toLowerCase(Locale.ROOT)) {
                case "sum" -> ScoreAccumulator.Mode.SUM;
                case "ema" -> ScoreAccumulator.Mode.EMA;
                default -> throw new IllegalArgumentException("--accumulate must be sum or ema; got '" + accumulate
                        + "'");
            };
            Set<Integer> ex = new HashSet<>(exclude == null ? List.of() : exclude);
            PruneSpec.Builder b = PruneSpec.builder().criterion(criterion(criterionName)).granularity(g).scope(sc)
                    .sparsity(sparsity).nm(n, m)
                    .groupNorm(norm).threshold(thresholdEps).excludeLayers(ex).excludeLast(excludeLast)
                    .densityBounds(minDensity, maxDensity).accumulate(acc).emaMomentum(emaMomentum)
                    .pruneBiases(pruneBiases).randomSeed(randomSeed);
            Criterion crit = criterion(criterionName);
            if (crit == Criterion.HYBRID) b.mix(ScoreMix.parse(mix, ScoreMix.parseNormalization(mixNorm)));
            if (scoreBatches != null) b.scoreBatches(scoreBatches);
            return b.build();
        }

        Schedule schedule(long fineTuneSteps) {
            return schedule(schedule, fineTuneSteps);
        }

        /** Threshold runs default to one prune (no fraction to approach gradually); an explicit --schedule wins. */
        String scheduleName(boolean scheduleGiven) {
            return threshold != null && !threshold.isEmpty() && !scheduleGiven ? "oneshot" : schedule;
        }

        Schedule schedule(String schedule, long fineTuneSteps) {
            switch (schedule.toLowerCase(Locale.ROOT)) {
                case "oneshot": case "one-shot": return new Schedule.OneShot();
                case "iterative": return new Schedule.Iterative(rounds);
                case "gradual":
                    if (!(gradualFraction > 0 && gradualFraction <= 1)) throw new IllegalArgumentException(
                            "--gradual-fraction must be in (0, 1], got " + gradualFraction);
                    if (gradualEvents < 1) throw new IllegalArgumentException("--gradual-events must be >= 1");
                    return Schedule.gradualOver(Math.max(1, fineTuneSteps), gradualFraction, gradualEvents);
                default: throw new IllegalArgumentException("--schedule must be oneshot, iterative or gradual; got '"
                        + schedule + "'");
            }
        }
    }
}
