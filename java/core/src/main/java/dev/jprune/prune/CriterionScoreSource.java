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
        if (criterion.readsWeight() && w == null) throw new IllegalArgumentException("CriterionScoreSource: " + criterion + " needs weights");
        if (criterion.readsGradient() && g == null) throw new IllegalArgumentException("CriterionScoreSource: " + criterion + " needs gradients");
        float[][] ref = w != null ? w : g;
        if (w != null && g != null && w.length != g.length) {
            throw new IllegalArgumentException("CriterionScoreSource: " + w.length + " weight tensors but " + g.length + " gradient tensors");
        }
        if (names != null && names.length != ref.length) {
            throw new IllegalArgumentException("CriterionScoreSource: " + names.length + " names for " + ref.length + " tensors");
        }
        for (int t = 0; t < ref.length; t++) {
            String n = names == null ? "tensor " + t : names[t];
            if ((w != null && w[t] == null) || (g != null && g[t] == null)) throw new IllegalArgumentException("CriterionScoreSource: " + n + " has a null array");
            if (w != null && g != null && w[t].length != g[t].length) {
                throw new IllegalArgumentException("CriterionScoreSource: " + n + " has " + w[t].length + " weights but " + g[t].length + " gradients");
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
        // One loop per criterion so the hot loop has no switch; the finiteness test is folded into the score
        // where possible: w·g is non-finite whenever w or g is (Inf·0 = NaN), so only rare non-finite products
        // take the slow path, which tells an input fault from a legitimate overflow.
        int n = to - from;
        switch (criterion) {
            case MAGNITUDE: {
                float[] a = w[t];
                for (int j = 0; j < n; j++) {
                    float x = a[from + j];
                    if (!Float.isFinite(x)) throw bad(t, from + j, "weight", x);
                    out[j] = Math.abs(x);
                }
                break;
            }
            case GRADIENT: {
                float[] b = g[t];
                for (int j = 0; j < n; j++) {
                    float x = b[from + j];
                    if (!Float.isFinite(x)) throw bad(t, from + j, "gradient", x);
                    out[j] = Math.abs(x);
                }
                break;
            }
            case TAYLOR:
            case SNIP: {
                float[] a = w[t], b = g[t];
                for (int j = 0; j < n; j++) {
                    float p = a[from + j] * b[from + j];
                    if (!Float.isFinite(p)) p = slow(t, from + j);
                    out[j] = Math.abs(p);
                }
                break;
            }
            case TAYLOR_SQUARED: {
                float[] a = w[t], b = g[t];
                for (int j = 0; j < n; j++) {
                    float p = a[from + j] * b[from + j];
                    if (!Float.isFinite(p)) p = slow(t, from + j);
                    out[j] = p * p;
                }
                break;
            }
            case MOVEMENT: {
                float[] a = w[t], b = g[t];
                for (int j = 0; j < n; j++) {
                    float p = a[from + j] * b[from + j];
                    if (!Float.isFinite(p)) p = slow(t, from + j);
                    out[j] = -p;
                }
                break;
            }
            default: throw new AssertionError(criterion);
        }
    }

    /** Product w·g that came out non-finite: an input fault (throws) or a finite overflow (returns ±Inf). */
    private float slow(int t, int i) {
        float a = w[t][i], b = g[t][i];
        if (!Float.isFinite(a)) throw bad(t, i, "weight", a);
        if (!Float.isFinite(b)) throw bad(t, i, "gradient", b);
        return a * b;
    }

    private IllegalArgumentException bad(int t, int i, String what, float v) {
        return new IllegalArgumentException("score " + criterion + ": " + name(t) + " has non-finite " + what + " " + v + " at index " + i);
    }
}
