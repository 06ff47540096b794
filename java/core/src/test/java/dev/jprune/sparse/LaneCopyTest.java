package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jprune.cpu.SparseKernels;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link LaneCopy} against the element-by-element definitions, at odd sizes, with poisoned destinations. */
class LaneCopyTest {
    private static final float POISON = Float.NaN;

    @Test
    void toLanesCopiesExactlyTheNamedFeaturesAndSamples() {
        Random rnd = new Random(7);
        for (int n : new int[] {1, 4, 7, 8, 9, 15, 16, 17, 31, 32}) {
            for (int features : new int[] {1, 7, 129}) {
                int ld = SparseKernels.lanesStride(n), off = 3;
                float[] flat = new float[off + n * features + 5];
                for (int i = 0; i < flat.length; i++) flat[i] = rnd.nextFloat() - 0.5f;
                int[] used = everyOther(features);
                for (int[] u : new int[][] {null, used}) {
                    float[] lanes = new float[features * ld];
                    java.util.Arrays.fill(lanes, POISON);
                    LaneCopy.toLanes(flat, off, n, features, u, lanes, ld);
                    for (int f = 0; f < features; f++) {
                        boolean copied = u == null || f % 2 == 0;
                        for (int s = 0; s < ld; s++) {
                            float want = copied && s < n ? flat[off + s * features + f] : POISON;
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(lanes[f * ld + s]),
                                    "n=" + n + " features=" + features + " f=" + f + " s=" + s + " u=" + (u != null));
                        }
                    }
                }
            }
        }
    }

    @Test
    void fromLanesIsTheInverseAndWritesOnlyTheBatch() {
        Random rnd = new Random(11);
        for (int n : new int[] {1, 4, 7, 8, 9, 15, 16, 17, 31, 32}) {
            for (int features : new int[] {1, 7, 129}) {
                int ld = SparseKernels.lanesStride(n);
                float[] flat = new float[n * features];
                for (int i = 0; i < flat.length; i++) flat[i] = rnd.nextFloat() - 0.5f;
                float[] lanes = new float[features * ld];
                LaneCopy.toLanes(flat, 0, n, features, null, lanes, ld);
                float[] back = new float[n * features + 9];
                java.util.Arrays.fill(back, POISON);
                LaneCopy.fromLanes(lanes, ld, n, features, back);
                assertArrayEquals(flat, java.util.Arrays.copyOf(back, n * features), "n=" + n + " f=" + features);
                for (int i = n * features; i < back.length; i++) assertEquals(POISON, back[i], "past the batch: " + i);
            }
        }
    }

    private static int[] everyOther(int features) {
        int[] u = new int[(features + 1) / 2];
        for (int i = 0; i < u.length; i++) u[i] = 2 * i;
        return u;
    }
}
