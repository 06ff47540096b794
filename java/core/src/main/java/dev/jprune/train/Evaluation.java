package dev.jprune.train;

/**
 * Test-set figures: accuracy in [0, 1] (NaN for regression) and mean loss (cross-entropy, or for regression the mean
 * squared error).
 */
public record Evaluation(double accuracy, double loss, int samples) {
    /** Whether this is a regression evaluation (no accuracy; the loss is the MSE). */
    public boolean regression() { return Double.isNaN(accuracy); }

    /** The figure a run reports: accuracy for classification, the MSE (the loss) for regression. */
    public double metric() { return regression() ? loss : accuracy; }
}
