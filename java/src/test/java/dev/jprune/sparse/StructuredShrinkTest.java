package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.Models;
import dev.jprune.nn.Dropout;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.tensor.Tensor;
import dev.jprune.testutil.Close;
import dev.jprune.util.Rng;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class StructuredShrinkTest {
    static final double RTOL = 1e-5, ATOL = 2e-5;

    /** Distinct random unit indices, ascending. */
    static int[] pick(Rng rng, int units, int count) {
        TreeSet<Integer> s = new TreeSet<>();
        while (s.size() < count) s.add(rng.nextInt(units));
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Masks weight rows (rowLen each) of the given units; with maskBias also their bias entries. */
    static void pruneUnits(Parameter weight, Parameter bias, int[] units, boolean maskBias) {
        int rowLen = weight.size() / bias.size();
        if (weight.mask == null) { weight.mask = new byte[weight.size()]; Arrays.fill(weight.mask, (byte) 1); }
        for (int u : units) Arrays.fill(weight.mask, u * rowLen, (u + 1) * rowLen, (byte) 0);
        weight.applyMask();
        if (maskBias) {
            if (bias.mask == null) { bias.mask = new byte[bias.size()]; Arrays.fill(bias.mask, (byte) 1); }
            for (int u : units) bias.mask[u] = 0;
            bias.applyMask();
        }
    }

    static Tensor input(Rng rng, int... shape) {
        Tensor x = Tensor.zeros(shape);
        rng.fillUniform(x.data, -1f, 1f);
        return x;
    }

    static void assertSameFunction(String what, Sequential a, Sequential b, Tensor x) {
        Close.assertClose(what, a.forward(x, false).data, b.forward(x, false).data, RTOL, ATOL);
    }

    @Test
    void lenet300DropsStructurallyPrunedNeurons() {
        var spec = Models.build("lenet-300-100", 21);
        Sequential net = spec.net();
        Rng rng = new Rng(22);
        Masks.randomWeightMasks(net, 0.5, rng); // unstructured sparsity on top: masks must be carried over
        Linear l0 = (Linear) net.layer(0), l2 = (Linear) net.layer(2), l4 = (Linear) net.layer(4);
        int[] d0 = pick(rng, 300, 100), d2 = pick(rng, 100, 30);
        pruneUnits(l0.weight, l0.bias, d0, true);
        pruneUnits(l2.weight, l2.bias, d2, true);
        pruneUnits(l4.weight, l4.bias, new int[] {3}, true); // the output layer is never shrunk

        StructuredShrink.Result r = StructuredShrink.shrink(net);
        Sequential s = r.model();
        assertEquals("Sequential(0: Linear(784 -> 200), 1: ReLU, 2: Linear(200 -> 70), 3: ReLU, 4: Linear(70 -> 10))", s.describe());
        assertArrayEquals(d0, r.changes().get(0).dropped());
        assertArrayEquals(d2, r.changes().get(1).dropped());
        assertEquals(0, r.changes().get(2).dropped().length);
        long expectDropped = 100L * (784 + 1) + 100L * 100   // layer 0 rows + bias, layer 2 columns
                + 30L * (200 + 1) + 30L * 10;               // layer 2 rows (already 200 wide) + bias, layer 4 columns
        assertEquals(net.parameterCount() - expectDropped, s.parameterCount());
        assertEquals(expectDropped, r.parametersDropped());
        for (int n : new int[] {1, 7, 129}) assertSameFunction("lenet-300-100 shrunk, batch " + n, net, s, input(rng, n, 1, 28, 28));

        // Kept entries carry their values and masks; masked entries are still zero.
        Linear s0 = (Linear) s.layer(0), s2 = (Linear) s.layer(2);
        int row = 0;
        for (int u = 0; u < 300; u++) {
            if (Arrays.binarySearch(d0, u) >= 0) continue;
            assertArrayEquals(Arrays.copyOfRange(l0.weight.value.data, u * 784, (u + 1) * 784), Arrays.copyOfRange(s0.weight.value.data, row * 784, (row + 1) * 784));
            assertArrayEquals(Arrays.copyOfRange(l0.weight.mask, u * 784, (u + 1) * 784), Arrays.copyOfRange(s0.weight.mask, row * 784, (row + 1) * 784));
            row++;
        }
        for (Parameter p : s.parameters()) {
            if (p.mask != null) for (int i = 0; i < p.size(); i++) if (p.mask[i] == 0) assertEquals(0f, p.value.data[i]);
        }
        assertNotNull(s2.bias.mask);
        // The source model is untouched.
        assertEquals(300, l0.out);
        assertEquals(784 * 300, l0.weight.value.size());
    }

    /** A net where layer 0 has dead neurons of three sorts: bias masked, bias negative (ReLU kills it), bias positive. */
    static Sequential deadNeuronNet(Rng rng, int[] masked, int[] negative, int[] positive) {
        Linear a = new Linear(13, 9, rng), b = new Linear(9, 5, rng);
        Sequential net = new Sequential(a, new ReLU(), new Dropout(0.3f, 7), b);
        pruneUnits(a.weight, a.bias, masked, true);
        pruneUnits(a.weight, a.bias, negative, false);
        pruneUnits(a.weight, a.bias, positive, false);
        for (int u : negative) a.bias.value.data[u] = -0.5f;
        for (int u : positive) a.bias.value.data[u] = 0.75f;
        return net;
    }

    @Test
    void keepPolicyKeepsConstantNeuronsFoldPolicyFoldsThem() {
        Rng rng = new Rng(30);
        int[] masked = {1, 6}, negative = {2}, positive = {4, 8};
        Sequential net = deadNeuronNet(rng, masked, negative, positive);
        Tensor x = input(rng, 7, 13);

        StructuredShrink.Result keep = StructuredShrink.shrink(net, StructuredShrink.Policy.KEEP);
        assertArrayEquals(new int[] {1, 2, 6}, keep.changes().get(0).dropped());
        assertEquals(2, keep.changes().get(0).keptConstant());
        assertEquals(3L * (13 + 1) + 3L * 5, keep.parametersDropped());
        assertSameFunction("KEEP", net, keep.model(), x);

        StructuredShrink.Result fold = StructuredShrink.shrink(net, StructuredShrink.Policy.FOLD);
        assertArrayEquals(new int[] {1, 2, 4, 6, 8}, fold.changes().get(0).dropped());
        assertEquals(2, fold.changes().get(0).folded());
        assertEquals(5L * (13 + 1) + 5L * 5, fold.parametersDropped());
        assertSameFunction("FOLD", net, fold.model(), x);
        // Folding really changed the consumer's bias: it is not the source bias any more.
        assertFalse(Arrays.equals(((Linear) net.layer(3)).bias.value.data, ((Linear) fold.model().layer(3)).bias.value.data));
        assertTrue(fold.model().layer(2) instanceof Dropout);
    }

    @Test
    void foldIntoMaskedBiasUnmasksIt() {
        Rng rng = new Rng(31);
        Sequential net = deadNeuronNet(rng, new int[0], new int[0], new int[] {0});
        Linear b = (Linear) net.layer(3);
        pruneUnits(b.weight, b.bias, new int[0], true); // creates an all-ones bias mask
        b.bias.mask[2] = 0;
        b.bias.applyMask();
        Sequential s = StructuredShrink.shrink(net).model();
        Linear sb = (Linear) s.layer(3);
        assertNotEquals(0f, sb.bias.value.data[2]);
        assertEquals(1, sb.bias.mask[2]);
        assertSameFunction("fold into masked bias", net, s, input(rng, 3, 13));
    }

    @Test
    void allDeadKeepsOneUnitAndOutputLayerIsNeverShrunk() {
        Rng rng = new Rng(32);
        Linear a = new Linear(5, 4, rng), b = new Linear(4, 3, rng);
        Sequential net = new Sequential(a, new ReLU(), b);
        pruneUnits(a.weight, a.bias, new int[] {0, 1, 2, 3}, true);
        pruneUnits(b.weight, b.bias, new int[] {0, 1, 2}, true);
        StructuredShrink.Result r = StructuredShrink.shrink(net);
        assertEquals("Sequential(0: Linear(5 -> 1), 1: ReLU, 2: Linear(1 -> 3))", r.model().describe());
        assertArrayEquals(new int[] {1, 2, 3}, r.changes().get(0).dropped());
        assertSameFunction("all dead", net, r.model(), input(rng, 2, 5));
    }

    @Test
    void nothingToDropGivesAnEqualCopy() {
        Rng rng = new Rng(33);
        Sequential net = Models.build("mlp-128", 3).net();
        Masks.randomWeightMasks(net, 0.9, rng);
        StructuredShrink.Result r = StructuredShrink.shrink(net);
        assertEquals(net.parameterCount(), r.model().parameterCount());
        Tensor x = input(rng, 2, 784);
        assertArrayEquals(net.forward(x, false).data, r.model().forward(x, false).data);
        // A copy, not the same arrays.
        ((Linear) r.model().layer(0)).weight.value.data[0] = 42f;
        assertNotEquals(42f, ((Linear) net.layer(0)).weight.value.data[0]);
    }

    @Test
    void unsupportedLayersAreNamed() {
        Rng rng = new Rng(34);
        Layer odd = new Layer() {
            public Tensor forward(Tensor x, boolean t) { return x; }
            public Tensor backward(Tensor dy) { return dy; }
            public int[] outputShape(int[] s) { return s; }
            public String describe() { return "Tanh"; }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StructuredShrink.shrink(new Sequential(new Linear(3, 3, rng), odd, new Linear(3, 2, rng))));
        assertTrue(e.getMessage().contains("layer 1 Tanh") && e.getMessage().contains("not supported"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> StructuredShrink.shrink(new Sequential(new Linear(3, 3, rng), new Sequential(new ReLU()))));
        assertTrue(e.getMessage().contains("layer 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StructuredShrink.shrink(null));
    }
}
