package dev.jprune.cli;

import dev.jprune.io.Layout;
import dev.jprune.prune.CheckpointPruner;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.PruneSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code prune --weights CKPT --out FILE} without {@code --model}: prunes the named tensors of any safetensors
 * checkpoint (or a sharded checkpoint's index) out of core with {@link CheckpointPruner}. Its own options are a mixin
 * of {@link PruneCommand}; the pruning options (criterion, granularity, scope, sparsity, threshold, N:M, density
 * bounds) are the command's.
 */
final class CheckpointPrune {
    private CheckpointPrune() {}

    /** The options only this path reads (a picocli mixin of prune). */
    static final class Flags {
        @Option(names = "--grads", description = "without --model: gradients of --weights (same names and shapes;"
                + " .safetensors or index) for --criterion gradient | taylor | taylor2")
        Path grads;
        @Option(names = "--scores", description = "without --model: precomputed importance scores (same names and"
                + " shapes), used instead of a criterion")
        Path scores;
        @Option(names = "--include", split = ",", description = "without --model: prune the tensors whose names match"
                + " these patterns (* ? [..], '*' crosses dots). Default: *.weight with 2 or more dimensions")
        List<String> include = new ArrayList<>();
        @Option(names = "--exclude", split = ",", description = "without --model: never prune tensors matching"
                + " these patterns")
        List<String> exclude = new ArrayList<>();
    }

    /** This path's options, refused on the model path (which does not read them yet). */
    static final List<String> OWN = List.of("--grads", "--scores", "--include", "--exclude");
    /** Options that need a model or data, refused here. */
    static final List<String> MODEL_ONLY = List.of("--exclude-layers", "--exclude-last", "--group-norm", "--seed");

    /**
     * Whether {@code prune} takes this path before looking for a model: --weights without --model, and one of this
     * path's own options or a sharded checkpoint's index. (A file that implies no model comes here too, after
     * {@link PruneCommand} looked.)
     */
    static boolean applies(CommandSpec spec, PruneCommand c) {
        return c.weights != null && !OptionChecks.given(spec, "--model")
                && (OptionChecks.firstGiven(spec, OWN) != null || c.weights.getFileName().toString().endsWith(".json"));
    }

    /** Refuses this path's options on the model path, naming the first one given. */
    static void refuseOnModelPath(CommandSpec spec) {
        String own = OptionChecks.firstGiven(spec, OWN);
        if (own != null) {
            throw new IllegalArgumentException(own + " is for prune --weights without --model (pruning a checkpoint by"
                    + " tensor name); remove " + own + " or --model");
        }
    }

    /** Runs the command; returns the exit code. */
    static int run(CommandSpec spec, PruneCommand c, Reporter r) throws Exception {
        Flags o = c.checkpoint;
        dev.jprune.cli.Options.Prune p = c.prune;
        for (List<String> group : List.of(OptionChecks.DATA_ONLY, MODEL_ONLY)) {
            String bad = OptionChecks.firstGiven(spec, group);
            if (bad != null) {
                String hint = bad.startsWith("--exclude-") ? "; leave tensors out with --exclude PATTERN" : "";
                throw new IllegalArgumentException(bad + " does not apply to prune --weights without --model (it"
                        + " prunes tensors by name: no model, no data; gradients come from --grads)" + hint
                        + "; remove " + bad);
            }
        }
        if (c.train.device.toLowerCase(Locale.ROOT).equals("gpu")) {
            throw new IllegalArgumentException("--device gpu: pruning a checkpoint without --model runs on the CPU"
                    + " (out of core, bound by the disk); use --device cpu or leave it out");
        }
        Device.check(c.train.device);
        OptionChecks.prune(spec, c, null);
        if (c.out == null) throw new IllegalArgumentException("prune --weights needs --out FILE.safetensors");
        if (p.criteria.size() != 1 || p.sparsity.size() != 1) {
            throw new IllegalArgumentException("prune --weights takes one --criterion and one --sparsity");
        }
        boolean criterionGiven = OptionChecks.given(spec, "--criterion");
        if (o.scores != null && criterionGiven) {
            throw new IllegalArgumentException("--scores and --criterion contradict each other: the scores are the"
                    + " importance; give one");
        }
        String criterion = criterionGiven || o.grads != null ? p.criteria.get(0) : "magnitude";
        PruneSpec ps = p.spec(o.scores != null ? "magnitude" : criterion, p.sparsity.get(0));
        Layout layout = c.layout.layout();
        boolean sharded = c.weights.getFileName().toString().endsWith(".json");
        if (sharded) {
            OutputPaths.checkDirectory(c.out.toAbsolutePath().getParent(), "--out");
        } else {
            OutputPaths.checkFile(c.out, "--out");
        }
        c.layout.check(spec, c.out, "--out", sharded ? c.out.toAbsolutePath().getParent() : null);
        String expected = "a .safetensors file or a sharded checkpoint's index (.json)";
        ModelArgs.checkInputFile(c.weights, "--weights", expected);
        if (o.grads != null) ModelArgs.checkInputFile(o.grads, "--grads", expected);
        if (o.scores != null) ModelArgs.checkInputFile(o.scores, "--scores", expected);
        // --out onto --weights prunes in place; no output may replace gradients or scores, nor masks the weights
        OutputPaths.checkNotInput(c.out, "--out", o.grads, "--grads");
        OutputPaths.checkNotInput(c.out, "--out", o.scores, "--scores");
        OutputPaths.checkNotInput(c.layout.masksOut, "--masks-out", c.weights, "--weights");
        OutputPaths.checkNotInput(c.layout.masksOut, "--masks-out", o.grads, "--grads");
        OutputPaths.checkNotInput(c.layout.masksOut, "--masks-out", o.scores, "--scores");
        CheckpointPruner.Builder b = CheckpointPruner.builder().weights(c.weights).grads(o.grads).scores(o.scores)
                .spec(ps).layout(layout).out(c.out).masksOut(c.layout.masksOut);
        o.include.forEach(b::include);
        o.exclude.forEach(b::exclude);
        CheckpointPruner pruner = b.build();
        CheckpointPruner.Result res = pruner.run();
        // After the run: a run that fails prints its error line alone.
        if (o.scores != null) r.notice("scores: " + o.scores);
        else if (!criterionGiven) r.notice("criterion: " + ps.criterion().name().toLowerCase(Locale.ROOT)
                + (o.grads == null ? " (no --grads)" : " (the default)"));
        int width = Math.max(12, res.tensors().stream().mapToInt(t -> t.name().length()).max().orElse(0));
        r.linef("%-" + width + "s %-20s %12s %12s %9s", "tensor", "dtype[shape]", "params", "kept", "density");
        String[] names = new String[res.tensors().size()];
        double[] densities = new double[names.length];
        for (int i = 0; i < names.length; i++) {
            CheckpointPruner.TensorResult t = res.tensors().get(i);
            names[i] = t.name();
            densities[i] = t.size() == 0 ? 1 : t.kept() / (double) t.size();
            r.linef("%-" + width + "s %-20s %12d %12d %8.2f%%", t.name(), t.describe(), t.size(), t.kept(),
                    100 * densities[i]);
        }
        PruneCommand.warnEmptyLayers(r, names, densities);
        r.linef("kept %d of %d weights (sparsity %.4f); layout %s; wrote %s", res.kept(), res.candidates(),
                res.sparsity(), layout.cliName(), String.join(", ", res.written().stream().map(Path::toString)
                        .toList()));
        return 0;
    }
}
