package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.Models;
import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Dropout;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.MaxPool2d;
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
        assertEquals("Sequential(0: Linear(784 -> 200), 1: ReLU, 2: Linear(200 -> 70), 3: ReLU, 4: Linear(70 -> 10))",
                s.describe());
        assertArrayEquals(d0, r.changes().get(0).dropped());
        assertArrayEquals(d2, r.changes().get(1).dropped());
        assertEquals(0, r.changes().get(2).dropped().length);
        long expectDropped = 100L * (784 + 1) + 100L * 100   // layer 0 rows + bias, layer 2 columns
                + 30L * (200 + 1) + 30L * 10;               // layer 2 rows (already 200 wide) + bias, layer 4 columns
        assertEquals(net.parameterCount() - expectDropped, s.parameterCount());
        assertEquals(expectDropped, r.parametersDropped());
        for (int n : new int[] {1, 7, 129})
            assertSameFunction("lenet-300-100 shrunk, batch " + n, net, s, input(rng, n, 1, 28, 28));

        // Kept entries carry their values and masks; masked entries are still zero.
        Linear s0 = (Linear) s.layer(0), s2 = (Linear) s.layer(2);
        int row = 0;
        for (int u = 0; u < 300; u++) {
            if (Arrays.binarySearch(d0, u) >= 0) continue;
            assertArrayEquals(Arrays.copyOfRange(l0.weight.value.data, u * 784, (u + 1) * 784),
                    Arrays.copyOfRange(s0.weight.value.data, row * 784, (row + 1) * 784));
            assertArrayEquals(Arrays.copyOfRange(l0.weight.mask, u * 784, (u + 1) * 784),
                    Arrays.copyOfRange(s0.weight.mask, row * 784, (row + 1) * 784));
            row++;
        }
        for (Parameter p : s.parameters()) {
            if (p.mask != null)
                for (int i = 0; i < p.size(); i++) if (p.mask[i] == 0) assertEquals(0f, p.value.data[i]);
        }
        assertNotNull(s2.bias.mask);
        // The source model is untouched.
        assertEquals(300, l0.out);
        assertEquals(784 * 300, l0.weight.value.size());
    }

    /** A net where layer 0 has dead neurons of three sorts: bias masked, bias negative (ReLU kills it), bias
     *  positive. */
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
        assertFalse(Arrays.equals(((Linear) net.layer(3)).bias.value.data,
                ((Linear) fold.model().layer(3)).bias.value.data));
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

    /**
     * A dead unit of a layer without bias outputs 0 and is dropped; a dead unit with a positive bias feeding a consumer
     * without bias cannot be folded (nowhere to put the constant) and is kept. Both layers stay without bias.
     */
    @Test
    void layersWithoutBiasShrinkAndKeepTheirLackOfBias() {
        Rng rng = new Rng(34);
        Linear a = new Linear(6, 5, false, rng), b = new Linear(5, 4, rng), c = new Linear(4, 3, false, rng);
        Sequential net = new Sequential(a, new ReLU(), b, new ReLU(), c);
        Parameter aw = a.weight;
        aw.mask = new byte[aw.size()];
        Arrays.fill(aw.mask, (byte) 1);
        Arrays.fill(aw.mask, 2 * 6, 3 * 6, (byte) 0); // unit 2 of layer 0: dead, bias 0 -> dropped
        aw.applyMask();
        pruneUnits(b.weight, b.bias, new int[] {1}, false); // unit 1 of layer 2: dead, bias kept
        b.bias.value.data[1] = 0.5f; // a constant 0.5 after the ReLU, and layer 4 has no bias to fold it into
        StructuredShrink.Result r = StructuredShrink.shrink(net, StructuredShrink.Policy.FOLD);
        assertEquals("Sequential(0: Linear(6 -> 4, no bias), 1: ReLU, 2: Linear(4 -> 4), 3: ReLU, "
                + "4: Linear(4 -> 3, no bias))",
                r.model().describe());
        assertArrayEquals(new int[] {2}, r.changes().get(0).dropped());
        assertEquals(1, r.changes().get(1).keptConstant());
        assertSameFunction("no bias", net, r.model(), input(rng, 3, 6));
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
    void lenet5DropsFiltersChannelsAndColumnBlocks() {
        var spec = Models.build("lenet-5", 40);
        Sequential net = spec.net();
        Rng rng = new Rng(41);
        Masks.randomWeightMasks(net, 0.3, rng);
        Conv2d c0 = (Conv2d) net.layer(0), c2 = (Conv2d) net.layer(2);
        Linear f5 = (Linear) net.layer(5);
        int[] d0 = {3, 7, 11}, d2 = {0, 10, 25, 49}, d5 = pick(rng, 500, 123);
        pruneUnits(c0.weight(), c0.bias(), d0, true);
        pruneUnits(c2.weight(), c2.bias(), d2, true);
        pruneUnits(f5.weight, f5.bias, d5, true);

        StructuredShrink.Result r = StructuredShrink.shrink(net);
        Sequential s = r.model();
        assertEquals("Sequential(0: Conv2d(1 -> 17, k=5, s=1, p=0), 1: MaxPool2d(k=2, s=2), "
                + "2: Conv2d(17 -> 46, k=5, s=1, p=0), 3: MaxPool2d(k=2, s=2), 4: Flatten, 5: Linear(736 -> 377), "
                + "6: ReLU, 7: Linear(377 -> 10))", s.describe());
        assertArrayEquals(d0, r.changes().get(0).dropped());
        assertArrayEquals(d2, r.changes().get(1).dropped());
        assertArrayEquals(d5, r.changes().get(2).dropped());
        long expectDropped = 3L * (25 + 1) + 3L * 50 * 25     // conv0 filters; conv2's input channels
                + 4L * (17 * 25 + 1) + 4L * 500 * 16           // conv2 filters (17 channels left); fc's 4·(4·4) columns
                + 123L * (736 + 1) + 123L * 10;                // fc neurons; last layer's columns
        assertEquals(expectDropped, r.parametersDropped());
        assertEquals(net.parameterCount() - expectDropped, s.parameterCount());
        for (int n : new int[] {1, 7})
            assertSameFunction("lenet-5 shrunk, batch " + n, net, s, input(rng, n, 1, 28, 28));
        // Column blocks of fc: conv2's channel 0 was dropped, so source channel 1 (columns 16..31) is now channel 0
        // (columns 0..15), in the first kept fc neuron.
        Linear s5 = (Linear) s.layer(5);
        int srcRow = 0;
        while (Arrays.binarySearch(d5, srcRow) >= 0) srcRow++;
        final int first = srcRow;
        int dstRow = srcRow - (int) Arrays.stream(d5).filter(u -> u < first).count();
        assertArrayEquals(Arrays.copyOfRange(f5.weight.value.data, srcRow * 800 + 16, srcRow * 800 + 32),
                Arrays.copyOfRange(s5.weight.value.data, dstRow * 736, dstRow * 736 + 16));
    }

    /** conv(3->6, pad 1) -> ReLU -> pool 2 -> conv(6->5, pad {pad2}) -> ReLU -> Flatten -> Linear -> 4. Input
     *  3x10x10. */
    static Sequential convNet(Rng rng, int pad2) {
        int side = 5 - 3 + 2 * pad2 + 1;
        return new Sequential(new Conv2d(3, 6, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2, 2),
                new Conv2d(6, 5, 3, 1, pad2, rng), new ReLU(), new Dropout(0.25f, 3), new Flatten(),
                new Linear(5 * side * side, 4, rng));
    }

    @Test
    void constantFiltersFoldWithoutPaddingAndStayWithPadding() {
        for (int pad2 : new int[] {0, 1}) {
            Rng rng = new Rng(50 + pad2);
            Sequential net = convNet(rng, pad2);
            Conv2d a = (Conv2d) net.layer(0), b = (Conv2d) net.layer(3);
            pruneUnits(a.weight(), a.bias(), new int[] {1}, true);   // complete structural prune
            pruneUnits(a.weight(), a.bias(), new int[] {4}, false);  // constant 0.6 after ReLU and pooling
            a.bias().value.data[4] = 0.6f;
            pruneUnits(b.weight(), b.bias(), new int[] {2}, false);  // constant 0.3 into the Linear: always foldable
            b.bias().value.data[2] = 0.3f;
            Tensor x = input(rng, 3, 3, 10, 10);

            StructuredShrink.Result fold = StructuredShrink.shrink(net, StructuredShrink.Policy.FOLD);
            StructuredShrink.LayerChange ch0 = fold.changes().get(0), ch1 = fold.changes().get(1);
            if (pad2 == 0) {
                assertArrayEquals(new int[] {1, 4}, ch0.dropped());
                assertEquals(1, ch0.folded());
            } else {
                assertArrayEquals(new int[] {1}, ch0.dropped(), "a constant map cannot fold through padding");
                assertEquals(1, ch0.keptConstant());
            }
            assertArrayEquals(new int[] {2}, ch1.dropped());
            assertEquals(1, ch1.folded());
            assertSameFunction("FOLD pad " + pad2, net, fold.model(), x);

            StructuredShrink.Result keep = StructuredShrink.shrink(net, StructuredShrink.Policy.KEEP);
            assertArrayEquals(new int[] {1}, keep.changes().get(0).dropped());
            assertEquals(0, keep.changes().get(1).dropped().length);
            assertSameFunction("KEEP pad " + pad2, net, keep.model(), x);
            int side = 5 - 3 + 2 * pad2 + 1;
            int channelsLeft = pad2 == 0 ? 4 : 5; // conv b's input channels after conv a's filters went
            assertEquals(1L * (27 + 1) + 5L * 9
                    + (pad2 == 0 ? 1L * (27 + 1) + 5L * 9 : 0)          // conv a filters, conv b channels
                    + (channelsLeft * 9L + 1) + 4L * side * side,       // conv b filter, Linear block
                    fold.parametersDropped());
        }
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
