package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Edge cases of the plain CPU kernels that the twin tests' random data never hits: ReLU and its gradient at ±0,
 * the optimizer steps' "no clipping" and pruned-entry rules, Adam's gradient scale under weight decay, and the
 * reference max pool's tie rule (lowest index).
 */
class CpuKernelsEdgeTest {
    @Test
    void reluOfMinusZeroIsPlusZeroAndItsGradientAtZeroIsZero() {
        assertEquals(0, Float.floatToRawIntBits(Epilogue.relu(-0f)), "relu(-0) is +0, not -0");
        assertEquals(0, Float.floatToRawIntBits(Epilogue.relu(Float.NaN)));
        float[] x = {0f, -0f, 1e-30f, -1f, Float.NaN}, dy = {1f, 2f, 3f, 4f, 5f}, dx = new float[5];
        CpuKernels.reluBackward(x, dy, dx, 5);
        assertArrayEquals(new float[] {0f, 0f, 3f, 0f, 0f}, dx, "gradient flows only where x > 0");
    }

    @Test
    void sgdClipValueZeroMeansNoClipping() {
        float[] w = {1f, 1f}, g = {5f, -5f};
        CpuKernels.sgdStep(w, g, null, null, 2, 0.5f, 0f, 0f, false, 1f, 0f);
        assertArrayEquals(new float[] {1f - 2.5f, 1f + 2.5f}, w);
        float[] w2 = {1f, 1f};
        CpuKernels.sgdStep(w2, g, null, null, 2, 0.5f, 0f, 0f, false, 1f, 2f); // clipped to ±2
        assertArrayEquals(new float[] {0f, 2f}, w2);
    }

    @Test
    void sgdZeroesWeightAndMomentumAtPrunedEntriesWithOrWithoutABuffer() {
        float[] w = {1f, 2f, 3f}, g = {1f, 1f, 1f}, mom = {7f, 7f, 7f};
        byte[] mask = {1, 0, 1};
        CpuKernels.sgdStep(w, g, mom, mask, 3, 0.1f, 0.9f, 0f, false, 1f, 0f);
        assertEquals(0f, w[1]);
        assertEquals(0f, mom[1], "the momentum of a pruned weight is cleared: it cannot revive it");
        assertEquals(0.9f * 7f + 1f, mom[0]);
        float[] w2 = {1f, 2f, 3f};
        CpuKernels.sgdStep(w2, g, null, mask, 3, 0.1f, 0f, 0f, false, 1f, 0f); // momentum 0: no buffer needed
        assertArrayEquals(new float[] {1f - 0.1f * 1f, 0f, 3f - 0.1f * 1f}, w2);
    }

    @Test
    void adamScalesTheGradientBeforeAddingWeightDecay() {
        float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.1f, scale = 0.25f;
        // element 0: g·scale + wd·w = +0.05 but g/scale + wd·w = -0.7; Adam's first step is about lr·sign(d)
        float[] w = {1f, -1.5f, 2f}, g = {-0.2f, 0.3f, -1.2f}, m = new float[3], v = new float[3];
        float[] expected = new float[3];
        for (int i = 0; i < 3; i++) { // the Javadoc's formula, step 1, in double
            double d = g[i] * (double) scale + wd * (double) w[i];
            double mi = (1 - b1) * d, vi = (1 - b2) * d * d;
            expected[i] = (float) (w[i] - lr * (mi / (1 - b1)) / (Math.sqrt(vi / (1 - b2)) + eps));
        }
        CpuKernels.adamStep(w, g, m, v, null, 3, lr, b1, b2, eps, wd, 1, scale, 0f);
        for (int i = 0; i < 3; i++) assertEquals(expected[i], w[i], 1e-6, "w[" + i + "]");
    }

    @Test
    void naiveMaxPoolArgmaxTakesTheLowestIndexOfTiesAndStaysInItsWindow() {
        // one plane 2 x 4, windows 2 x 2 with stride 2: [[5, 5 | 5, 0], [5, 2 | 1, 1]]
        Tensor x = Tensor.wrap(new float[] {5, 5, 5, 0, 5, 2, 1, 1}, 1, 1, 2, 4);
        assertArrayEquals(new int[] {0, 2}, NaiveMaxPool2d.argmax(x, 2, 2), "ties at 0, 1 and 4 give 0");
        // the window's maximum is in its second row; the element right of its first row (next window) is equal
        Tensor y = Tensor.wrap(new float[] {1, 2, 7, 0, 3, 7, 0, 0}, 1, 1, 2, 4);
        assertArrayEquals(new int[] {5, 2}, NaiveMaxPool2d.argmax(y, 2, 2));
    }
}
