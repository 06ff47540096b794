package dev.jprune.nn;

import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;

/**
 * Inverted dropout: in training each element is zeroed with probability p and survivors scaled by 1/(1−p);
 * identity at evaluation. The keep decision for element i of the c-th training forward is
 * {@code Rng.hashUniform(seed, c, i) >= p}: counter-based, so it does not depend on threads or batch
 * splitting, and a GPU kernel can reproduce it exactly.
 */
public final class Dropout implements Layer {
    /** Probability of zeroing an element in training, in [0, 1). */
    public final float p;
    private final long seed;
    private long calls;
    private byte[] keep; // mask of the last training forward, null after an eval forward
    private int[] forwardShape; // shape of the last forward's input, null before the first

    /** Dropout with probability {@code p}; the masks are drawn from {@code seed}. */
    public Dropout(float p, long seed) {
        if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        this.p = p;
        this.seed = seed;
    }

    /** The seed of the dropout masks. */
    public long seed() { return seed; }

    /**
     * Takes the stream number of the next training forward (0, 1, 2, … per layer): the GPU path draws its mask
     * with the same (seed, stream) so a run keeps one numbering whichever device executes a step.
     */
    public long nextStream() { return calls++; }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        forwardShape = x.shape();
        if (!training || p == 0f) { keep = null; return x; }
        long c = calls++;
        float scale = 1f / (1f - p);
        Tensor y = Tensor.zeros(x.shape());
        keep = new byte[x.size()];
        for (int i = 0; i < x.size(); i++) {
            if (Rng.hashUniform(seed, c, i) >= p) { keep[i] = 1; y.data[i] = x.data[i] * scale; }
        }
        return y;
    }

    /**
     * dy [same shape as the last forward's input] -> dx: dy where the last training forward kept an element (scaled by
     * 1/(1−p)), 0 where it dropped one; dy itself after an evaluation forward.
     *
     * @throws IllegalStateException before any forward
     * @throws IllegalArgumentException when dy's shape is not the last forward's
     */
    @Override
    public Tensor backward(Tensor dy) {
        if (forwardShape == null) throw new IllegalStateException("Dropout.backward called before forward");
        dy.requireShape("Dropout(" + p + ").backward dy", forwardShape);
        if (keep == null) return dy;
        float scale = 1f / (1f - p);
        Tensor dx = Tensor.zeros(dy.shape());
        for (int i = 0; i < dx.size(); i++) if (keep[i] != 0) dx.data[i] = dy.data[i] * scale;
        return dx;
    }

    @Override public int[] outputShape(int[] s) { return s.clone(); }
    @Override public String describe() { return "Dropout(" + p + ")"; }
}
