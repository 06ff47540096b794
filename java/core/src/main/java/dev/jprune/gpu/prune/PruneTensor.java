package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;

/**
 * One tensor of a GPU pruning step: device buffers of {@code length} elements, each nullable where the step does not
 * need it. {@code weights}, {@code grads}, {@code scores} and the optimizer states are FLOAT; the masks are BYTE (1
 * keep, 0 pruned). {@code maskIn} (an earlier prune's mask: pruned elements score −Infinity, like
 * {@link dev.jprune.prune.ScoreSource#respectingMasks}) may be the same buffer as {@code maskOut}. {@code sticky}: what
 * maskIn pruned stays pruned — the written mask is the decision AND maskIn, and kept counts count that (ModelPruner's
 * rule; {@link #withPriorMask}); otherwise the mask is the selection's decision alone (the ops' CPU twins).
 * {@code scores} is read by criterion USER and written by {@link GpuPruneOps#accumulate}. Immutable; the {@code with*}
 * methods copy.
 */
public record PruneTensor(String name, long length, DeviceBuffer weights, DeviceBuffer grads, DeviceBuffer scores,
                          DeviceBuffer maskIn, DeviceBuffer maskOut, DeviceBuffer opt0,
                          DeviceBuffer opt1, DeviceBuffer opt2, boolean sticky) {
    public PruneTensor {
        if (name == null) throw new IllegalArgumentException("PruneTensor: null name");
        if (length < 0) throw new IllegalArgumentException("PruneTensor " + name + ": negative length " + length);
    }

    /** A tensor whose maskIn (if any) is not sticky. */
    public PruneTensor(String name, long length, DeviceBuffer weights, DeviceBuffer grads, DeviceBuffer scores,
                       DeviceBuffer maskIn, DeviceBuffer maskOut, DeviceBuffer opt0, DeviceBuffer opt1,
                       DeviceBuffer opt2) {
        this(name, length, weights, grads, scores, maskIn, maskOut, opt0, opt1, opt2, false);
    }

    /** Weights and gradients (either may be null); the length is that of the first non-null one. */
    public static PruneTensor of(String name, DeviceBuffer weights, DeviceBuffer grads) {
        DeviceBuffer ref = weights != null ? weights : grads;
        if (ref == null) throw new IllegalArgumentException("PruneTensor " + name
                + ": weights and gradients are both null");
        return new PruneTensor(name, ref.length(), weights, grads, null, null, null, null, null, null);
    }

    /**
     * A tensor described by its score (or statistic) buffer only, e.g. a {@link dev.jprune.prune.ScoreAccumulator}'s.
     */
    public static PruneTensor ofScores(String name, DeviceBuffer scores) {
        return new PruneTensor(name, scores.length(), null, null, scores, null, null, null, null, null);
    }

    public PruneTensor withScores(DeviceBuffer s) {
        return new PruneTensor(name, length, weights, grads, s, maskIn, maskOut, opt0, opt1, opt2, sticky);
    }
    /** maskIn ranks its pruned elements last; the decision alone is written (not sticky). */
    public PruneTensor withMasks(DeviceBuffer in, DeviceBuffer out) {
        return new PruneTensor(name, length, weights, grads, scores, in, out, opt0, opt1, opt2, false);
    }
    /** {@code prior} (nullable: dense) is the tensor's current mask: ranked last and never revived (sticky). */
    public PruneTensor withPriorMask(DeviceBuffer prior, DeviceBuffer out) {
        return new PruneTensor(name, length, weights, grads, scores, prior, out, opt0, opt1, opt2, true);
    }
    /** Optimizer state buffers zeroed where the step prunes (SGD momentum; Adam m, v); up to three, nulls allowed. */
    public PruneTensor withOptimizerState(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c) {
        return new PruneTensor(name, length, weights, grads, scores, maskIn, maskOut, a, b, c, sticky);
    }
}
