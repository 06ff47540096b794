package dev.jprune.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.cpu.NaiveMaxPool2d;
import dev.jprune.tensor.Tensor;
import dev.jprune.testutil.GradCheckConv;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/** MaxPool2d against NaiveMaxPool2d (a different formulation), tie and NaN rules, and a finite-difference check. */
class MaxPool2dTest {

    /** Values quantised to a coarse grid so windows contain ties. */
    private static Tensor tiedRandom(Rng rng, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data[i] = rng.nextInt(5) - 2;
        return t;
    }

    @Test
    void matchesNaiveWithAndWithoutTies() {
        // {N, C, H, W, k, s}: overlapping (s < k), exact tiling, and leftover rows/cols (floor)
        int[][] cases = {{1, 1, 7, 7, 2, 2}, {3, 3, 9, 9, 3, 2}, {3, 1, 28, 28, 2, 2}, {1, 3, 7, 9, 3, 1},
                {3, 3, 9, 7, 1, 1}, {1, 1, 1, 1, 1, 1}, {2, 129, 7, 7, 7, 3}, {3, 2, 28, 9, 5, 3}};
        Rng rng = new Rng(8);
        for (int[] cs : cases) {
            for (boolean ties : new boolean[] {false, true}) {
                Tensor x;
                if (ties) {
                    x = tiedRandom(rng, cs[0], cs[1], cs[2], cs[3]);
                } else {
                    x = Tensor.zeros(cs[0], cs[1], cs[2], cs[3]);
                    rng.fillUniform(x.data, -1f, 1f);
                }
                String what = java.util.Arrays.toString(cs) + " ties=" + ties;
                Tensor xCopy = x.copy();
                MaxPool2d pool = new MaxPool2d(cs[4], cs[5]);
                Tensor y = pool.forward(x, true);
                Tensor yRef = NaiveMaxPool2d.forward(x, cs[4], cs[5]);
                assertArrayEquals(yRef.shape(), y.shape(), what);
                assertArrayEquals(yRef.data, y.data, what + " forward"); // a max is exact: no tolerance
                Tensor dy = Tensor.zeros(y.shape());
                rng.fillUniform(dy.data, -1f, 1f);
                Tensor dx = pool.backward(dy);
                Tensor dxRef = NaiveMaxPool2d.gradInput(x, dy, cs[4], cs[5]);
                // overlapping windows add up to k*k/s^2 float terms: allow their rounding
                for (int i = 0; i < dx.size(); i++) {
                    assertEquals(dxRef.data[i], dx.data[i], 1e-6 * (1 + Math.abs(dxRef.data[i])),
                            what + " dx[" + i + "]");
                }
                assertArrayEquals(xCopy.data, x.data, what + ": x modified");
            }
        }
    }

    @Test
    void tiesGoToFirstMaximumAndNaNWins() {
        MaxPool2d pool = new MaxPool2d(2, 2);
        Tensor x = Tensor.wrap(new float[] {5, 5, 1, Float.NaN,
                                            5, 1, 2, 3}, 1, 1, 2, 4);
        Tensor y = pool.forward(x, true);
        assertEquals(5f, y.data[0]);
        assertTrue(Float.isNaN(y.data[1]));
        Tensor dx = pool.backward(Tensor.wrap(new float[] {1f, 2f}, 1, 1, 1, 2));
        // first window: the 5 at flat index 0 wins the tie; second: the NaN at index 3
        assertArrayEquals(new float[] {1, 0, 0, 2, 0, 0, 0, 0}, dx.data);
    }

    @Test
    void finiteDifferenceOnInputsWithoutTies() {
        Rng rng = new Rng(17);
        int[][] cases = {{2, 2, 7, 7, 2, 2}, {1, 3, 9, 9, 3, 2}, {1, 1, 8, 8, 3, 1}};
        for (int[] cs : cases) {
            Tensor x = Tensor.zeros(cs[0], cs[1], cs[2], cs[3]);
            // distinct values 0.05 apart, shuffled: every gap exceeds 2*eps, so the argmax never flips under +-eps
            int[] perm = new int[x.size()];
            for (int i = 0; i < perm.length; i++) perm[i] = i;
            rng.shuffle(perm);
            for (int i = 0; i < perm.length; i++) x.data[i] = (perm[i] - perm.length / 2) * 0.05f;
            MaxPool2d pool = new MaxPool2d(cs[4], cs[5]);
            GradCheckConv.check(pool.describe(), pool, x, 3, 1e-2f, 1e-2, 1e-4);
        }
    }

    @Test
    void shapesAndErrors() {
        MaxPool2d pool = new MaxPool2d(2, 2);
        assertEquals("MaxPool2d(k=2, s=2)", pool.describe());
        assertArrayEquals(new int[] {4, 6, 14, 14}, pool.outputShape(new int[] {4, 6, 28, 28}));
        assertArrayEquals(new int[] {1, 1, 3, 2}, new MaxPool2d(3, 2).outputShape(new int[] {1, 1, 7, 6}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pool.forward(Tensor.zeros(1, 1, 1, 5), false));
        assertTrue(e.getMessage().contains("MaxPool2d") && e.getMessage().contains("[1, 1, 1, 5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pool.forward(Tensor.zeros(4, 4), false));
        assertThrows(IllegalStateException.class, () -> new MaxPool2d(2, 2).backward(Tensor.zeros(1, 1, 1, 1)));
        pool.forward(Tensor.zeros(1, 2, 4, 4), true);
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> pool.backward(Tensor.zeros(1, 2, 3, 2)));
        assertTrue(e2.getMessage().contains("[1, 2, 3, 2]") && e2.getMessage().contains("[1, 2, 2, 2]"),
                e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2, 0));
    }
}
