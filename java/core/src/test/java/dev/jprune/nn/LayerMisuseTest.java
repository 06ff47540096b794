package dev.jprune.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.loss.MeanSquaredError;
import dev.jprune.nn.loss.SoftmaxCrossEntropy;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a caller gets wrong with layers, parameters and losses: each gets a clear error, never a wrong result. */
class LayerMisuseTest {
    private static Tensor ones(int... shape) { return Tensor.zeros(shape).fill(1f); }

    @Test
    void dropoutBackwardBeforeAnyForwardIsRefusedLikeEveryOtherLayer() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Dropout(0.5f, 1).backward(ones(1, 4)));
        assertTrue(e.getMessage().contains("before forward"), e.getMessage());
    }

    @Test
    void dropoutBackwardOfAnotherShapeIsRefusedNotTruncatedOrOverrun() {
        for (boolean training : new boolean[] {true, false}) {
            Dropout d = new Dropout(0.5f, 1);
            d.forward(ones(2, 4), training);
            // Smaller dy: used to return a [1, 3] gradient silently; larger: an ArrayIndexOutOfBoundsException.
            for (int[] wrong : new int[][] {{1, 3}, {2, 5}, {8}}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> d.backward(ones(wrong)), Arrays.toString(wrong));
                assertTrue(e.getMessage().contains("Dropout") && e.getMessage().contains("[2, 4]"), e.getMessage());
            }
        }
    }

    @Test
    void dropoutBackwardStillMasksAfterTrainingForwardAndPassesThroughAfterEvaluation() {
        Dropout d = new Dropout(0.5f, 7);
        Tensor y = d.forward(ones(1, 64), true);
        Tensor dx = d.backward(ones(1, 64));
        assertArrayEquals(y.data, dx.data, "dropped where the forward dropped, scaled by 2 where it kept");
        Tensor dy = ones(1, 64);
        d.forward(ones(1, 64), false);
        assertSame(dy, d.backward(dy), "identity at evaluation");
    }

    @Test
    void flattenBackwardOfAnotherShapeNamesFlattenAndBothShapes() {
        Flatten f = new Flatten();
        f.forward(ones(2, 3, 2), true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.backward(ones(2, 5)));
        assertTrue(e.getMessage().startsWith("Flatten.backward") && e.getMessage().contains("[2, 6]"), e.getMessage());
        assertArrayEquals(new int[] {2, 3, 2}, f.backward(ones(2, 6)).shape());
    }

    @Test
    void sequentialRefusesANullLayerNamingItsIndex() {
        Layer relu = new ReLU();
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(relu, null, relu));
        assertEquals("Sequential: layer 1 is null", a.getMessage());
        IllegalArgumentException l = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(Arrays.asList(relu, relu, null)));
        assertEquals("Sequential: layer 2 is null", l.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Sequential((List<Layer>) null));
        assertThrows(IllegalArgumentException.class, () -> new Sequential((Layer[]) null));
        assertEquals(2, new Sequential(relu, relu).layers().size());
    }

    @Test
    void setValuesRefusesNullArraysBeforeChangingAnything() {
        Sequential net = new Sequential(new Linear(2, 2, new Rng(1)));
        float[][] before = net.copyValues();
        assertThrows(IllegalArgumentException.class, () -> net.setValues(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.setValues(new float[][] {new float[4], null}));
        assertEquals("setValues: array 1 is null", e.getMessage());
        assertArrayEquals(before, net.copyValues());
    }

    @Test
    void applyMaskRefusesAHandSetMaskOfAnotherLengthAndLeavesTheValues() {
        Parameter p = new Parameter("weight", Parameter.Kind.WEIGHT, ones(2, 2));
        p.mask = new byte[3];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, p::applyMask);
        assertTrue(e.getMessage().contains("3 entries for 4 values"), e.getMessage());
        assertArrayEquals(new float[] {1, 1, 1, 1}, p.value.data);
        p.mask = new byte[] {1, 0, 1, 0};
        p.applyMask();
        assertArrayEquals(new float[] {1, 0, 1, 0}, p.value.data);
    }

    @Test
    void lossesRefuseAnEmptyBatchInsteadOfReturningNaN() {
        IllegalArgumentException ce = assertThrows(IllegalArgumentException.class,
                () -> SoftmaxCrossEntropy.lossAndGrad(Tensor.zeros(0, 3), new int[0], Tensor.zeros(0, 3)));
        assertTrue(ce.getMessage().contains("empty batch"), ce.getMessage());
        IllegalArgumentException me = assertThrows(IllegalArgumentException.class,
                () -> MeanSquaredError.lossAndGrad(Tensor.zeros(0, 1), Tensor.zeros(0, 1), Tensor.zeros(0, 1)));
        assertTrue(me.getMessage().contains("empty"), me.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SoftmaxCrossEntropy.lossAndGrad(Tensor.zeros(1, 3), null, Tensor.zeros(1, 3)));
        assertEquals(Math.log(3), SoftmaxCrossEntropy.loss(Tensor.zeros(1, 3), new int[] {2}), 1e-6);
    }

    @Test
    void tensorDimOutOfRangeNamesTheShape() {
        Tensor t = Tensor.zeros(2, 3);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.dim(2));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> t.dim(-3));
        assertEquals(3, t.dim(-1));
        assertEquals(2, t.dim(-2));
    }
}
