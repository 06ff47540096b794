package dev.jprune.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jprune.cpu.NaiveConv2d;
import dev.jprune.tensor.Tensor;
import dev.jprune.testutil.GradCheckConv;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * Conv2d (im2col + Gemm) against NaiveConv2d (direct loops, double accumulation) for forward and all three
 * gradients, plus a finite-difference check. Tolerance |fast - ref| &le; atol + rtol*|ref|, rtol = 1e-5,
 * atol = 1e-5 * sqrt(terms) with terms the length of the sum behind each element (inputs are U(-1, 1); float
 * accumulation error grows like sqrt(terms), see GemmTest).
 */
class Conv2dTest {

    static void assertClose(String what, Tensor ref, Tensor fast, int terms) {
        assertArrayEquals(ref.shape(), fast.shape(), what + " shape");
        double atol = 1e-5 * Math.sqrt(Math.max(1, terms)), rtol = 1e-5, worst = -Double.MAX_VALUE;
        int wi = -1;
        for (int i = 0; i < ref.size(); i++) {
            double e = Math.abs(fast.data[i] - ref.data[i]) - (atol + rtol * Math.abs(ref.data[i]));
            if (!(e <= worst) || Float.isNaN(fast.data[i])) {
                worst = Float.isNaN(fast.data[i]) ? Double.MAX_VALUE : e; wi = i;
            }
        }
        if (worst > 0) {
            fail(what + ": worst element " + wi + " fast=" + fast.data[wi] + " ref=" + ref.data[wi] + " atol=" + atol
                    + " rtol=" + rtol);
        }
    }

    static Tensor random(Rng rng, int... shape) {
        Tensor t = Tensor.zeros(shape);
        rng.fillUniform(t.data, -1f, 1f);
        return t;
    }

    @Test
    void matchesNaiveForwardAndGradients() {
        // {N, C, F, H, W, k, stride, pad}
        int[][] cases = {
                {1, 1, 1, 7, 7, 1, 1, 0}, {3, 3, 4, 9, 7, 3, 1, 1}, {1, 3, 2, 9, 9, 5, 2, 2},
                {3, 1, 5, 28, 28, 5, 1, 0}, {3, 3, 7, 7, 9, 3, 2, 0}, {1, 1, 3, 28, 28, 3, 2, 1},
                {3, 3, 16, 9, 9, 1, 2, 2}, {1, 3, 1, 7, 7, 5, 1, 2}, {3, 1, 8, 9, 28, 3, 1, 2},
                {1, 3, 129, 9, 9, 3, 1, 1}};
        Rng rng = new Rng(2024);
        for (int[] cs : cases) {
            int n = cs[0], c = cs[1], f = cs[2], h = cs[3], w = cs[4], k = cs[5], s = cs[6], p = cs[7];
            String what = "N=" + n + " C=" + c + " F=" + f + " H=" + h + " W=" + w + " k=" + k + " s=" + s + " p=" + p;
            Conv2d conv = new Conv2d(c, f, k, s, p, rng);
            Tensor x = random(rng, n, c, h, w);
            Tensor xCopy = x.copy();
            Tensor y = conv.forward(x, true);
            Tensor yRef = NaiveConv2d.forward(x, conv.weight().value, conv.bias().value, s, p);
            assertClose(what + " forward", yRef, y, c * k * k);
            int oh = y.dim(2), ow = y.dim(3);

            Tensor dy = random(rng, y.shape());
            Tensor dyCopy = dy.copy();
            // backward accumulates: start from non-zero gradients
            Tensor gw0 = random(rng, conv.weight().grad.shape()), gb0 = random(rng, f);
            System.arraycopy(gw0.data, 0, conv.weight().grad.data, 0, gw0.size());
            System.arraycopy(gb0.data, 0, conv.bias().grad.data, 0, f);
            Tensor dx = conv.backward(dy);

            assertClose(what + " dx", NaiveConv2d.gradInput(dy, conv.weight().value, x.shape(), s, p), dx, f * k * k);
            Tensor dwRef = NaiveConv2d.gradWeight(x, dy, k, s, p);
            for (int i = 0; i < dwRef.size(); i++) dwRef.data[i] += gw0.data[i];
            assertClose(what + " dW", dwRef, conv.weight().grad, n * oh * ow);
            Tensor dbRef = NaiveConv2d.gradBias(dy);
            for (int i = 0; i < f; i++) dbRef.data[i] += gb0.data[i];
            assertClose(what + " db", dbRef, conv.bias().grad, n * oh * ow);
            assertArrayEquals(xCopy.data, x.data, what + ": forward/backward modified x");
            assertArrayEquals(dyCopy.data, dy.data, what + ": backward modified dy");
        }
    }

