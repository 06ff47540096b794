package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.util.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * MaxPool2x2 (both paths) bit for bit against {@link CpuConvKernels#maxPoolForward} (nn.MaxPool2d's rule) at odd
 * plane sizes (outputs ending in a partial vector block, odd h and w), with ties of ±0, NaNs of different payloads,
 * ±Inf, and the planes outside [from, to) poisoned and checked untouched.
 */
class MaxPool2x2Test {

    private interface Pool {
        void run(float[] x, int xOff, int h, int w, int[] corner, float[] y, int yOff, int from, int to);
    }

    private static List<Pool> paths() {
        List<Pool> paths = new ArrayList<>(List.of(MaxPool2x2::poolScalar, MaxPool2x2::pool));
        if (Gemm.VECTOR) paths.add(VectorMaxPool2x2::pool);
        return paths;
    }

    /** Values drawn so that ties (±0, equal values) and every special value occur. */
    private static float value(Rng rng, boolean specials) {
        double u = rng.nextDouble();
        if (u < 0.15) return rng.nextDouble() < 0.5 ? 0f : -0f;
        if (u < 0.25) return 0.5f;
        if (specials && u < 0.27) return Float.intBitsToFloat(0x7fc00000 | rng.nextInt(1000)); // NaN, own payload
        if (specials && u < 0.29) return rng.nextDouble() < 0.5 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
        return (float) rng.nextGaussian();
    }

    @Test
    void bothPathsEqualTheReferenceBitForBit() {
        Rng rng = new Rng(51);
        int[][] shapes = {{1, 2, 2}, {3, 3, 5}, {2, 7, 7}, {1, 9, 34}, {20, 24, 24}, {4, 30, 30}, {2, 33, 65},
            {1, 2, 64}};
        int checked = 0;
        for (int[] s : shapes) {
            int planes = s[0], h = s[1], w = s[2], oh = h / 2, ow = w / 2;
            for (boolean specials : new boolean[] {false, true}) {
                float[] x = new float[3 + planes * h * w];
                for (int i = 0; i < x.length; i++) x[i] = value(rng, specials);
                float[] want = new float[planes * oh * ow];
                CpuConvKernels.maxPoolForward(Arrays.copyOfRange(x, 3, x.length), 1, planes, h, w, 2, 2, want,
                        new int[want.length]);
                int[] corner = MaxPool2x2.corners(h, w);
                int from = planes > 2 ? 1 : 0, to = planes > 3 ? planes - 1 : planes;
                for (Pool p : paths()) {
                    float[] y = new float[2 + want.length];
                    Arrays.fill(y, 42f);
                    p.run(x, 3, h, w, corner, y, 2, from, to);
                    for (int i = 0; i < y.length; i++) {
                        int pl = (i - 2) / Math.max(1, oh * ow);
                        boolean inside = i >= 2 && i - 2 < want.length && pl >= from && pl < to;
                        String at = Arrays.toString(s) + " specials " + specials + " element " + i;
                        if (!inside) assertEquals(42f, y[i], at + " outside planes [from, to) written");
                        else assertEquals(Float.floatToRawIntBits(want[i - 2]), Float.floatToRawIntBits(y[i]), at);
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked >= 8 * 2 * 2, "cases: " + checked);
    }

    @Test
    void tiesKeepTheFirstAndTheFirstNanWins() {
        float nan1 = Float.intBitsToFloat(0x7fc00001), nan2 = Float.intBitsToFloat(0x7fc00002);
        // one plane 2 x 2L: window i holds (a, b / c, d) in row-major order
        float[][] windows = {{-0f, 0f, 0f, -0f}, {0f, -0f, -0f, 0f}, {1f, nan1, nan2, 2f}, {nan2, 1f, nan1, 3f},
                {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, -1f, -1f}, {2f, 2f, 2f, 5f}};
        int ow = 2 * VectorShape.LANES, w = 2 * ow;
        float[] x = new float[2 * w];
        for (int q = 0; q < ow; q++) {
            float[] win = windows[q % windows.length];
            x[2 * q] = win[0];
            x[2 * q + 1] = win[1];
            x[w + 2 * q] = win[2];
            x[w + 2 * q + 1] = win[3];
        }
        float[] want = {-0f, 0f, nan1, nan2, -1f, 5f};
        for (Pool p : paths()) {
            float[] y = new float[ow];
            p.run(x, 0, 2, w, MaxPool2x2.corners(2, w), y, 0, 0, 1);
            for (int q = 0; q < ow; q++) {
                assertEquals(Float.floatToRawIntBits(want[q % want.length]), Float.floatToRawIntBits(y[q]),
                        "window " + q);
            }
        }
    }
}
