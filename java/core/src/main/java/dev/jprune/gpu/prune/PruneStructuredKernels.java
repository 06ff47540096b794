package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import jcuda.driver.CUdeviceptr;

/**
 * Typed launchers of native/prune_structured.cu: structured group scores (one warp per group) and the expansion of
 * group masks to element masks. See {@link Launcher}.
 */
final class PruneStructuredKernels extends Launcher {
    PruneStructuredKernels(GpuContext ctx) { super(ctx); }

    void groupScores(CUdeviceptr table, int tensors, int crit, int norm, long totalGroups, DeviceBuffer out,
                     CUdeviceptr state) {
        launch("jp_prune_group_scores", warpBlocks(totalGroups), "tensors=" + tensors + " groups="
                + totalGroups + " norm=" + norm, table, tensors, crit, norm, totalGroups, out, state);
    }
    /** maxGroupLen: the longest group of the table; the kernel divides by group lengths in 32 bits (< 2^31). */
    void expand(CUdeviceptr table, int tensors, long chunks, long maxGroupLen, DeviceBuffer groupMask, int flags,
                CUdeviceptr kept) {
        if (maxGroupLen > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("jp_prune_expand: a group of " + maxGroupLen + " elements (max 2^31-1)");
        }
        launch("jp_prune_expand", chunks, "tensors=" + tensors + " chunks=" + chunks, table, tensors,
                groupMask, flags, kept);
    }
}
