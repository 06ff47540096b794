package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import jcuda.driver.CUdeviceptr;

/**
 * Typed launchers of native/prune_bracket.cu: the sample-bracket selection path. Each kernel returns at once unless
 * the selection's state has BR set. See {@link Launcher}.
 */
final class PruneBracketKernels extends Launcher {
    PruneBracketKernels(GpuContext ctx) { super(ctx); }

    void sampleHist(CUdeviceptr table, int tensors, long chunks, int crit, DeviceBuffer hist, CUdeviceptr state) {
        long per = THREADS / PruneTable.SAMPLE_LEN;
        launch("jp_prune_sample_hist", (chunks + per - 1) / per, "tensors=" + tensors + " chunks="
                + chunks + " crit=" + crit, table, tensors, chunks, crit, hist, state);
    }
    void findBracket(DeviceBuffer hist, long sampled, long total, CUdeviceptr state) {
        launch("jp_prune_find_bracket", 1, "sampled=" + sampled + " total=" + total, hist, sampled, total, state);
    }
    void bracketSplit(CUdeviceptr table, int tensors, long chunks, int crit, CUdeviceptr state, DeviceBuffer candKey,
                      DeviceBuffer candIdx, CUdeviceptr kept) {
        launch("jp_prune_bracket_split", chunks, "tensors=" + tensors + " chunks=" + chunks + " crit=" + crit,
                table, tensors, crit, state, candKey, candIdx, kept);
    }
    void bracketCheck(CUdeviceptr state, CUdeviceptr kept, int tensors) {
        launch("jp_prune_bracket_check", 1, "tensors=" + tensors, state, kept, tensors);
    }
    void candHistBr(DeviceBuffer candKey, long capacity, int level, CUdeviceptr state, DeviceBuffer hist) {
        launch("jp_prune_cand_hist_br", candBlocks(capacity), "capacity=" + capacity + " level=" + level,
                candKey, level, state, hist);
    }
    void findBr(DeviceBuffer hist, int level, CUdeviceptr state) {
        launch("jp_prune_find_br", 1, "level=" + level, hist, level, state);
    }
    void bracketZero(CUdeviceptr table, int tensors, long chunks, int flags, CUdeviceptr state) {
        launch("jp_prune_bracket_zero", chunks, "tensors=" + tensors + " chunks=" + chunks + " flags=" + flags, table,
                tensors, flags, state);
    }
}
