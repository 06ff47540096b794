package dev.jprune.gpu.prune;

import dev.jprune.gpu.GpuContext;
import jcuda.driver.CUdeviceptr;

/**
 * Typed launchers of native/prune_nm.cu: N:M sparsity, one thread per group of M elements. See {@link Launcher}.
 */
final class PruneNmKernels extends Launcher {
    PruneNmKernels(GpuContext ctx) { super(ctx); }

    /** groups = rows x ceil(rowLength / m). The kernel splits group indices in 32 bits: rowLength, m < 2^31. */
    void nm(CUdeviceptr row, int crit, long rowLength, int n, int m, int phase, int flags, CUdeviceptr state,
            CUdeviceptr kept, long groups) {
        if (rowLength < 1 || rowLength > Integer.MAX_VALUE || m < 1) {
            throw new IllegalArgumentException("jp_prune_nm: row length " + rowLength + " or M " + m
                    + " outside [1, 2^31-1]");
        }
        launch("jp_prune_nm", Math.max(1, Math.min(MAX_BLOCKS, (groups + THREADS - 1) / THREADS)),
                "groups=" + groups + " rowLength=" + rowLength + " N:M=" + n + ":" + m + " phase=" + phase,
                row, crit, rowLength, groups, n, m, phase, flags, state, kept);
    }
}
