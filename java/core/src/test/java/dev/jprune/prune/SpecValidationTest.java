package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Invalid PruneSpecs and PruningPlans are refused when built, each naming what is wrong; the edges are accepted. */
class SpecValidationTest {
    static void refused(String fragment, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build, fragment);
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' should say '" + fragment + "'");
    }

    static PruneSpec.Builder b() { return PruneSpec.builder(); }

    @Test
    void invalidPruneSpecsAreRefusedNamingTheFault() {
        refused("criterion, granularity and scope are required", () -> b().criterion(null).build());
        refused("criterion, granularity and scope are required", () -> b().granularity(null).build());
        refused("criterion, granularity and scope are required", () -> b().scope(null).build());
        refused("sparsity must be in [0, 1], got 1.01", () -> b().sparsity(1.01).build());
        refused("got NaN", () -> b().sparsity(Double.NaN).build());
        refused("N:M needs 0 <= N <= M and M >= 1, got 5:4", () -> b().granularity(Granularity.NM).nm(5, 4).build());
        refused("got -1:4", () -> b().granularity(Granularity.NM).nm(-1, 4).build());
        refused("got 0:0", () -> b().granularity(Granularity.NM).nm(0, 0).build());
        refused("density caps must satisfy 0 <= min <= max <= 1, got min 0.6 max 0.5",
                () -> b().densityBounds(0.6, 0.5).build());
        refused("got min -0.1 max 1.0", () -> b().densityBounds(-0.1, 1).build());
        refused("got min 0.0 max 1.1", () -> b().densityBounds(0, 1.1).build());
        refused("got min 0.0 max -0.1", () -> b().densityBounds(0, -0.1).build());
        refused("got min NaN", () -> b().densityBounds(Double.NaN, 1).build());
        refused("score batches must be >= 1, got 0", () -> b().scoreBatches(0).build());
        refused("EMA momentum must be in [0, 1), got 1.0", () -> b().ema(1f).build());
        refused("got -0.5", () -> b().ema(-0.5f).build());
        refused("criterion USER takes scores from code", () -> b().criterion(Criterion.USER).build());
        refused("threshold mode is for weights or neurons/filters, not N:M",
                () -> b().granularity(Granularity.NM).threshold(0.1f).build());
        refused("threshold must be finite", () -> b().threshold(Float.POSITIVE_INFINITY).build());
        assertEquals(Granularity.STRUCTURED,
                b().granularity(Granularity.STRUCTURED).threshold(0.1f).build().granularity(),
                "neurons by a threshold on their group norm (issue 18)");
    }

    @Test
    void theEdgesOfEveryRangeAreAccepted() {
        b().sparsity(0).build();
        b().sparsity(1).build();
        b().granularity(Granularity.NM).nm(0, 1).build();
        b().granularity(Granularity.NM).nm(4, 4).build();
        b().nm(9, 4).build();  // N:M values matter only for N:M granularity
        b().densityBounds(0, 0).build();
        b().densityBounds(1, 1).build();
        b().densityBounds(0.3, 0.3).build();
        b().scoreBatches(1).build();
        b().ema(0f).build();
        b().emaMomentum(1.5f).build();  // SUM ignores the EMA momentum
        b().threshold(0.1f).build();
    }

    @Test
    void specsKeepTheirValuesAndCopyTheExclusions() {
        Set<Integer> layers = new HashSet<>(Set.of(1, 3));
        PruneSpec s = new PruneSpec(Criterion.MAGNITUDE, Granularity.UNSTRUCTURED, Scope.GLOBAL, 0.5, 2, 4,
                Structured.Norm.L2, 0.25f, layers, false, 0, 1, 1, ScoreAccumulator.Mode.SUM, 0.9f);
        layers.add(5);
        assertEquals(Set.of(1, 3), s.excludedLayers(), "the spec holds its own copy");
        assertThrows(UnsupportedOperationException.class, () -> s.excludedLayers().add(7));
        assertTrue(s.thresholdMode());
        assertFalse(b().build().thresholdMode());
        PruneSpec t = s.withSparsity(0.7);
        assertEquals(0.7, t.sparsity());
        assertEquals(s.toBuilder().sparsity(0.7).build(), t, "withSparsity changes only the sparsity");
        assertTrue(b().criterion(Criterion.GRADIENT).build().needsGradients());
        assertFalse(b().criterion(Criterion.MAGNITUDE).build().needsGradients());
        assertEquals(Set.of(4), b().excludeLayers(Set.of(4)).build().excludedLayers());
        assertEquals(ScoreAccumulator.Mode.EMA, b().accumulate(ScoreAccumulator.Mode.EMA).build().accumulate());
        assertEquals(0.3f, b().emaMomentum(0.3f).build().emaMomentum());
        assertEquals(5, b().criterion(Criterion.SNIP).scoreBatches(5).build().scoreBatches(),
                "an explicit count wins over SNIP's 1");
        assertEquals(PruneSpec.DEFAULT_SCORE_BATCHES, b().criterion(Criterion.MOVEMENT).build().scoreBatches());
    }

    @Test
    void invalidPlansAreRefusedNamingTheFault() {
        PruneSpec spec = b().build();
        refused("spec, schedule and rewind are required", () -> PruningPlan.builder(null).build());
        refused("spec, schedule and rewind are required", () -> PruningPlan.builder(spec).schedule(null).build());
        refused("spec, schedule and rewind are required",
                () -> new PruningPlan(spec, Schedule.oneShot(), 1, 1, 0f, null, 0));
        refused("epochs must be >= 0", () -> PruningPlan.builder(spec).denseEpochs(-1).build());
        refused("epochs must be >= 0", () -> PruningPlan.builder(spec).fineTuneEpochs(-1).build());
        refused("rewind step must be >= 0", () -> PruningPlan.builder(spec).rewindToStep(-1).build());
        refused("fine-tune learning rate must be finite",
                () -> PruningPlan.builder(spec).fineTuneLr(Float.NaN).build());
        refused("fine-tune learning rate must be finite",
                () -> PruningPlan.builder(spec).fineTuneLr(Float.POSITIVE_INFINITY).build());
        // a negative step is no fault where no step rewinds
        assertEquals(-1, new PruningPlan(spec, Schedule.oneShot(), 0, 0, 0f, PruningPlan.Rewind.INIT, -1).rewindStep());
        PruningPlan edge = PruningPlan.builder(spec).denseEpochs(0).fineTuneEpochs(0).rewindToStep(0)
                .fineTuneLr(-1f).build();
        assertEquals(PruningPlan.Rewind.STEP, edge.rewind());
        assertEquals(0, edge.denseEpochs());
        assertEquals(-1f, edge.fineTuneLr(), "a rate <= 0 keeps the training rate");
        PruningPlan init = edge.toBuilder().rewindToInit().build();
        assertEquals(PruningPlan.Rewind.INIT, init.rewind());
        assertEquals(0, init.rewindStep());
        assertEquals(PruningPlan.Rewind.NONE, PruningPlan.builder(spec).rewindToStep(9).noRewind().build().rewind());
        assertEquals(0, PruningPlan.builder(spec).rewindToStep(9).noRewind().build().rewindStep());
        PruneSpec other = b().sparsity(0.3).build();
        assertEquals(other, PruningPlan.builder(spec).spec(other).build().spec());
        assertEquals(PruneSpec.builder().build(), PruningPlan.builder().build().spec());
    }
}
