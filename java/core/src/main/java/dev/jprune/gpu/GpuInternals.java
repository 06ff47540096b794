package dev.jprune.gpu;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * Internal bridge for the GPU sub-packages ({@code dev.jprune.gpu.prune}): the few package-private handles of the
 * context and buffers that a launcher outside this package needs. Not API: the signatures may change with the
 * backend. Stateless (the function cache is the context's own).
 */
public final class GpuInternals {
    private GpuInternals() {}

    /** The kernel {@code name} of the context's module (looked up once per context, then cached). */
    public static CUfunction function(GpuContext ctx, String name) {
        ctx.bind();
        return ctx.function(name);
    }

    /** The context's one stream: every kernel and copy of the backend is queued on it, in order. */
    public static CUstream stream(GpuContext ctx) { return ctx.stream(); }

    /**
     * Queues kernel {@code name} on grid (grid, 1, 1) x block (block, 1, 1) through the backend's launch path (the
     * arguments as {@code KernelLauncher} takes them; validate mode waits). Throws {@link GpuException} naming the
     * kernel and {@code shapes}.
     */
    public static void launch(GpuContext ctx, String name, int grid, int block, String shapes, Object... args) {
        KernelLauncher.launch(ctx, name, grid, 1, 1, block, shapes, args);
    }

    /** Makes the context current on this thread. */
    public static void bind(GpuContext ctx) { ctx.bind(); }

    /** Makes the context current on this thread unless it is closed; returns whether it is open. */
    public static boolean bindIfOpen(GpuContext ctx) {
        if (ctx.isClosed()) return false;
        ctx.bind();
        return true;
    }

    /** A phase mark (GpuContext.startMarks); a no-op unless marks are being recorded. */
    public static void mark(GpuContext ctx, String name) { ctx.mark(name); }

    /** Device pointer to element {@code index} of {@code b} (a view; never freed through it). */
    public static CUdeviceptr pointer(DeviceBuffer b, long index) { return b.at(index); }

    /** Raw device address of element {@code index} of {@code b} (for tables uploaded to the device). */
    public static long address(DeviceBuffer b, long index) { return b.address(index); }

    /** Throws a {@link GpuException} naming {@code what} unless {@code result} is CUDA_SUCCESS. */
    public static void check(int result, String what) { Cu.check(result, what); }

    /** Sets all bytes of {@code b} to 0, queued on the stream. */
    public static void zero(DeviceBuffer b) {
        b.context().bind();
        Cu.check(JCudaDriver.cuMemsetD8Async(b.ptr(), (byte) 0, b.bytes(), b.context().stream()),
                "cuMemsetD8Async " + b);
    }

    /** Copy of a LONG buffer's first {@code dst.length} elements into {@code dst} (waits for the stream).
     *  Modifies dst. */
    public static void download(DeviceBuffer b, long[] dst) {
        if (b.type() != DeviceBuffer.Type.LONG || dst.length > b.length()) {
            throw new IllegalArgumentException("GpuInternals.download: " + b + " into long[" + dst.length + "]");
        }
        if (dst.length == 0) return;
        b.download(dst);
    }
}
