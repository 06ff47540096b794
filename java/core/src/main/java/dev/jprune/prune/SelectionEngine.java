package dev.jprune.prune;

/**
 * The selections of one prune, bound to where the scores and the new masks live: {@link HostSelectionEngine} on the
 * host (over {@link GlobalSelector}, {@link NmSparsity} and {@link Structured}), and a GPU engine over the device
 * selection kernels. {@link ModelPruner#select} is the one place that chooses among these methods from a
 * {@link PruneSpec}; an engine only runs what it is asked.
 *
 * <p>Every method selects over the engine's tensors (the pruner's targets, in target order), writes the new keep
 * masks (1 keep, 0 prune) into the engine's own output — they become the model's only when the caller commits them —
 * and returns the kept element count per tensor. Elements that an earlier prune removed score lowest
 * ({@link ScoreSource#respectingMasks}). All results are defined by the host classes named above; a device engine
 * must give the same masks bit for bit. A method throws {@link IllegalArgumentException} for bad arguments or a NaN
 * score, having made no change the caller could observe after discarding the engine's output.
 */
public interface SelectionEngine {
    /** Number of tensors the engine selects over. */
    int tensorCount();

    /** Global exact top-{@code keep} over all tensors ({@link GlobalSelector#select}). */
    long[] select(long keep);

    /**
     * Per-tensor selection: tensor t keeps {@code keepForSparsity(size_t, sparsity[t])}
     * ({@link GlobalSelector#perLayer}).
     */
    long[] perLayer(double[] sparsity);

    /**
     * Global selection of {@code keep} elements with per-tensor density bounds (fractions of each tensor's size, one
     * per tensor; {@link GlobalSelector#selectCapped}).
     */
    long[] capped(long keep, double[] minDensity, double[] maxDensity);

    /** Keeps exactly the elements whose score is at least {@code eps} ({@link GlobalSelector#threshold}). */
    long[] threshold(float eps);

    /**
     * N:M: in every group of {@code m} consecutive elements of a row (tensor t's rows have {@code rowLengths[t]}
     * elements) the {@code n} highest scores are kept ({@link NmSparsity}). Every tensor is checked for bad input
     * before any mask is written.
     */
    long[] nm(int[] rowLengths, int n, int m);

    /**
     * Structured, global scope: tensor t is viewed as {@code groups[t]} rows; the {@code keepGroups} rows with the
     * highest {@code norm} of their scores over all tensors are kept ({@link Structured#global}).
     */
    Groups structured(int[] groups, Structured.Norm norm, long keepGroups);

    /** Structured, per-layer scope: tensor t keeps {@code keepForSparsity(groups[t], sparsity[t])} of its rows. */
    Groups structuredPerLayer(int[] groups, Structured.Norm norm, double[] sparsity);

    /**
     * Structured threshold: keeps exactly the rows whose {@code norm} of their scores is at least {@code eps}
     * ({@link Structured#threshold}).
     */
    Groups structuredThreshold(int[] groups, Structured.Norm norm, float eps);

    /**
     * Result of a structured selection.
     *
     * @param keptElements kept elements per tensor
     * @param keptGroups   indices of the kept rows of each tensor, ascending
     */
    record Groups(long[] keptElements, int[][] keptGroups) {}
}
