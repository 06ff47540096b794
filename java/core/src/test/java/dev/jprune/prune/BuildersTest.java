package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.EmbeddedMnist;
import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.ModelSpec.OptimizerKind;
import dev.jprune.models.Models;
import dev.jprune.train.TrainConfig;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The builders state the CLI's defaults, build the records the constructors would, and validate on build. */
class BuildersTest {
    @Test
    void pruneSpecBuilderDefaultsAreTheClisAndEveryComponentCanBeSet() {
        assertEquals(new PruneSpec(Criterion.TAYLOR, Granularity.UNSTRUCTURED, Scope.GLOBAL, 0.9, 2, 4,
                Structured.Norm.L2, Float.NaN, Set.of(), false, 0, 1, 16, ScoreAccumulator.Mode.SUM, 0.9f),
                PruneSpec.builder().build());
        assertEquals(1, PruneSpec.builder().criterion(Criterion.SNIP).build().scoreBatches(), "SNIP scores one batch");
        PruneSpec all = new PruneSpec(Criterion.MOVEMENT, Granularity.NM, Scope.PER_LAYER, 0.5, 1, 8,
                Structured.Norm.L1, Float.NaN, Set.of(0, 2), true, 0.1, 0.7, 3, ScoreAccumulator.Mode.EMA, 0.5f);
        PruneSpec built = PruneSpec.builder().criterion(Criterion.MOVEMENT).granularity(Granularity.NM)
                .scope(Scope.PER_LAYER).sparsity(0.5).nm(1, 8).groupNorm(Structured.Norm.L1).excludeLayers(0, 2)
                .excludeLast(true).densityBounds(0.1, 0.7).scoreBatches(3).ema(0.5f).build();
        assertEquals(all, built);
        assertEquals(all, all.toBuilder().build(), "toBuilder round trip");
        assertEquals(PruneSpec.global(Criterion.MAGNITUDE, 0.3),
                PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.3).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PruneSpec.builder().sparsity(-0.1).build());
        assertTrue(e.getMessage().contains("-0.1"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> PruneSpec.builder().granularity(Granularity.NM).threshold(0.1f).build());
    }

    @Test
    void planAndTrainConfigBuildersFollowTheCliAndTheModel() {
        PruningPlan p = PruningPlan.builder().build();
        assertEquals(PruneSpec.builder().build(), p.spec());
        assertEquals(new Schedule.RelativeGradual(0.75, 20), p.schedule());
        assertEquals(10, p.denseEpochs());
        assertEquals(4, p.fineTuneEpochs());
        assertEquals(0f, p.fineTuneLr());
        assertEquals(PruningPlan.Rewind.NONE, p.rewind());
        PruningPlan r = PruningPlan.builder().rewindToStep(7).schedule(Schedule.iterative(2)).build();
        assertEquals(PruningPlan.Rewind.STEP, r.rewind());
        assertEquals(7, r.rewindStep());
        assertEquals(r, r.toBuilder().build());
        assertThrows(IllegalArgumentException.class, () -> PruningPlan.builder().fineTuneEpochs(-1).build());

        ModelSpec lenet = Models.build("lenet-300-100", 1), mlp = Models.build("mlp-128", 1);
        assertEquals(new TrainConfig(10, 128, 0.05f, OptimizerKind.SGD, 0.9f, 0f, false, 0f, 0f, 1),
                TrainConfig.builder(lenet).build());
        assertEquals(new TrainConfig(10, 128, 1e-3f, OptimizerKind.ADAM, 0f, 0f, false, 0f, 0f, 1),
                TrainConfig.builder(mlp).build(),
                "mlp-128 trains with Adam at 1e-3, and Adam has no momentum component");
        assertEquals(0.05f, TrainConfig.builder(mlp).optimizer(OptimizerKind.SGD).build().lr(),
                "another optimizer: its own default rate");
        assertEquals(0.9f, TrainConfig.builder(mlp).optimizer(OptimizerKind.SGD).build().momentum());
        TrainConfig c = new TrainConfig(3, 32, 0.01f, OptimizerKind.SGD, 0.5f, 1e-4f, true, 0.5f, 2f, 9);
        assertEquals(c, c.toBuilder().build());
        assertEquals(c, TrainConfig.builder().epochs(3).batchSize(32).lr(0.01f).momentum(0.5f).weightDecay(1e-4f)
                .nesterov(true).clipValue(0.5f).clipNorm(2f).seed(9).build());
        assertEquals(5, c.withEpochs(5).epochs());
        assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().momentum(1f).build());
    }

    /** TrainConfig.epochs and PruningPlan.denseEpochs are one number: a run refuses them when they disagree. */
    @Test
    void aRunRefusesTrainingEpochsThatDisagreeWithThePlan() {
        ModelSpec m = Models.build("lenet-300-100", 1);
        PruningPlan plan = PruningPlan.builder().denseEpochs(2).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PruningRun(m, TrainConfig.builder(m).epochs(3).build(), plan, PruneListener.NONE));
        assertTrue(e.getMessage().contains("TrainConfig.epochs = 3") && e.getMessage().contains("denseEpochs = 2"),
                e.getMessage());
        new PruningRun(m, TrainConfig.builder(m).epochs(2).build(), plan, PruneListener.NONE);
    }

    /** A relative gradual schedule is resolved against the fine-tuning steps: the same prunes as the explicit
     *  schedule. */
    @Test
    void aRelativeGradualScheduleRunsAsTheExplicitOneOverTheFineTuningSteps() throws Exception {
        Split s = EmbeddedMnist.standardizedSplit();
        Split small = new Split(s.train().subset(0, 600), s.test().subset(0, 200));
        TrainConfig cfg = TrainConfig.builder().epochs(0).batchSize(100).build();
        long steps = 2 * 6;  // 2 fine-tuning epochs of 600 / 100 batches
        List<PruningRun.Outcome> out = new java.util.ArrayList<>();
        for (Schedule sch : List.of(Schedule.gradual(0.5, 3), Schedule.gradualOver(steps, 0.5, 3))) {
            ModelSpec m = Models.build("lenet-300-100", 2);
            PruningPlan plan = PruningPlan.builder(PruneSpec.global(Criterion.MAGNITUDE, 0.6)).schedule(sch)
                    .denseEpochs(0).fineTuneEpochs(2).build();
            out.add(new PruningRun(m, cfg, plan, PruneListener.NONE).run(small));
        }
        assertEquals(4, out.get(1).prunes().size(), "gradualOver(12, 0.5, 3) prunes at steps 0, 2, 4, 6");
        assertEquals(out.get(1).prunes().size(), out.get(0).prunes().size());
        for (int i = 0; i < out.get(0).prunes().size(); i++) {
            assertArrayEquals(out.get(1).prunes().get(i).keptPerTarget(),
                    out.get(0).prunes().get(i).keptPerTarget(), "prune " + i);
        }
        assertEquals(out.get(1).prunedAccuracy(), out.get(0).prunedAccuracy());
        assertThrows(IllegalArgumentException.class, () -> Schedule.gradual(0, 3));
        assertThrows(IllegalArgumentException.class, () -> Schedule.gradual(0.5, 0));
    }
}
