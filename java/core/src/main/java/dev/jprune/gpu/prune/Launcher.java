package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuException;
import dev.jprune.gpu.GpuInternals;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * The launch mechanics of this package's typed launchers (one per native family: {@link PruneSelectKernels} for
 * native/prune_select.cu, ..., {@link SparseKernels} for native/sparse.cu), in the style of
 * {@code dev.jprune.gpu.KernelLauncher}: one method per {@code extern "C"} kernel in the subclasses (GpuStaticTest checks the
 * lists match), the CUfunction cached by the context, the kernel name + shapes + grid/block in every error; validate
 * mode synchronises after every launch. Argument validation is the caller's ({@link GpuPruneOps},
 * {@link GpuSparseLinear}).
 */
abstract class Launcher {
    /** Threads per block; JP_THREADS. */
    static final int THREADS = 256;
    /** Grid-stride kernels need no more blocks than this. */
    static final int MAX_BLOCKS = 8192;

    private final GpuContext ctx;

    Launcher(GpuContext ctx) { this.ctx = ctx; }

    /** Kernel arguments: DeviceBuffer (element 0), CUdeviceptr, null (null pointer), Integer, Long, Float. */
    private static Pointer params(Object... args) {
        Pointer[] p = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) p[i] = Pointer.to(new long[] {0L});
            else if (a instanceof DeviceBuffer) p[i] = Pointer.to(GpuInternals.pointer((DeviceBuffer) a, 0));
            else if (a instanceof CUdeviceptr) p[i] = Pointer.to((CUdeviceptr) a);
            else if (a instanceof Integer) p[i] = Pointer.to(new int[] {(Integer) a});
            else if (a instanceof Long) p[i] = Pointer.to(new long[] {(Long) a});
            else if (a instanceof Float) p[i] = Pointer.to(new float[] {(Float) a});
            else throw new IllegalArgumentException("kernel argument " + i + " of unsupported type " + a.getClass());
        }
        return Pointer.to(p);
    }

    final void launch(String name, long grid, String shapes, Object... args) {
        if (grid < 1 || grid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("launch of " + name + " (" + shapes + "): grid " + grid
                    + " outside [1, 2^31-1]");
        }
        GpuInternals.bind(ctx);
        int r = JCudaDriver.cuLaunchKernel(GpuInternals.function(ctx, name), (int) grid, 1, 1, THREADS, 1, 1, 0,
                GpuInternals.stream(ctx), params(args), null);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new GpuException("launch of " + name + " (" + shapes + ") grid (" + grid + ",1,1) block (" + THREADS
                    + ",1,1) failed: " + CUresult.stringFor(r));
        }
        if (ctx.validate()) {
            r = JCudaDriver.cuStreamSynchronize(GpuInternals.stream(ctx));
            if (r != CUresult.CUDA_SUCCESS) {
                throw new GpuException("kernel " + name + " (" + shapes + ") grid (" + grid + ",1,1) block (" + THREADS
                        + ",1,1) failed while running: " + CUresult.stringFor(r));
            }
        }
    }

    static long warpBlocks(long rows) { return Math.max(1, (rows + THREADS / 32 - 1) / (THREADS / 32)); }

    /** Grid of the grid-stride candidate kernels (prune_compact.cu, prune_hist11.cu, prune_bracket.cu). */
    static long candBlocks(long capacity) {
        return Math.max(1, Math.min(MAX_BLOCKS, (capacity + THREADS - 1) / THREADS));
    }
}
