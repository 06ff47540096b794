package dev.jprune.optim;

import dev.jprune.nn.Parameter;
import java.util.List;
import java.util.Locale;

/**
 * Gradient-threshold masking: a per-step rule applied to every gradient component before clipping and the optimizer
 * step — not clipping by value (which bounds |g| and keeps its sign) and not pruning (weights and masks are not
 * touched; a component masked at one step takes part again at the next).
 *
 * <ul>
 *   <li>{@link Mode#BELOW}: g ← 0 where |g| ≤ eps (only the large components update; the write-up's "prune" rule:
 *       keep g where |g| &gt; ε, 0 where |g| ≤ ε).</li>
 *   <li>{@link Mode#ABOVE}: g ← 0 where |g| &gt; eps (only components with |g| ≤ eps update).</li>
 *   <li>{@link Mode#CLAMP}: g ← min(max(g, 0), eps), the literal clip(g, 0, ε) of the write-up's formula: negative
 *       components become 0, components above eps become eps.</li>
 * </ul> Comparisons are on float values; NaN gradients are left as they are (the loss check reports the divergence).
 *
 * @param mode NONE, BELOW, ABOVE or CLAMP
 * @param eps  the threshold, positive and finite (ignored by NONE)
 */
public record GradMask(Mode mode, float eps) {
    /** Which components a step keeps. */
    public enum Mode {
        /** No masking. */
        NONE,
        /** Zero the components with |g| ≤ eps. */
        BELOW,
        /** Zero the components with |g| &gt; eps. */
        ABOVE,
        /** Clamp every component into [0, eps]. */
        CLAMP
    }

    /** No masking. */
    public static final GradMask NONE = new GradMask(Mode.NONE, 0f);

    /** @throws IllegalArgumentException for a null mode, or eps not positive and finite in a masking mode */
    public GradMask {
        if (mode == null) throw new IllegalArgumentException("gradient mask: mode is required");
        if (mode != Mode.NONE && !(eps > 0 && Float.isFinite(eps))) {
            throw new IllegalArgumentException("gradient mask eps must be a positive finite number, got " + eps);
        }
    }

    /** Whether the rule changes gradients at all. */
    public boolean active() { return mode != Mode.NONE; }

    /**
     * Parses "below:EPS", "above:EPS", "clamp:EPS" or "none" (the CLI's --grad-mask).
     *
     * @throws IllegalArgumentException naming the option and what was expected
     */
    public static GradMask parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.equals("none")) return NONE;
        int colon = v.indexOf(':');
        String kind = colon < 0 ? v : v.substring(0, colon);
        Mode m = switch (kind) {
            case "below" -> Mode.BELOW;
            case "above" -> Mode.ABOVE;
            case "clamp" -> Mode.CLAMP;
            default -> throw new IllegalArgumentException("--grad-mask must be below:EPS, above:EPS, clamp:EPS or "
                    + "none; got '"
                    + s + "'");
        };
        if (colon < 0) throw new IllegalArgumentException("--grad-mask " + s + ": give the threshold, e.g. " + kind
                + ":0.01");
        String num = s.trim().substring(colon + 1).trim();
        float eps;
        try {
            eps = Float.parseFloat(num);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--grad-mask " + s + ": '" + num + "' is not a number");
        }
        if (!(eps > 0 && Float.isFinite(eps))) {
            throw new IllegalArgumentException("--grad-mask " + s + ": eps must be a positive finite number, got "
                    + eps);
        }
        return new GradMask(m, eps);
    }

    /** Applies the rule to every parameter's gradient. Modifies the grads only. */
    public void apply(List<Parameter> params) {
        if (mode == Mode.NONE) return;
        for (Parameter p : params) apply(p.grad.data, p.size());
    }

    /** Applies the rule to {@code g[0 .. n)} in place. */
    public void apply(float[] g, int n) {
        switch (mode) {
            case NONE -> { }
            case BELOW -> { for (int i = 0; i < n; i++) if (Math.abs(g[i]) <= eps) g[i] = 0f; }
            case ABOVE -> { for (int i = 0; i < n; i++) if (Math.abs(g[i]) > eps) g[i] = 0f; }
            case CLAMP -> {
                for (int i = 0; i < n; i++) {
                    float x = g[i];
                    if (x < 0f) g[i] = 0f; else if (x > eps) g[i] = eps;
                }
            }
            default -> throw new AssertionError(mode);
        }
    }

    /** "none", or "below:0.01" etc. (the form {@link #parse} reads). */
    public String describe() {
        return mode == Mode.NONE ? "none" : mode.name().toLowerCase(Locale.ROOT) + ":" + eps;
    }
}
