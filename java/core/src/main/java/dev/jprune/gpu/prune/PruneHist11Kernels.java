package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import jcuda.driver.CUdeviceptr;

/**
 * Typed launchers of native/prune_hist11.cu: the shared-histogram selection path ("v3"). Each kernel returns at
 * once unless the device took this path for the selection. See {@link Launcher}.
 */
final class PruneHist11Kernels extends Launcher {
    PruneHist11Kernels(GpuContext ctx) { super(ctx); }

    void hist11(CUdeviceptr table, int tensors, long chunks, int crit, DeviceBuffer hist, CUdeviceptr state) {
        launch("jp_prune_hist11", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit=" + crit, table,
                tensors, crit, hist, state);
    }
    void find11(DeviceBuffer hist, int level, CUdeviceptr state) {
        launch("jp_prune_find11", 1, "level=" + level, hist, level, state);
    }
    void split11(CUdeviceptr table, int tensors, long chunks, int crit, int flags, CUdeviceptr state,
                 DeviceBuffer candLow, DeviceBuffer candIdx, CUdeviceptr kept) {
        launch("jp_prune_split11", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit="
                + crit + " flags=" + flags, table, tensors, crit, flags, state, candLow, candIdx, kept);
    }
    void candHist11(DeviceBuffer candLow, long capacity, int level, CUdeviceptr state, DeviceBuffer hist) {
        launch("jp_prune_cand_hist11", candBlocks(capacity), "capacity=" + capacity + " level=" + level,
                candLow, level, state, hist);
    }
}
