package dev.jprune.gpu;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Base of the typed launchers, one class per kernel family named after its source ({@link ElementwiseKernels} for
 * native/elementwise.cu, {@link GemmKernels} for native/gemm.cu, ...), one method per {@code extern "C"} kernel
 * (GpuStaticTest checks the lists match). They pick grid and block shapes and marshal arguments; argument validation
 * is the caller's (the Gpu* op classes). CUfunction handles come from the context's cache
 * ({@link GpuContext#function}). Every failure, at launch or (validate mode) when the kernel runs, is a
 * {@link GpuException} naming the kernel, the shapes and the grid/block.
 */
abstract class KernelLauncher {
    /** Threads per block of the 1-D kernels; must equal JP_THREADS in native/common.cuh. */
    static final int THREADS = 256;
    /** Grid-stride kernels need no more blocks than this to fill any current GPU. */
    static final int MAX_BLOCKS = 8192;

    final GpuContext ctx;

    KernelLauncher(GpuContext ctx) { this.ctx = ctx; }

    static int blocks1d(long n) { return (int) Math.max(1, Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS)); }

    /**
     * The guarantee of the kernels that index in 32 bits (jp_tid32 in native/common.cuh): the element count, and every
     * product they index or divide with, is below 2^31 (grids come from {@link #blocks1d}: at most MAX_BLOCKS x THREADS
     * threads, so i + stride cannot wrap). The ops check their shapes first; this is the launch's own assertion.
     */
    static void fits32(String kernel, String what, long n) {
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(kernel + ": " + what + " = " + n
                    + " is outside [0, 2^31-1], the kernel's 32-bit index range");
        }
    }

    /**
     * Kernel arguments: DeviceBuffer (pointer to element 0), a device pointer (DevPtr or any CUdeviceptr), null (null
     * pointer), Integer, Float, Long, Double.
     */
    private static Pointer params(Object... args) {
        Pointer[] p = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) p[i] = Pointer.to(new long[] {0L});
            else if (a instanceof DeviceBuffer) p[i] = Pointer.to(((DeviceBuffer) a).ptr());
            else if (a instanceof CUdeviceptr) p[i] = Pointer.to((CUdeviceptr) a);
            else if (a instanceof Integer) p[i] = Pointer.to(new int[] {(Integer) a});
            else if (a instanceof Float) p[i] = Pointer.to(new float[] {(Float) a});
            else if (a instanceof Long) p[i] = Pointer.to(new long[] {(Long) a});
            else if (a instanceof Double) p[i] = Pointer.to(new double[] {(Double) a});
            else throw new IllegalArgumentException("kernel argument " + i + " of unsupported type " + a.getClass());
        }
        return Pointer.to(p);
    }

    /** Queues kernel {@code name} on grid (gx, gy, 1) x block (block, 1, 1); {@code shapes} goes into errors. */
    final void launch(String name, int gx, int gy, int block, String shapes, Object... args) {
        launchZ(name, gx, gy, 1, block, shapes, args);
    }

    /** {@link #launch} with a third grid dimension. */
    final void launchZ(String name, int gx, int gy, int gz, int block, String shapes, Object... args) {
        launch(ctx, name, gx, gy, gz, block, shapes, args);
    }

    /**
     * The backend's one launch path (the sub-packages reach it through {@link GpuInternals#launch}): queues kernel
     * {@code name} of ctx's module on grid (gx, gy, gz) x block (block, 1, 1) on ctx's stream; in validate mode waits
     * for it. Throws {@link GpuException} naming the kernel, {@code shapes} and the launch shape.
     */
    static void launch(GpuContext ctx, String name, int gx, int gy, int gz, int block, String shapes,
                       Object... args) {
        ctx.bind();
        CUfunction f = ctx.function(name);
        int r = JCudaDriver.cuLaunchKernel(f, gx, gy, gz, block, 1, 1, 0, ctx.stream(), params(args), null);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new GpuException("launch of " + name + " (" + shapes + ") grid (" + gx + "," + gy
                    + "," + gz + ") block (" + block + ",1,1) failed: " + Cu.name(r));
        }
        if (ctx.validate()) {
            r = JCudaDriver.cuStreamSynchronize(ctx.stream());
            if (r != CUresult.CUDA_SUCCESS) {
                throw new GpuException("kernel " + name + " (" + shapes + ") grid (" + gx + "," + gy
                        + "," + gz + ") block (" + block + ",1,1) failed while running: " + Cu.name(r));
            }
        }
    }
}
