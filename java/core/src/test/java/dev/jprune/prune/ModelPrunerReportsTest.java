package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a {@link ModelPruner} tells its callers: why there is nothing to prune (a one-layer model under neuron pruning
 * gets its own advice), which targets are biases, the dispatch it runs, and which specs need their scores formed on
 * the host whatever the backend.
 */
class ModelPrunerReportsTest {
    private static Sequential oneLayer() {
        return new Sequential(new Linear(4, 3, new Rng(1)), new ReLU());
    }

    private static Sequential twoLayers() {
        return new Sequential(new Linear(4, 3, new Rng(1)), new ReLU(), new Linear(3, 2, new Rng(2)));
    }

    private static String nothing(Sequential net, PruneSpec spec) {
        return assertThrows(IllegalArgumentException.class, () -> new ModelPruner(net, spec)).getMessage();
    }

    @Test
    void nothingToPruneSaysWhy() {
        PruneSpec neurons = PruneSpec.builder().granularity(Granularity.STRUCTURED).build();
        String m = nothing(oneLayer(), neurons);
        assertTrue(m.startsWith("nothing to prune: neuron/filter pruning never removes the last weight layer's rows"),
                "one weight layer (a ReLU beside it has no weight): " + m);
        assertTrue(m.endsWith("prune its weights (--granularity weights)"), m);
        m = nothing(twoLayers(), neurons.toBuilder().excludeLayers(0).build());
        assertTrue(m.startsWith("nothing to prune: no Linear/Conv2d weight left after exclusions in "), m);
        assertTrue(m.endsWith(" (neuron/filter pruning always keeps the last weight layer)"), m);
        m = nothing(oneLayer(), neurons.toBuilder().excludeLayers(0).build());
        assertTrue(m.startsWith("nothing to prune: no Linear/Conv2d weight left after exclusions in "),
                "the layer was excluded, not kept as the output: " + m);
        m = nothing(twoLayers(), PruneSpec.builder().excludeLayers(0, 2).build());
        assertTrue(m.startsWith("nothing to prune: no Linear/Conv2d weight left after exclusions in "), m);
        assertFalse(m.contains("neuron/filter"), "weight pruning: " + m);
    }

    @Test
    void biasTargetsAreMarkedAndTheDispatchNamesEveryTarget() {
        ModelPruner p = new ModelPruner(twoLayers(), PruneSpec.builder().pruneBiases(true).build());
        List<String> names = p.targets().stream().map(ModelPruner.Target::name).toList();
        List<Boolean> bias = p.targets().stream().map(ModelPruner.Target::isBias).toList();
        assertEquals(names, p.dispatch().targets().stream().map(PruneTargets.Target::name).toList());
        for (int t = 0; t < names.size(); t++) {
            assertEquals(names.get(t).endsWith(".bias"), bias.get(t), names.get(t));
        }
        assertTrue(bias.contains(true) && bias.contains(false), names.toString());
        assertEquals(p.candidateCount(), p.dispatch().candidateCount());
    }

    /**
     * RANDOM and HYBRID scores exist only on the host; gradient sums compared as a mean per batch (threshold mode,
     * SUM) are divided there; everything else may stay where a backend accumulated it.
     */
    @Test
    void scoresAreFormedOnTheHostExactlyWhereTheHostMustFormThem() {
        PruneSpec.Builder b = PruneSpec.builder();
        assertTrue(host(b.criterion(Criterion.RANDOM).build()));
        assertTrue(host(PruneSpec.builder().hybrid(ScoreMix.parse("magnitude=1", ScoreMix.Normalization.MAX))
                .build()));
        assertTrue(host(PruneSpec.builder().criterion(Criterion.GRADIENT).threshold(0.1f).build()));
        assertFalse(host(PruneSpec.builder().criterion(Criterion.GRADIENT).threshold(0.1f).ema(0.5f).build()),
                "an EMA is a mean already");
        assertFalse(host(PruneSpec.builder().criterion(Criterion.MAGNITUDE).threshold(0.1f).build()));
        assertFalse(host(PruneSpec.builder().criterion(Criterion.GRADIENT).sparsity(0.5).build()));
        assertFalse(host(PruneSpec.builder().criterion(Criterion.TAYLOR).sparsity(0.5).build()));
    }

    private static boolean host(PruneSpec spec) {
        return new ModelPruner(twoLayers(), spec).scoresFormedOnHost();
    }
}
