package dev.jprune.gpu.prune;

import dev.jprune.gpu.GpuContext;
import jcuda.driver.CUdeviceptr;

/**
 * Typed launchers of native/prune_accumulate.cu: score accumulation (SUM / EMA) over the table. See {@link Launcher}.
 */
final class PruneAccumulateKernels extends Launcher {
    PruneAccumulateKernels(GpuContext ctx) { super(ctx); }

    void accumulate(CUdeviceptr table, int tensors, long chunks, int crit, boolean ema, float m, float c1m,
                    int phase, CUdeviceptr state) {
        launch("jp_prune_accumulate", chunks, "tensors=" + tensors + " chunks=" + chunks + " ema="
                + ema + " phase=" + phase, table, tensors, crit, ema ? 1 : 0, m, c1m, phase, state);
    }
}
