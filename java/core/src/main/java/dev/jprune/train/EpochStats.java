package dev.jprune.train;

/** One epoch's figures: mean training loss and accuracy (over the epoch, in training mode), throughput. */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double lastGradNorm, long samples,
        double seconds) {
    /** Training throughput of the epoch. */
    public double samplesPerSecond() { return samples / Math.max(seconds, 1e-9); }
}
