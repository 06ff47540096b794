package dev.jprune.prune;

/**
 * Scores computed on the fly from weights and gradients with a {@link Criterion}: the global prune step reads
 * w and g and never stores a score tensor.
 *
 * <p>Input check (lazy, inside the scoring pass, so it costs no extra pass): a non-finite value (NaN or ±Inf) in an
 * input the criterion reads throws {@link IllegalArgumentException} naming the tensor, the index, the array
 * ("weight"/"gradient") and the value. A finite product that overflows (|w·g| > Float.MAX_VALUE) gives the score
 * +Infinity, which is a valid (largest) score.
 */
public final class CriterionScoreSource implements ScoreSource {
    private final Criterion criterion;
    private final float[][] w, g;
    private final String[] names;

    /**
     * @param w weights per tensor (read only; may be null if the criterion does not read weights)
     * @param g gradients or accumulated statistics per tensor, same sizes (may be null if not read)
     * @param names tensor names for error messages, or null
     */
    public CriterionScoreSource(Criterion criterion, float[][] w, float[][] g, String[] names) {
        if (!criterion.hasFormula()) {
            throw new IllegalArgumentException("CriterionScoreSource: criterion " + criterion
                    + " has no per-element formula"
                    + (criterion == Criterion.USER ? "; use ScoreSource.of(scores)" : ""));
        }
        if (criterion.readsWeight() && w == null) throw new IllegalArgumentException("CriterionScoreSource: "
                + criterion + " needs weights");
        if (criterion.readsGradient() && g == null) throw new IllegalArgumentException("CriterionScoreSource: "
                + criterion + " needs gradients");
        float[][] ref = w != null ? w : g;
        if (w != null && g != null && w.length != g.length) {
            throw new IllegalArgumentException("CriterionScoreSource: " + w.length + " weight tensors but " + g.length
                    + " gradient tensors");
        }
        if (names != null && names.length != ref.length) {
            throw new IllegalArgumentException("CriterionScoreSource: " + names.length + " names for " + ref.length
                    + " tensors");
        }
        for (int t = 0; t < ref.length; t++) {
            String n = names == null ? "tensor " + t : names[t];
            if ((w != null && w[t] == null) || (g != null && g[t] == null)) throw new IllegalArgumentException(
                    "CriterionScoreSource: " + n + " has a null array");
            if (w != null && g != null && w[t].length != g[t].length) {
                throw new IllegalArgumentException("CriterionScoreSource: " + n + " has " + w[t].length
                        + " weights but " + g[t].length + " gradients");
            }
        }
        this.criterion = criterion;
        this.w = w;
        this.g = g;
        this.names = names;
    }

    /** The criterion the scores are computed with. */
    public Criterion criterion() { return criterion; }

    @Override public int tensorCount() { return w != null ? w.length : g.length; }
    @Override public int size(int t) { return w != null ? w[t].length : g[t].length; }
    @Override public String name(int t) { return names == null ? ScoreSource.super.name(t) : names[t]; }

    @Override
    public float score(int t, int i) {
        float a = w == null ? 0f : w[t][i], b = g == null ? 0f : g[t][i];
        if (criterion.readsWeight() && !Float.isFinite(a)) throw bad(t, i, "weight", a);
        if (criterion.readsGradient() && !Float.isFinite(b)) throw bad(t, i, "gradient", b);
        return criterion.score(a, b);
    }

    @Override
    public void scores(int t, int from, int to, float[] out) {
        int bad = scoreBlock(criterion, w == null ? null : w[t], from, g == null ? null : g[t], from, to - from, out);
        if (bad >= 0) throw inputFault(t, from + bad);
    }

    /**
     * The criterion's scores of {@code n} elements, weights from {@code a[aOff..]} and gradients from
     * {@code b[bOff..]} (either may be null when the criterion does not read it), into {@code out[0..n)}. Returns -1,
     * or the first j whose input is non-finite (then {@code out} is incomplete). A finite product that overflows
     * scores ±Infinity. Shared with the out-of-core sources, so both score alike bit for bit.
     */
    static int scoreBlock(Criterion criterion, float[] a, int aOff, float[] b, int bOff, int n, float[] out) {
        // One loop per criterion so the hot loop has no switch; the finiteness test is folded into the score
        // where possible: w·g is non-finite whenever w or g is (Inf·0 = NaN), so only rare non-finite products
        // take the slow path, which tells an input fault from a legitimate overflow.
        switch (criterion) {
            case MAGNITUDE:
                for (int j = 0; j < n; j++) {
                    float x = a[aOff + j];
                    if (!Float.isFinite(x)) return j;
                    out[j] = Math.abs(x);
                }
                return -1;
            case GRADIENT:
                for (int j = 0; j < n; j++) {
                    float x = b[bOff + j];
                    if (!Float.isFinite(x)) return j;
                    out[j] = Math.abs(x);
                }
                return -1;
            case TAYLOR:
            case SNIP:
                for (int j = 0; j < n; j++) {
                    float p = a[aOff + j] * b[bOff + j];
                    if (!Float.isFinite(p) && inputFault(a[aOff + j], b[bOff + j])) return j;
                    out[j] = Math.abs(p);
                }
                return -1;
            case TAYLOR_SQUARED:
                for (int j = 0; j < n; j++) {
                    float p = a[aOff + j] * b[bOff + j];
                    if (!Float.isFinite(p) && inputFault(a[aOff + j], b[bOff + j])) return j;
                    out[j] = p * p;
                }
                return -1;
            case MOVEMENT:
                for (int j = 0; j < n; j++) {
                    float p = a[aOff + j] * b[bOff + j];
                    if (!Float.isFinite(p) && inputFault(a[aOff + j], b[bOff + j])) return j;
                    out[j] = -p;
                }
                return -1;
            default: throw new AssertionError(criterion);
        }
    }

    /** A non-finite product w·g is an input fault unless both inputs are finite (then it is an overflow). */
    private static boolean inputFault(float w, float g) {
        return !Float.isFinite(w) || !Float.isFinite(g);
    }

    /** The exception for element i of tensor t, whose input is non-finite (the weight is named first). */
    private IllegalArgumentException inputFault(int t, int i) {
        float a = w == null ? 0f : w[t][i], b = g == null ? 0f : g[t][i];
        if (criterion.readsWeight() && !Float.isFinite(a)) return bad(t, i, "weight", a);
        return bad(t, i, "gradient", b);
    }

    private IllegalArgumentException bad(int t, int i, String what, float v) {
        return new IllegalArgumentException("score " + criterion + ": " + name(t) + " has non-finite " + what + " " + v
                + " at index " + i);
    }
}
