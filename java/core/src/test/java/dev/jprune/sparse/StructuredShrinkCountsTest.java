package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** StructuredShrink's bookkeeping: unit counts, folding counts, carried masks, and what it refuses or leaves alone. */
class StructuredShrinkCountsTest {

    /** unitsAfter is unitsBefore minus the dropped units. */
    @Test
    void unitsAfterCountsTheKeptUnits() {
        Rng rng = new Rng(91);
        Linear a = new Linear(5, 6, rng), b = new Linear(6, 3, rng);
        StructuredShrinkTest.pruneUnits(a.weight, a.bias, new int[] {1, 4}, true);
        StructuredShrink.LayerChange c = StructuredShrink.shrink(new Sequential(a, new ReLU(), b)).changes().get(0);
        assertArrayEquals(new int[] {1, 4}, c.dropped());
        assertEquals(6, c.unitsBefore());
        assertEquals(4, c.unitsAfter());
    }

    /**
     * When every unit is dead, unit 0 stays: if its constant (the bias) is nonzero it counts as kept-constant, not
     * folded; if all constants are zero nothing is folded or kept-constant. The function is unchanged either way.
     */
    @Test
    void allDeadKeepsUnitZeroAndCountsItsConstant() {
        Rng rng = new Rng(92);
        Linear a = new Linear(5, 4, rng), b = new Linear(4, 3, rng);
        Sequential net = new Sequential(a, b); // no ReLU: the constants are the biases, all nonzero
        StructuredShrinkTest.pruneUnits(a.weight, a.bias, new int[] {0, 1, 2, 3}, false);
        StructuredShrink.Result r = StructuredShrink.shrink(net);
        StructuredShrink.LayerChange c = r.changes().get(0);
        assertArrayEquals(new int[] {1, 2, 3}, c.dropped());
        assertEquals(3, c.folded());
        assertEquals(1, c.keptConstant());
        StructuredShrinkTest.assertSameFunction("constants", net, r.model(), StructuredShrinkTest.input(rng, 3, 5));

        Linear z = new Linear(5, 4, rng), y = new Linear(4, 3, rng);
        StructuredShrinkTest.pruneUnits(z.weight, z.bias, new int[] {0, 1, 2, 3}, true);
        StructuredShrink.LayerChange zc = StructuredShrink.shrink(new Sequential(z, y)).changes().get(0);
        assertArrayEquals(new int[] {1, 2, 3}, zc.dropped());
        assertEquals(0, zc.folded());
        assertEquals(0, zc.keptConstant());
    }

    /** The consumer keeps its unstructured mask, minus the columns of the dropped units, row by row. */
    @Test
    void consumerMaskLosesExactlyTheDroppedColumns() {
        Rng rng = new Rng(93);
        Linear a = new Linear(3, 4, rng), b = new Linear(4, 3, rng);
        Sequential net = new Sequential(a, new ReLU(), b);
        Masks.randomWeightMasks(net, 0.3, rng);
        StructuredShrinkTest.pruneUnits(a.weight, a.bias, new int[] {1, 2}, true);
        byte[] before = b.weight.mask.clone();
        float[] wBefore = b.weight.value.data.clone();
        Linear shrunk = (Linear) StructuredShrink.shrink(net).model().layers().get(2);
        byte[] want = new byte[3 * 2];
        float[] wWant = new float[3 * 2];
        for (int g = 0; g < 3; g++) {
            int[] kept = {0, 3};
            for (int k = 0; k < 2; k++) {
                want[g * 2 + k] = before[g * 4 + kept[k]];
                wWant[g * 2 + k] = wBefore[g * 4 + kept[k]];
            }
        }
        assertArrayEquals(want, shrunk.weight.mask);
        assertArrayEquals(wWant, shrunk.weight.value.data);
    }

    /** A layer it cannot rewrite is named even when it sits between two Linears of different widths. */
    @Test
    void unsupportedLayerBetweenLinearsIsNamed() {
        Rng rng = new Rng(94);
        Layer widen = new Layer() {
            public Tensor forward(Tensor x, boolean t) { return x; }
            public Tensor backward(Tensor dy) { return dy; }
            public int[] outputShape(int[] s) { return new int[] {s[0], s[1] + 1}; }
            public String describe() { return "Pad1"; }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StructuredShrink.shrink(new Sequential(new Linear(3, 4, rng), widen, new Linear(5, 2, rng))));
        assertTrue(e.getMessage().contains("layer 1 Pad1") && e.getMessage().contains("not supported"), e.getMessage());
    }

    /** A Linear feeding a Conv2d directly (no reshape exists) is left as it is, dead units included. */
    @Test
    void linearFeedingAConvIsLeftAlone() {
        Rng rng = new Rng(95);
        Linear a = new Linear(4, 9, rng);
        StructuredShrinkTest.pruneUnits(a.weight, a.bias, new int[] {2}, true);
        Sequential net = new Sequential(a, new Conv2d(1, 2, 3, 1, 0, rng));
        StructuredShrink.Result r = StructuredShrink.shrink(net);
        assertEquals(0, r.changes().get(0).dropped().length);
        assertEquals(9, r.changes().get(0).unitsAfter());
        assertEquals(net.describe(), r.model().describe());
        assertEquals(r.parametersBefore(), r.parametersAfter());
        assertArrayEquals(a.weight.value.data, r.model().layers().get(0).parameters().get(0).value.data);
        assertTrue(Arrays.equals(a.weight.mask, r.model().layers().get(0).parameters().get(0).mask));
    }
}
