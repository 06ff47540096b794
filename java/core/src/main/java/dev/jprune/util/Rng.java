package dev.jprune.util;

import java.util.SplittableRandom;

/**
 * Seeded random numbers with a fully specified algorithm (SplittableRandom + Box-Muller), so the same seed
 * gives the same weights, dropout masks and batch orders on every JVM and thread count.
 */
public final class Rng {
    private final SplittableRandom r;
    private double spare;
    private boolean hasSpare;

    /** A generator whose whole stream is a function of {@code seed}. */
    public Rng(long seed) { this.r = new SplittableRandom(seed); }

    private Rng(SplittableRandom r) { this.r = r; }

    /** An independent stream derived deterministically from this one. */
    public Rng split() { return new Rng(r.split()); }

    /** Uniform integer in [0, bound); bound must be positive. */
    public int nextInt(int bound) { return r.nextInt(bound); }
    /** Uniform 64-bit integer. */
    public long nextLong() { return r.nextLong(); }
    /** Uniform double in [0, 1). */
    public double nextDouble() { return r.nextDouble(); }
    /** Uniform float in [0, 1): nextDouble() rounded to float. */
    public float nextFloat() { return (float) r.nextDouble(); }

    /** Uniform in [lo, hi). */
    public float uniform(float lo, float hi) { return lo + (hi - lo) * (float) r.nextDouble(); }

    /** Standard normal sample (mean 0, standard deviation 1). */
    public double nextGaussian() {
        if (hasSpare) { hasSpare = false; return spare; }
        double u, v, s;
        do {
            u = r.nextDouble() * 2 - 1;
            v = r.nextDouble() * 2 - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double m = Math.sqrt(-2 * Math.log(s) / s);
        spare = v * m;
        hasSpare = true;
        return u * m;
    }

    /** Fills {@code a} with uniform values in [lo, hi). */
    public void fillUniform(float[] a, float lo, float hi) {
        for (int i = 0; i < a.length; i++) a[i] = uniform(lo, hi);
    }

    /** Fisher-Yates shuffle of {@code a} in place. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i]; a[i] = a[j]; a[j] = t;
        }
    }

    /**
     * A uniform float in [0, 1) that is a pure function of (seed, stream, index): SplitMix64's finaliser over
     * a mix of the three, top 24 bits. Counter-based, so CPU threads and GPU kernels draw the same numbers.
     */
    public static float hashUniform(long seed, long stream, long index) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1) + 0xD1B54A32D192ED03L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 40) * 0x1.0p-24f;
    }
}
