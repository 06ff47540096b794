package dev.jprune.train;

/** Test-set figures: accuracy in [0, 1] (NaN for regression) and mean loss. */
public record Evaluation(double accuracy, double loss, int samples) {}
