package dev.jprune.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.cpu.NaiveConv2d;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * The batched-im2col Conv2d when the batch is cut into several chunks (forced with a small col bound), against
 * NaiveConv2d and against the single-chunk run: forward and dx must be bit-identical to one chunk (every element is
 * the same fma chain whatever the chunking), dW/db within the sqrt(N*OH*OW) tolerance of Conv2dTest. Also: the
 * skipped input gradient, chunk sizing, and reuse of the layer's scratch across calls of different batch sizes.
 */
class Conv2dChunkTest {

    private static Conv2d twin(Conv2d a, int c, int f, int k, int s, int p) {
        Conv2d b = new Conv2d(c, f, k, s, p, new Rng(1));
        System.arraycopy(a.weight().value.data, 0, b.weight().value.data, 0, a.weight().value.size());
        System.arraycopy(a.bias().value.data, 0, b.bias().value.data, 0, f);
        return b;
    }

    @Test
    void severalChunksMatchOneChunkAndNaive() {
        // {N, C, F, H, W, k, stride, pad}
        int[][] cases = {{7, 3, 5, 9, 7, 3, 1, 1}, {5, 2, 4, 9, 9, 5, 2, 2}, {13, 1, 20, 28, 28, 5, 1, 0},
                {7, 3, 129, 7, 9, 3, 2, 0}};
        Rng rng = new Rng(31);
        for (int[] cs : cases) {
            int n = cs[0], c = cs[1], f = cs[2], h = cs[3], w = cs[4], k = cs[5], s = cs[6], p = cs[7];
            String what = "N=" + n + " C=" + c + " F=" + f + " H=" + h + " W=" + w + " k=" + k + " s=" + s + " p=" + p;
            Conv2d one = new Conv2d(c, f, k, s, p, rng);
            Conv2d many = twin(one, c, f, k, s, p);
            int[] os = one.outputShape(new int[] {n, c, h, w});
            long perImage = (long) c * k * k * os[2] * os[3];
            many.maxColFloats = 2 * perImage + 1; // chunks of 2 images, the last one smaller for odd n
            assertEquals(2, Conv2d.chunkImages(n, perImage, many.maxColFloats));
            Tensor x = Conv2dTest.random(rng, n, c, h, w);
            Tensor y1 = one.forward(x, true), yN = many.forward(x, true);
            assertArrayEquals(y1.data, yN.data, what + ": forward depends on the chunking");
            Conv2dTest.assertClose(what + " forward",
                    NaiveConv2d.forward(x, one.weight().value, one.bias().value, s, p), yN, c * k * k);
            Tensor dy = Conv2dTest.random(rng, y1.shape());
            Tensor dx1 = one.backward(dy), dxN = many.backward(dy);
            assertArrayEquals(dx1.data, dxN.data, what + ": dx depends on the chunking");
            Conv2dTest.assertClose(what + " dx", NaiveConv2d.gradInput(dy, one.weight().value, x.shape(), s, p),
                    dxN, f * k * k);
            int terms = n * os[2] * os[3];
            Conv2dTest.assertClose(what + " dW", NaiveConv2d.gradWeight(x, dy, k, s, p), many.weight().grad, terms);
            Conv2dTest.assertClose(what + " db", NaiveConv2d.gradBias(dy), many.bias().grad, terms);
        }
    }

    @Test
    void skippedInputGradientLeavesParameterGradientsUnchanged() {
        Rng rng = new Rng(5);
        Conv2d a = new Conv2d(3, 7, 3, 1, 1, rng);
        Conv2d b = twin(a, 3, 7, 3, 1, 1);
        Tensor x = Conv2dTest.random(rng, 4, 3, 9, 9);
        a.forward(x, true);
        b.forward(x, true);
        Tensor dy = Conv2dTest.random(rng, 4, 7, 9, 9);
        Tensor dx = a.backward(dy, true);
        assertTrue(dx != null);
        assertNull(b.backward(dy, false));
        assertArrayEquals(a.weight().grad.data, b.weight().grad.data);
        assertArrayEquals(a.bias().grad.data, b.bias().grad.data);
    }

    @Test
    void scratchReuseAcrossBatchSizesAndEvalForward() {
        // Big batch, then a smaller one, then an eval forward of another input followed by forward/backward: each
        // result must match a fresh layer's (stale scratch or a stale cached col would show here).
        Rng rng = new Rng(8);
        Conv2d conv = new Conv2d(2, 6, 3, 1, 1, rng);
        conv.maxColFloats = 3L * 2 * 9 * 7 * 7; // chunks of 3 images
        for (int n : new int[] {8, 1, 5, 7}) {
            Conv2d fresh = twin(conv, 2, 6, 3, 1, 1);
            fresh.maxColFloats = conv.maxColFloats;
            Tensor other = Conv2dTest.random(rng, n + 1, 2, 7, 7);
            conv.forward(other, false);
            Tensor x = Conv2dTest.random(rng, n, 2, 7, 7);
            Tensor y = conv.forward(x, true), yf = fresh.forward(x, true);
            assertArrayEquals(yf.data, y.data, "forward n=" + n);
            Tensor dy = Conv2dTest.random(rng, y.shape());
            conv.weight().zeroGrad();
            conv.bias().zeroGrad();
            assertArrayEquals(fresh.backward(dy).data, conv.backward(dy).data, "dx n=" + n);
            assertArrayEquals(fresh.weight().grad.data, conv.weight().grad.data, "dW n=" + n);
            assertArrayEquals(fresh.bias().grad.data, conv.bias().grad.data, "db n=" + n);
        }
    }

    @Test
    void chunkSizing() {
        // col bound 256 Ki floats (1 MiB): lenet-5 conv2 (32,000 floats per image) in 16 chunks of 8 images, conv1
        // (14,400) in 8 chunks of 16, cifar-cnn-a conv2 (147,456) one image per chunk
        assertEquals(8, Conv2d.chunkImages(128, 32000, Conv2d.MAX_COL_FLOATS));
        assertEquals(16, Conv2d.chunkImages(128, 14400, Conv2d.MAX_COL_FLOATS));
        assertEquals(1, Conv2d.chunkImages(128, 64L * 9 * 256, Conv2d.MAX_COL_FLOATS));
        assertEquals(1, Conv2d.chunkImages(5, 100, 10)); // an image larger than the bound still runs, alone
        assertEquals(3, Conv2d.chunkImages(7, 10, 30));
        assertEquals(1, Conv2d.chunkImages(0, 10, 30));
    }
}
