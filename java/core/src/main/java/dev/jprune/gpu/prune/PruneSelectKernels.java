package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import jcuda.driver.CUdeviceptr;

/**
 * Typed launchers of native/prune_select.cu: the radix-select core of the exact top-k (the three-pass path) and
 * the mask pass. Chunk kernels: grid = chunks of the table, one block per chunk. See {@link Launcher}.
 */
final class PruneSelectKernels extends Launcher {
    PruneSelectKernels(GpuContext ctx) { super(ctx); }

    void hist(CUdeviceptr table, int tensors, long chunks, int crit, int level, DeviceBuffer hist, CUdeviceptr state) {
        launch("jp_prune_hist", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit="
                + crit + " level=" + level, table, tensors, crit, level, hist, state);
    }
    /** path: -1 always, 0 only on the three-pass path, 1 only on the compacting path (the device decides). */
    void find(DeviceBuffer hist, int level, int path, CUdeviceptr state) {
        launch("jp_prune_find", 1, "level=" + level + " path=" + path, hist, level, path, state);
    }
    void ties(CUdeviceptr table, int tensors, long chunks, int crit, CUdeviceptr state, DeviceBuffer chunkTies) {
        launch("jp_prune_ties", chunks, "tensors=" + tensors + " chunks=" + chunks, table, tensors,
                crit, state, chunkTies);
    }
    void scan(DeviceBuffer chunkTies, long chunks, CUdeviceptr state, DeviceBuffer tiesBefore) {
        launch("jp_prune_scan", 1, "chunks=" + chunks, chunkTies, chunks, state, tiesBefore);
    }
    void mask(CUdeviceptr table, int tensors, long chunks, int crit, int mode, int flags, CUdeviceptr state,
              DeviceBuffer tiesBefore, CUdeviceptr kept) {
        launch("jp_prune_mask", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit=" + crit + " mode=" + mode
                + " flags=" + flags, table, tensors, crit, mode, flags, state, tiesBefore, kept);
    }
}
