package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.Models;
import dev.jprune.nn.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ModelPruner.select is the one dispatch from a spec to a SelectionEngine call: each granularity × scope × caps ×
 * threshold combination reaches exactly one engine method with the arguments the host prune has always used.
 */
class SelectionDispatchTest {
    /** Records every call; selects nothing. */
    static final class Recorder implements SelectionEngine {
        final int tensors;
        final List<String> calls = new ArrayList<>();

        Recorder(int tensors) { this.tensors = tensors; }

        @Override public int tensorCount() { return tensors; }
        @Override public long[] select(long keep) { calls.add("select " + keep); return new long[tensors]; }
        @Override public long[] perLayer(double[] s) {
            calls.add("perLayer " + Arrays.toString(s)); return new long[tensors];
        }
        @Override public long[] capped(long keep, double[] min, double[] max) {
            calls.add("capped " + keep + " " + Arrays.toString(min) + " " + Arrays.toString(max));
            return new long[tensors];
        }
        @Override public long[] threshold(float eps) { calls.add("threshold " + eps); return new long[tensors]; }
        @Override public long[] nm(int[] rows, int n, int m) {
            calls.add("nm " + Arrays.toString(rows) + " " + n + ":" + m); return new long[tensors];
        }
        @Override public Groups structured(int[] groups, Structured.Norm norm, long keep) {
            calls.add("structured " + Arrays.toString(groups) + " " + norm + " " + keep);
            return new Groups(new long[tensors], new int[tensors][]);
        }
        @Override public Groups structuredPerLayer(int[] groups, Structured.Norm norm, double[] s) {
            calls.add("structuredPerLayer " + Arrays.toString(groups) + " " + norm + " " + Arrays.toString(s));
            return new Groups(new long[tensors], new int[tensors][]);
        }
        @Override public Groups structuredThreshold(int[] groups, Structured.Norm norm, float eps) {
            calls.add("structuredThreshold " + Arrays.toString(groups) + " " + norm + " " + eps);
            return new Groups(new long[tensors], new int[tensors][]);
        }
    }

    static String dispatch(PruneSpec spec, double sparsity) {
        Sequential net = Models.build("lenet-300-100", 1).net();  // weights 300x784, 100x300, 10x100: 266200
        ModelPruner p = new ModelPruner(net, spec);
        Recorder r = new Recorder(p.targets().size());
        p.select(r, sparsity);
        assertEquals(1, r.calls.size(), "exactly one engine call: " + r.calls);
        return r.calls.get(0);
    }

    @Test
    void everySpecReachesExactlyOneEngineMethodWithTheHostArguments() {
        assertEquals("select " + (266200 - Math.round(0.9 * 266200)), dispatch(PruneSpec.builder().build(), 0.9));
        assertEquals("select 133100", dispatch(PruneSpec.builder().build(), 0.5),
                "the call's sparsity, not the spec's");
        assertEquals("perLayer [0.5, 0.5, 0.5]", dispatch(PruneSpec.builder().scope(Scope.PER_LAYER).build(), 0.5));
        assertEquals("perLayer [0.5, 0.5]",
                dispatch(PruneSpec.builder().scope(Scope.PER_LAYER).excludeLast(true).build(), 0.5));
        assertEquals("capped 133100 [0.1, 0.1, 0.1] [0.6, 0.6, 0.6]",
                dispatch(PruneSpec.builder().densityBounds(0.1, 0.6).build(), 0.5));
        assertEquals("threshold 0.25",
                dispatch(PruneSpec.builder().threshold(0.25f).densityBounds(0.1, 0.6).build(), 0.5),
                "threshold mode wins over caps");
        assertEquals("nm [784, 300, 100] 1:4",
                dispatch(PruneSpec.builder().granularity(Granularity.NM).nm(1, 4).build(), 0.5));
        assertEquals("structured [300, 100] L1 200", dispatch(PruneSpec.builder().granularity(Granularity.STRUCTURED)
                .groupNorm(Structured.Norm.L1).build(), 0.5), "structured never takes the output layer's rows");
        assertEquals("structuredPerLayer [300, 100] L2 [0.25, 0.25]",
                dispatch(PruneSpec.builder().granularity(Granularity.STRUCTURED).scope(Scope.PER_LAYER).build(), 0.25));
        assertEquals("structuredThreshold [300, 100] L2 1.5",
                dispatch(PruneSpec.builder().granularity(Granularity.STRUCTURED)
                .scope(Scope.PER_LAYER).threshold(1.5f).build(), 0.25),
                        "a threshold on the group norm, whatever the scope");
        assertEquals("select 133100", dispatch(PruneSpec.builder().criterion(Criterion.HYBRID)
                .mix(ScoreMix.parse("magnitude=1", ScoreMix.Normalization.MAX)).build(), 0.5),
                        "hybrid: the same selection");
        assertEquals("perLayer [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]", dispatch(PruneSpec.builder().pruneBiases(true)
                .scope(Scope.PER_LAYER).build(), 0.5), "biases are targets of their own");
    }

    @Test
    void aBadSparsityOrAnEngineOfAnotherShapeIsRefusedBeforeAnyCall() {
        ModelPruner p = new ModelPruner(Models.build("lenet-300-100", 1).net(), PruneSpec.builder().build());
        Recorder r = new Recorder(3);
        assertThrows(IllegalArgumentException.class, () -> p.select(r, 1.5));
        assertThrows(IllegalArgumentException.class, () -> p.select(r, Double.NaN));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.select(new Recorder(2), 0.5));
        assertTrue(e.getMessage().contains("2 tensors for 3 targets"), e.getMessage());
        assertTrue(r.calls.isEmpty(), r.calls.toString());
    }

    /** A list of named tensors (no model) goes through the same dispatch: same engine call, same arguments. */
    @Test
    void namedTensorsWithoutAModelReachTheSameCalls() {
        List<PruneTargets.Target> named = List.of(PruneTargets.Target.of("0.weight", new int[] {300, 784}),
                PruneTargets.Target.of("2.weight", new int[] {100, 300}),
                PruneTargets.Target.of("4.weight", new int[] {10, 100}));
        List<PruneSpec> specs = List.of(PruneSpec.builder().build(), PruneSpec.builder().scope(Scope.PER_LAYER).build(),
                PruneSpec.builder().densityBounds(0.1, 0.6).build(), PruneSpec.builder().threshold(0.25f).build(),
                PruneSpec.builder().granularity(Granularity.NM).nm(1, 4).build());
        for (PruneSpec spec : specs) {
            Recorder r = new Recorder(3);
            new PruneTargets(spec, named).select(r, 0.5);
            assertEquals(List.of(dispatch(spec, 0.5)), r.calls, spec.toString());
        }
        PruneSpec nm28 = PruneSpec.builder().granularity(Granularity.NM).nm(2, 8).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PruneTargets(nm28, List.of(PruneTargets.Target.of("v", new int[] {3, 5}))));
        assertTrue(e.getMessage().contains("shorter than M=8"), e.getMessage());
    }
}
