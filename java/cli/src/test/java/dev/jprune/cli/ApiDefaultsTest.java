package dev.jprune.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.prune.PruneSpec;
import dev.jprune.prune.PruningPlan;
import dev.jprune.prune.Schedule;
import dev.jprune.train.TrainConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The library's builders start where the command line does: the same spec, plan and training for no options. */
class ApiDefaultsTest {
    @Test
    void theClisDefaultOptionsBuildTheLibrarysDefaults() {
        PruneCommand cmd = CommandLine.populateCommand(new PruneCommand());
        // cifar-cnn-a: plain SGD (write-up 001) on both sides; Adam's epsilon, no gradient mask, no stop rule.
        for (String model : new String[] {"lenet-300-100", "mlp-128", "lenet-5", "cifar-cnn-a", "cifar-cnn-b"}) {
            ModelSpec m = Models.build(model, 1);
            assertEquals(TrainConfig.builder(m).build(), cmd.train.config(m), model + ": training defaults");
        }
        assertEquals(PruneSpec.builder().build(), cmd.prune.spec(cmd.prune.criteria.get(0), cmd.prune.sparsity.get(0)),
                "pruning defaults");
        assertEquals(PruneSpec.builder().criterion(dev.jprune.prune.Criterion.SNIP).build(),
                cmd.prune.spec("snip", 0.9), "SNIP: one batch");
        assertEquals(PruneSpec.builder().criterion(dev.jprune.prune.Criterion.RANDOM).build(),
                cmd.prune.spec("random", 0.9),
                "random: the same seed");
        assertFalse(PruneSpec.builder().build().pruneBiases());
        assertEquals(PruneSpec.DEFAULT_RANDOM_SEED, cmd.prune.randomSeed);
        assertEquals(TrainConfig.DEFAULT_ADAM_EPS, cmd.train.adamEps);
        assertEquals(java.util.List.of("none"), cmd.train.gradMask);
        assertEquals(dev.jprune.train.StopRule.NONE, TrainConfig.builder().build().stop());
        assertEquals("mean", cmd.prune.mixNorm);
        assertEquals(dev.jprune.models.ModelOptions.DEFAULT, cmd.modelArgs.options());
        PruningPlan plan = PruningPlan.builder().build();
        assertEquals(plan.fineTuneEpochs(), cmd.prune.fineTuneEpochs);
        assertEquals(plan.fineTuneLr(), cmd.prune.fineTuneLr);
        assertEquals(plan.denseEpochs(), cmd.train.epochs);
        Schedule.RelativeGradual g = (Schedule.RelativeGradual) plan.schedule();
        assertEquals(g.over(1000), cmd.prune.schedule(1000), "the default gradual schedule");
        assertEquals("none", cmd.prune.rewind);
        assertEquals(plan.rewind(), PruningPlan.Rewind.NONE);
    }

    @Test
    void versionComesFromTheBuild() {
        CliTest.Run r = CliTest.run("--version");
        assertEquals(0, r.code());
        assertEquals("jprune " + dev.jprune.Version.get(), r.out().trim());
        assertFalse(dev.jprune.Version.get().equals("unknown"), "the library jar carries its version");
    }
}
