package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The random baseline (seeded, exact-k, nested prunes) and biases as pruning candidates. */
class RandomAndBiasPruningTest {
    @Test
    void randomScoresAreSeededAndPruneExactlyTheRequestedCount() {
        ModelSpec m = Models.build("lenet-300-100", 3);
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.RANDOM).randomSeed(7).sparsity(0.8).build();
        assertFalse(spec.needsGradients());
        ModelPruner p = new ModelPruner(m.net(), spec);
        ModelPruner.Result half = p.prune(0.5, p.scores(null));
        assertEquals(p.candidateCount() - Math.round(0.5 * p.candidateCount()), half.kept());
        byte[][] first = copy(p.masks());
        ModelPruner.Result more = p.prune(0.8, p.scores(null));
        assertEquals(p.candidateCount() - Math.round(0.8 * p.candidateCount()), more.kept());
        // Nested: the same random order, so everything kept at 0.8 was kept at 0.5.
        for (int t = 0; t < first.length; t++) {
            for (int i = 0; i < first[t].length; i++) assertTrue(first[t][i] >= p.masks()[t][i]);
        }
        // Uniform: every layer ends near the global sparsity (the first layer has 235,200 candidates).
        assertEquals(0.2, p.densities()[0], 0.01);
        // The seed decides: the same seed gives the same masks, another seed other masks.
        ModelSpec m2 = Models.build("lenet-300-100", 3), m3 = Models.build("lenet-300-100", 3);
        ModelPruner p2 = new ModelPruner(m2.net(), spec), p3 = new ModelPruner(m3.net(),
                spec.toBuilder().randomSeed(8).build());
        p2.prune(0.5, p2.scores(null));
        p3.prune(0.5, p3.scores(null));
        for (int t = 0; t < first.length; t++) assertArrayEquals(first[t], p2.masks()[t]);
        assertFalse(java.util.Arrays.equals(first[0], p3.masks()[0]));
    }

    @Test
    void biasesAreCandidatesOnlyWhenAsked() {
        ModelSpec m = Models.build("lenet-300-100", 3);
        List<String> weightsOnly = List.of(new ModelPruner(m.net(), PruneSpec.global(Criterion.MAGNITUDE,
                0.5)).names());
        assertEquals(List.of("0.weight", "2.weight", "4.weight"), weightsOnly);
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.MAGNITUDE).pruneBiases(true).sparsity(0.5).build();
        ModelPruner p = new ModelPruner(m.net(), spec);
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"), List.of(p.names()));
        assertTrue(p.targets().get(1).isBias());
        // Biases are scored like weights and selected with them: a huge bias entry survives, a zero one goes.
        Parameter b0 = m.net().namedParameters().get("0.bias");
        b0.value.data[0] = 100f;
        b0.value.data[1] = 0f;
        p.prune(0.5, p.scores(null));
        assertEquals(1, b0.mask[0]);
        assertEquals(0, b0.mask[1]);
        assertEquals(0f, b0.value.data[1]);
        // excludeLast drops the last layer's weight and bias.
        PruneSpec last = spec.toBuilder().excludeLast(true).build();
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.of(new ModelPruner(m.net(),
                last).names()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> spec.toBuilder().granularity(Granularity.STRUCTURED).build());
        assertTrue(e.getMessage().contains("bias pruning is for unstructured"), e.getMessage());
    }

    @Test
    void aOneLayerModelCannotBeNeuronPrunedAndTheMessageSaysWhy() {
        ModelSpec m = Models.build("linear-regression", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelPruner(m.net(),
                PruneSpec.builder().criterion(Criterion.MAGNITUDE).granularity(Granularity.STRUCTURED).build()));
        assertTrue(e.getMessage().contains("never removes the last weight layer's rows"), e.getMessage());
    }

    @Test
    void structuredThresholdKeepsExactlyTheRowsWhoseNormReachesIt() {
        ModelSpec m = Models.build("lenet-300-100", 5);
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.MAGNITUDE).granularity(Granularity.STRUCTURED)
                .groupNorm(Structured.Norm.L1).threshold(14f).build();  // layer 0's row L1 norms are about 14
        ModelPruner p = new ModelPruner(m.net(), spec);
        float[][] w = new float[p.targets().size()][];
        for (int t = 0; t < w.length; t++) w[t] = p.weights()[t].clone();
        ModelPruner.Result r = p.prune(0.9, p.scores(null));  // the sparsity is ignored in threshold mode
        int kept = 0;
        for (int t = 0; t < w.length; t++) {
            ModelPruner.Target tg = p.targets().get(t);
            int k = 0;
            for (int row = 0; row < tg.rows(); row++) {
                double l1 = 0;
                for (int c = 0; c < tg.rowLength(); c++) l1 += Math.abs((double) w[t][row * tg.rowLength() + c]);
                boolean keep = (float) l1 >= 14f;
                assertEquals(keep ? 1 : 0, tg.weight().mask[row * tg.rowLength()], tg.name() + " row " + row);
                if (keep) assertEquals(row, r.keptRows()[t][k++]);
            }
            kept += k;
        }
        assertTrue(kept > 0 && kept < 400, "the threshold splits the rows: kept " + kept);
    }

    private static byte[][] copy(byte[][] a) {
        byte[][] c = new byte[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }
}
