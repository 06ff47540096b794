package dev.jprune.testutil;

import dev.jprune.util.Rng;
import java.util.Arrays;

/** Input and poisoned-output arrays for the kernel twin tests. */
public final class TestArrays {
    private TestArrays() {}

    /** n floats uniform in [-1, 1) from r. */
    public static float[] random(Rng r, int n) {
        return random(r, n, -1f, 1f);
    }

    /** n floats uniform in [lo, hi) from r. */
    public static float[] random(Rng r, int n, float lo, float hi) {
        float[] a = new float[n];
        r.fillUniform(a, lo, hi);
        return a;
    }

    /** n NaNs: an output every element of which a kernel must write. */
    public static float[] nan(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }
}
