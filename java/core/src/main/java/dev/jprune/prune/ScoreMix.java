package dev.jprune.prune;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The terms of a {@link Criterion#HYBRID} score: {@code score = Σ αᵢ · normalizeᵢ(criterionᵢ)}, each criterion's
 * scores normalised per tensor ({@link Normalization}) before they are weighted and added (see {@link HybridScores}
 * for the arithmetic). Terms are non-negative criteria: MAGNITUDE |w|, GRADIENT |g|, TAYLOR |w·g|, TAYLOR_SQUARED
 * (w·g)²; gradient terms are accumulated over the score batches like a single criterion's.
 *
 * @param terms         the criteria and their weights αᵢ (finite, ≥ 0, summing to more than 0), each criterion once
 * @param normalization how each term's scores are normalised within a tensor
 */
public record ScoreMix(List<Term> terms, Normalization normalization) {
    /**
     * One term.
     *
     * @param criterion a non-negative criterion with a formula (MAGNITUDE, GRADIENT, TAYLOR, TAYLOR_SQUARED)
     * @param weight    its αᵢ, finite and ≥ 0
     */
    public record Term(Criterion criterion, double weight) {}

    /**
     * How a term's scores s of one tensor become comparable across criteria and tensors (only the tensor's live
     * elements — mask 1, or all when dense — enter the statistic; pruned ones are ranked last anyway).
     */
    public enum Normalization {
        /** s / mean(s) (a tensor whose mean is 0 keeps its scores, all 0). */
        MEAN,
        /** s / max(s) (a tensor whose max is 0 keeps its scores, all 0). */
        MAX,
        /** The fraction of the tensor's live elements with a strictly smaller score, in [0, 1) (ties share it). */
        RANK
    }

    /** @throws IllegalArgumentException naming the bad term (criterion without a formula or signed, repeated,
     *      negative or non-finite weight), or weights that sum to 0 */
    public ScoreMix {
        if (terms == null || terms.isEmpty() || normalization == null) {
            throw new IllegalArgumentException("--mix needs at least one criterion=weight term and a normalisation");
        }
        terms = List.copyOf(terms);
        Set<Criterion> seen = new LinkedHashSet<>();
        double sum = 0;
        for (Term t : terms) {
            Criterion c = t.criterion();
            if (c == null || !c.hasFormula() || c.signed() || c == Criterion.SNIP) {
                throw new IllegalArgumentException("--mix: criterion " + c + " cannot be a term; terms are magnitude,"
                        + " gradient, taylor and taylor2");
            }
            if (!seen.add(c)) throw new IllegalArgumentException("--mix: " + name(c) + " appears twice");
            if (!(t.weight() >= 0) || !Double.isFinite(t.weight())) {
                throw new IllegalArgumentException("--mix: the weight of " + name(c)
                        + " must be a finite number >= 0, got "
                        + t.weight());
            }
            sum += t.weight();
        }
        if (!(sum > 0)) throw new IllegalArgumentException("--mix: the weights sum to 0; give at least one positive "
                + "weight");
    }

    /**
     * Parses the command line's {@code --mix}: {@code criterion=weight,...} with criteria magnitude, gradient, taylor,
     * taylor2 (e.g. {@code gradient=0.7,magnitude=0.3}).
     *
     * @throws IllegalArgumentException naming the bad term
     */
    public static ScoreMix parse(String mix, Normalization normalization) {
        if (mix == null || mix.isBlank()) throw new IllegalArgumentException("--criterion hybrid needs --mix, e.g. "
                + "--mix gradient=0.7,magnitude=0.3");
        List<Term> terms = new ArrayList<>();
        for (String part : mix.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("--mix term '" + p
                    + "' must look like criterion=weight, e.g. gradient=0.7");
            String name = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            Criterion c = switch (name) {
                case "magnitude" -> Criterion.MAGNITUDE;
                case "gradient" -> Criterion.GRADIENT;
                case "taylor" -> Criterion.TAYLOR;
                case "taylor2", "taylor-squared" -> Criterion.TAYLOR_SQUARED;
                default -> throw new IllegalArgumentException("--mix: unknown criterion '" + name
                        + "'; terms are magnitude,"
                        + " gradient, taylor and taylor2");
            };
            double w;
            try {
                w = Double.parseDouble(p.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--mix: the weight of " + name + " is not a number: '"
                        + p.substring(eq + 1).trim() + "'");
            }
            terms.add(new Term(c, w));
        }
        return new ScoreMix(terms, normalization);
    }

    /**
     * Parses the command line's {@code --mix-norm}: mean, max or rank.
     *
     * @throws IllegalArgumentException naming the option
     */
    public static Normalization parseNormalization(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "mean" -> Normalization.MEAN;
            case "max" -> Normalization.MAX;
            case "rank" -> Normalization.RANK;
            default -> throw new IllegalArgumentException("--mix-norm must be mean, max or rank; got '" + s + "'");
        };
    }

    /** Whether a term reads gradients (then the scores accumulate over batches). */
    public boolean readsGradient() { return terms.stream().anyMatch(t -> t.criterion().readsGradient()); }

    /** The terms' gradient criteria, in term order (what a hybrid accumulator accumulates). */
    public List<Criterion> gradientCriteria() {
        return terms.stream().map(Term::criterion).filter(Criterion::readsGradient).toList();
    }

    /** "gradient=0.7,magnitude=0.3" (the form {@link #parse} reads). */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Term t : terms) {
            if (b.length() > 0) b.append(',');
            b.append(name(t.criterion())).append('=').append(t.weight());
        }
        return b.toString();
    }

    static String name(Criterion c) {
        return c == Criterion.TAYLOR_SQUARED ? "taylor2" : c.name().toLowerCase(Locale.ROOT);
    }
}
