package dev.jprune.prune;

import dev.jprune.util.Rng;

/**
 * {@link Criterion#RANDOM}: element i of tensor t scores {@code Rng.hashUniform(seed, t, i)}, a uniform float in
 * [0, 1) that is a pure function of (seed, tensor, index) — the same on every call, thread and prune, so the masks of
 * successive prunes of one run are nested and a seed reproduces them. Exact selection on these scores removes a
 * uniformly random subset of the requested size (up to the 24-bit resolution: ties go to the lower index).
 */
public final class RandomScores implements ScoreSource {
    private final long seed;
    private final int[] sizes;
    private final String[] names;

    /**
     * @param sizes elements per tensor (copied)
     * @param names tensor names for messages, or null
     */
    public RandomScores(long seed, int[] sizes, String[] names) {
        this.seed = seed;
        this.sizes = sizes.clone();
        this.names = names == null ? null : names.clone();
    }

    @Override public int tensorCount() { return sizes.length; }
    @Override public int size(int t) { return sizes[t]; }
    @Override public float score(int t, int i) { return Rng.hashUniform(seed, t, i); }
    @Override public String name(int t) { return names == null ? ScoreSource.super.name(t) : names[t]; }
}