    @Test
    void finiteDifferenceGradients() {
        Rng rng = new Rng(99);
        int[][] cases = {{2, 3, 4, 7, 3, 1, 1}, {1, 2, 3, 9, 5, 2, 2}, {2, 1, 2, 7, 1, 1, 0}};
        for (int[] cs : cases) {
            Conv2d conv = new Conv2d(cs[1], cs[2], cs[4], cs[5], cs[6], rng);
            Tensor x = random(rng, cs[0], cs[1], cs[3], cs[3]);
            GradCheckConv.check(conv.describe(), conv, x, 5, 1e-2f, 1e-2, 1e-3);
        }
    }

    @Test
    void initIsPyTorchDefaultUniformBound() {
        Conv2d conv = new Conv2d(3, 64, 3, 1, 1, new Rng(1));
        double bound = 1.0 / Math.sqrt(27);
        for (Parameter prm : conv.parameters()) {
            double max = 0;
            for (float v : prm.value.data) {
                assertTrue(Math.abs(v) <= bound, prm.localName + " value " + v + " outside +-" + bound);
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max > 0.8 * bound, prm.localName + " max |value| " + max + " suspiciously far below " + bound);
        }
        assertEquals("weight", conv.parameters().get(0).localName);
        assertEquals(Parameter.Kind.WEIGHT, conv.parameters().get(0).kind);
        assertArrayEquals(new int[] {64, 3, 3, 3}, conv.weight().value.shape());
        assertEquals("bias", conv.parameters().get(1).localName);
        assertEquals(Parameter.Kind.BIAS, conv.parameters().get(1).kind);
        assertArrayEquals(new int[] {64}, conv.bias().value.shape());
    }

    @Test
    void shapesDescribeAndErrors() {
        Conv2d conv = new Conv2d(3, 64, 3, 1, 1, new Rng(1));
        assertEquals("Conv2d(3 -> 64, k=3, s=1, p=1)", conv.describe());
        assertArrayEquals(new int[] {8, 64, 32, 32}, conv.outputShape(new int[] {8, 3, 32, 32}));
        assertArrayEquals(new int[] {2, 5, 4, 3},
                new Conv2d(1, 5, 3, 2, 0, new Rng(1)).outputShape(new int[] {2, 1, 9, 8}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> conv.forward(Tensor.zeros(2, 4, 9, 9), false));
        assertTrue(e.getMessage().contains("Conv2d") && e.getMessage().contains("[2, 4, 9, 9]")
                && e.getMessage().contains("3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(3, 9, 9), false));
        assertThrows(IllegalArgumentException.class,
                () -> new Conv2d(1, 1, 5, 1, 0, new Rng(1)).forward(Tensor.zeros(1, 1, 4, 9), false));
        assertThrows(IllegalStateException.class,
                () -> new Conv2d(1, 1, 3, 1, 0, new Rng(1)).backward(Tensor.zeros(1, 1, 1, 1)));
        conv.forward(Tensor.zeros(2, 3, 5, 5), true);
        float[] before = conv.weight().grad.data.clone();
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> conv.backward(Tensor.zeros(2, 64, 4, 5)));
        assertTrue(e2.getMessage().contains("Conv2d") && e2.getMessage().contains("[2, 64, 4, 5]")
                && e2.getMessage().contains("[2, 64, 5, 5]"), e2.getMessage());
        assertArrayEquals(before, conv.weight().grad.data, "failed backward modified the gradient");
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(0, 1, 3, 1, 0, new Rng(1)));
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(1, 1, 3, 0, 0, new Rng(1)));
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(1, 1, 3, 1, -1, new Rng(1)));
    }
}
