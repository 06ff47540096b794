package dev.jprune.cli;

import dev.jprune.models.ModelSpec;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.ScoreMix;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;

/**
 * prune's checks of the options that reproduce the write-ups (issue 18): hybrid criteria and their mix, the random
 * baseline's seed, bias pruning, structured shrinking. Each refuses, before any work, a value out of range or an
 * option the run would silently ignore.
 */
final class SeedOptionChecks {
    private SeedOptionChecks() {}

    /** Whether criterion {@code name} reads gradients with these options (hybrid: whether a --mix term does). */
    static boolean readsGradients(Options.Prune p, String name) {
        Criterion c = Options.Prune.criterion(name);
        if (c != Criterion.HYBRID) return c.readsGradient();
        return ScoreMix.parse(p.mix, ScoreMix.parseNormalization(p.mixNorm)).readsGradient();
    }

    static void prune(CommandSpec spec, PruneCommand c, ModelSpec m) {
        Options.Prune p = c.prune;
        boolean hybrid = false, random = false;
        for (String name : p.criteria) {
            Criterion crit = Options.Prune.criterion(name);
            hybrid |= crit == Criterion.HYBRID;
            random |= crit == Criterion.RANDOM;
        }
        if (hybrid) {
            ScoreMix.parse(p.mix, ScoreMix.parseNormalization(p.mixNorm));  // throws naming --mix or --mix-norm
        } else {
            String unused = OptionChecks.firstGiven(spec, java.util.List.of("--mix", "--mix-norm"));
            if (unused != null) {
                throw new IllegalArgumentException(unused
                        + " applies to --criterion hybrid only; add hybrid to --criterion or remove "
                        + unused);
            }
        }
        if (!random && OptionChecks.given(spec, "--random-seed")) {
            throw new IllegalArgumentException("--random-seed applies to --criterion random only; add random to "
                    + "--criterion or remove it");
        }
        String granularity = p.granularity.toLowerCase(Locale.ROOT);
        boolean weights = granularity.equals("weights") || granularity.equals("unstructured");
        if (p.pruneBiases && !weights) {
            throw new IllegalArgumentException("--prune-biases needs --granularity weights (N:M and neurons/filters "
                    + "keep each bias"
                    + " with its row)");
        }
        if (c.shrink.shrink) {
            boolean structured = granularity.equals("neurons") || granularity.equals("filters")
                    || granularity.equals("structured");
            if (!structured) {
                throw new IllegalArgumentException("--shrink removes pruned neurons/filters physically: it needs "
                        + "--granularity neurons");
            }
            if (c.save == null) throw new IllegalArgumentException("--shrink writes the smaller model to --save "
                    + "FILE.safetensors; give --save");
        }
    }
}
