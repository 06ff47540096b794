package dev.jprune.gpu.prune;

import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuInternals;

/**
 * Base of this package's typed launchers (one per native family: {@link PruneSelectKernels} for
 * native/prune_select.cu, ..., {@link SparseKernels} for native/sparse.cu), one method per {@code extern "C"} kernel
 * (GpuStaticTest checks the lists match). Every launch goes through the backend's one launch path
 * ({@link GpuInternals#launch}: the context's cached CUfunction, the kernel name + shapes + grid/block in every error,
 * validate mode synchronising after each launch) with blocks of {@link #THREADS}. Argument validation is the
 * caller's ({@link GpuPruneOps}, {@link GpuSparseLinear}).
 */
abstract class Launcher {
    /** Threads per block; JP_THREADS. */
    static final int THREADS = 256;
    /** Grid-stride kernels need no more blocks than this. */
    static final int MAX_BLOCKS = 8192;

    private final GpuContext ctx;

    Launcher(GpuContext ctx) { this.ctx = ctx; }

    /** Queues {@code name} on {@code grid} blocks of THREADS; a grid outside [1, 2^31-1] is refused before launch. */
    final void launch(String name, long grid, String shapes, Object... args) {
        if (grid < 1 || grid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("launch of " + name + " (" + shapes + "): grid " + grid
                    + " outside [1, 2^31-1]");
        }
        GpuInternals.launch(ctx, name, (int) grid, THREADS, shapes, args);
    }

    static long warpBlocks(long rows) { return Math.max(1, (rows + THREADS / 32 - 1) / (THREADS / 32)); }

    /** Grid of the grid-stride candidate kernels (prune_compact.cu, prune_hist11.cu, prune_bracket.cu). */
    static long candBlocks(long capacity) {
        return Math.max(1, Math.min(MAX_BLOCKS, (capacity + THREADS - 1) / THREADS));
    }
}
