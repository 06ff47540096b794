package dev.jprune.sparse;

import dev.jprune.util.Rng;

/** Random test matrices: values in ±[0.05, 1) (never zero), a chosen density, optionally forced empty rows. */
final class SparseFixtures {
    private SparseFixtures() {}

    /** Dense [rows, cols] with each entry nonzero with probability {@code density}; rows listed in emptyRows are all
     *  zero. */
    static float[] randomSparse(Rng rng, int rows, int cols, double density, int... emptyRows) {
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) if (rng.nextDouble() < density) w[i] = awayFromZero(rng);
        for (int r : emptyRows) if (r < rows) java.util.Arrays.fill(w, r * cols, (r + 1) * cols, 0f);
        return w;
    }

    static float awayFromZero(Rng rng) {
        float m = 0.05f + 0.95f * rng.nextFloat();
        return rng.nextDouble() < 0.5 ? -m : m;
    }

    static float[] random(Rng rng, int n, float lo, float hi) {
        float[] a = new float[n];
        rng.fillUniform(a, lo, hi);
        return a;
    }
}
