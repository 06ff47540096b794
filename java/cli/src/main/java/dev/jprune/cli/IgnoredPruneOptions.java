package dev.jprune.cli;

import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;

/**
 * prune's options that only one granularity, scope, schedule or accumulation reads: given with another, the run would
 * ignore them silently, so they are refused before any work, saying which choice they belong to.
 */
final class IgnoredPruneOptions {
    private IgnoredPruneOptions() {}

    static void check(CommandSpec spec, Options.Prune p) {
        String granularity = p.granularity.toLowerCase(Locale.ROOT);
        String schedule = p.scheduleName(OptionChecks.given(spec, "--schedule")).toLowerCase(Locale.ROOT);
        refuseUnless(spec, granularity.equals("nm"), List.of("--nm"), "--granularity nm");
        refuseUnless(spec, List.of("neurons", "filters", "structured").contains(granularity), List.of("--group-norm"),
                "--granularity neurons");
        refuseUnless(spec, p.accumulate.toLowerCase(Locale.ROOT).equals("ema"), List.of("--ema-momentum"),
                "--accumulate ema");
        refuseUnless(spec, schedule.equals("iterative"), List.of("--rounds"), "--schedule iterative");
        refuseUnless(spec, schedule.equals("gradual"), List.of("--gradual-events", "--gradual-fraction"),
                "--schedule gradual");
        refuseUnless(spec, !p.scope.toLowerCase(Locale.ROOT).equals("layer"), List.of("--min-density",
                "--max-density"), "--scope global (--scope layer prunes every layer to --sparsity)");
    }

    private static void refuseUnless(CommandSpec spec, boolean applies, List<String> options, String where) {
        String given = applies ? null : OptionChecks.firstGiven(spec, options);
        if (given != null) {
            throw new IllegalArgumentException(given + " applies to " + where + " only; the run would ignore it:"
                    + " remove " + given + " or choose " + where.replaceFirst(" \\(.*", ""));
        }
    }
}
