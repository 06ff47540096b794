package dev.jprune.gpu.prune;

/**
 * Result of a GPU selection, field for field the {@link dev.jprune.prune.Selection} of the same inputs:
 * {@code thresholdBits} (canonical, never −0.0) and {@code tieBudget} define the kept set uniquely; keptPerTensor[t]
 * counts the kept elements of tensor t (index into the list the selection was given).
 */
public record GpuSelection(long total, long keep, int thresholdBits, long tieBudget, long countAbove, long countEqual,
                           long[] keptPerTensor) {
    public float threshold() { return Float.intBitsToFloat(thresholdBits); }
}
