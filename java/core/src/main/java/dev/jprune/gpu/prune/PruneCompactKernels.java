package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import jcuda.driver.CUdeviceptr;

/**
 * Typed launchers of native/prune_compact.cu: the compacting selection path, and the candidate tie / apply kernels
 * that every compacting path shares. See {@link Launcher}.
 */
final class PruneCompactKernels extends Launcher {
    PruneCompactKernels(GpuContext ctx) { super(ctx); }

    void split(CUdeviceptr table, int tensors, long chunks, int crit, int flags, CUdeviceptr state,
               DeviceBuffer candLow, DeviceBuffer candIdx, CUdeviceptr kept) {
        launch("jp_prune_split", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit="
                + crit + " flags=" + flags, table, tensors, crit, flags, state, candLow, candIdx, kept);
    }
    void candHist(DeviceBuffer candLow, long capacity, CUdeviceptr state, DeviceBuffer hist) {
        launch("jp_prune_cand_hist", candBlocks(capacity), "capacity=" + capacity, candLow, state, hist);
    }
    void candIndexHist(DeviceBuffer candLow, DeviceBuffer candIdx, long capacity, int level, CUdeviceptr state,
                       DeviceBuffer hist) {
        launch("jp_prune_cand_index_hist", candBlocks(capacity), "capacity=" + capacity + " level=" + level, candLow,
                candIdx, level, state, hist);
    }
    void findIndex(DeviceBuffer hist, int level, CUdeviceptr state) {
        launch("jp_prune_find_index", 1, "level=" + level, hist, level, state);
    }
    void candApply(CUdeviceptr table, int tensors, DeviceBuffer candLow, DeviceBuffer candIdx, long capacity, int flags,
                   CUdeviceptr state, CUdeviceptr kept) {
        launch("jp_prune_cand_apply", candBlocks(capacity), "tensors=" + tensors + " capacity="
                + capacity + " flags=" + flags, table, tensors, candLow, candIdx, flags, state, kept);
    }
}
