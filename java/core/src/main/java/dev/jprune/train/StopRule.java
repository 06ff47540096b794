package dev.jprune.train;

import java.util.Locale;

/**
 * When a training or fine-tuning phase stops before its last epoch: once an epoch's mean training loss is at or below
 * {@code targetLoss}, or when the loss has not improved on its best so far for {@code patience} epochs in a row
 * (improved: strictly lower). The rule reads the training loss, never the test split, so stopping does not tune on
 * test data. Each phase (dense training, fine-tuning) starts a fresh {@link #tracker()}.
 *
 * @param targetLoss stop at a mean training loss ≤ this (NaN: off)
 * @param patience   stop after this many epochs without improvement (0: off)
 */
public record StopRule(double targetLoss, int patience) {
    /** No early stopping. */
    public static final StopRule NONE = new StopRule(Double.NaN, 0);

    /**
     * @throws IllegalArgumentException for a negative patience, or a target that is infinite or negative (the losses
     *                                  are cross-entropy and MSE, never below 0: such a target could never stop a run)
     */
    public StopRule {
        if (patience < 0) throw new IllegalArgumentException("patience must be >= 0 (0: off), got " + patience);
        if (Double.isInfinite(targetLoss) || targetLoss < 0) {
            throw new IllegalArgumentException("target loss must be a finite number >= 0 (losses are never negative),"
                    + " got " + targetLoss);
        }
    }

    /** Whether any rule is on. */
    public boolean active() { return !Double.isNaN(targetLoss) || patience > 0; }

    /** A fresh tracker for one phase. */
    public Tracker tracker() { return new Tracker(this); }

    /** Follows one phase's epoch losses. Not thread-safe. */
    public static final class Tracker {
        private final StopRule rule;
        private double best = Double.POSITIVE_INFINITY;
        private int sinceBest;
        private String reason;

        private Tracker(StopRule rule) { this.rule = rule; }

        /** Records an epoch's mean training loss; returns whether the phase stops here. */
        public boolean stopAfter(double epochLoss) {
            if (epochLoss < best) {
                best = epochLoss;
                sinceBest = 0;
            } else {
                sinceBest++;
            }
            if (!Double.isNaN(rule.targetLoss) && epochLoss <= rule.targetLoss) {
                reason = String.format(Locale.ROOT, "loss %.6g reached the target %.6g", epochLoss, rule.targetLoss);
                return true;
            }
            if (rule.patience > 0 && sinceBest >= rule.patience) {
                reason = String.format(Locale.ROOT, "no improvement on %.6g for %d epochs", best, sinceBest);
                return true;
            }
            return false;
        }

        /** Why the phase stopped (null while it has not). */
        public String reason() { return reason; }
    }
}
