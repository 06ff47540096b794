package dev.jprune.prune;

/**
 * Per-element scores of T tensors, read by the selection passes without ever materialising them.
 *
 * <p>Element {@code i} of tensor {@code t} has the <em>global index</em> {@code offset(t) + i}, where
 * {@code offset(t)} is the sum of the sizes of tensors {@code 0..t-1}. Ties in every selection are broken by the
 * lower global index. Implementations must be pure: the same (t, i) gives the same score on every call (the
 * selection reads each score up to three times), and must be safe to call from several threads at once.
 *
 * <p>Scores must not be NaN (the selector throws {@link IllegalArgumentException} naming the tensor and index);
 * sources computed from weights and gradients also reject non-finite inputs (see {@link CriterionScoreSource}).
 */
public interface ScoreSource {
    /** Number of tensors T. */
    int tensorCount();

    /** Number of elements of tensor {@code t} (may be 0). */
    int size(int t);

    /** Score of element {@code i} of tensor {@code t}. */
    float score(int t, int i);

    /**
     * Bulk form: writes the scores of elements {@code [from, to)} of tensor {@code t} into {@code out[0 .. to-from)}.
     * The passes call only this method with ranges of at most a few thousand elements; override it for speed.
     * Modifies {@code out} only.
     */
    default void scores(int t, int from, int to, float[] out) {
        for (int i = from; i < to; i++) out[i - from] = score(t, i);
    }

    /** A name for error messages (e.g. "0.weight"). */
    default String name(int t) {
        return "tensor " + t;
    }

    /** Total number of elements over all tensors. */
    default long totalSize() {
        long n = 0;
        for (int t = 0; t < tensorCount(); t++) n += size(t);
        return n;
    }

    /** User-supplied scores, one array per tensor (not copied; must not change while selections use them). */
    static ScoreSource of(float[][] scores) {
        return new ArrayScoreSource(scores, null);
    }

    /** User-supplied scores with tensor names for error messages. */
    static ScoreSource of(float[][] scores, String[] names) {
        return new ArrayScoreSource(scores, names);
    }

    /** A user function of (tensor, index) → score over tensors of the given sizes (sizes copied). */
    static ScoreSource of(int[] sizes, ElementScore fn) {
        int[] s = sizes.clone();
        for (int t = 0; t < s.length; t++) {
            if (s[t] < 0) throw new IllegalArgumentException("ScoreSource.of: tensor " + t
                    + " has negative size " + s[t]);
        }
        return new ScoreSource() {
            @Override public int tensorCount() { return s.length; }
            @Override public int size(int t) { return s[t]; }
            @Override public float score(int t, int i) { return fn.score(t, i); }
        };
    }

    /**
     * View of the tensors {@code tensors[0], tensors[1], ...} of {@code src} (in that order; the view's tensor j is
     * {@code src}'s tensor {@code tensors[j]}). Used for per-layer selection and for the capped global selection.
     */
    static ScoreSource subset(ScoreSource src, int... tensors) {
        int[] ts = tensors.clone();
        for (int t : ts) {
            if (t < 0 || t >= src.tensorCount()) {
                throw new IllegalArgumentException("ScoreSource.subset: tensor " + t + " not in [0, "
                        + src.tensorCount() + ")");
            }
        }
        return new ScoreSource() {
            @Override public int tensorCount() { return ts.length; }
            @Override public int size(int t) { return src.size(ts[t]); }
            @Override public float score(int t, int i) { return src.score(ts[t], i); }
            @Override public void scores(int t, int from, int to, float[] out) { src.scores(ts[t], from, to, out); }
            @Override public String name(int t) { return src.name(ts[t]); }
        };
    }

    /**
     * Scores of {@code src} where {@code masks[t][i] != 0}, and −Infinity where an earlier prune removed the element,
     * so already-pruned elements are the first to go again (among themselves ties go by lower index as always).
     * {@code masks[t] == null} means tensor t is dense. Masks are read, not modified.
     */
    static ScoreSource respectingMasks(ScoreSource src, byte[][] masks) {
        if (masks.length != src.tensorCount()) {
            throw new IllegalArgumentException("respectingMasks: " + masks.length + " masks for " + src.tensorCount()
                    + " tensors");
        }
        for (int t = 0; t < masks.length; t++) {
            if (masks[t] != null && masks[t].length != src.size(t)) {
                throw new IllegalArgumentException("respectingMasks: mask of " + src.name(t) + " has length "
                        + masks[t].length + " but the tensor has " + src.size(t) + " elements");
            }
        }
        return new ScoreSource() {
            @Override public int tensorCount() { return src.tensorCount(); }
            @Override public int size(int t) { return src.size(t); }
            @Override public float score(int t, int i) {
                return masks[t] != null && masks[t][i] == 0 ? Float.NEGATIVE_INFINITY : src.score(t, i);
            }
            @Override public void scores(int t, int from, int to, float[] out) {
                src.scores(t, from, to, out);
                byte[] m = masks[t];
                if (m == null) return;
                for (int i = from; i < to; i++) if (m[i] == 0) out[i - from] = Float.NEGATIVE_INFINITY;
            }
            @Override public String name(int t) { return src.name(t); }
        };
    }

    /** A score function of (tensor, index). */
    @FunctionalInterface
    interface ElementScore {
        /** Score of element {@code i} of tensor {@code t}; never NaN, the same on every call. */
        float score(int t, int i);
    }
}
