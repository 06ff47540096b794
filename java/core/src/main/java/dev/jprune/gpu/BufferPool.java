package dev.jprune.gpu;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Size-bucketed cache of device allocations owned by one {@link GpuContext}. Training allocates the same shapes
 * every step, so after the first step every request is served from a free list without cuMemAlloc/cuMemFree (both
 * synchronise the device). Buckets: powers of two up to 1 MiB (min 256 B), then multiples of 2 MiB, so the waste is
 * under 2x for small and under 2 MiB for large buffers.
 * <p>Reuse is safe without events because every kernel and copy of a context runs on its one stream, in order: a
 * buffer released after its last launch is only handed out to launches queued after that one.
 * <p>On out-of-memory the cache is emptied and the allocation retried once; if it still fails, a
 * {@link GpuOutOfMemoryException} gives the request size and the bytes in use. Not thread-safe (nor is the context).
 */
final class BufferPool {
    private static final long SMALL_LIMIT = 1L << 20;
    private static final long LARGE_STEP = 2L << 20;

    private final GpuContext ctx;
    private final Map<Long, ArrayDeque<DevPtr>> free = new HashMap<>();
    private final Map<DevPtr, Long> live = new IdentityHashMap<>();
    private long bytesInUse, bytesCached, allocations, reuses;

    BufferPool(GpuContext ctx) { this.ctx = ctx; }

    static long bucket(long bytes) {
        if (bytes <= 256) return 256;
        if (bytes <= SMALL_LIMIT) return Long.highestOneBit(bytes - 1) << 1;
        return (bytes + LARGE_STEP - 1) / LARGE_STEP * LARGE_STEP;
    }

    /** A device allocation of at least {@code bytes} (contents undefined). */
    DevPtr acquire(long bytes, String forWhat) {
        if (bytes < 0) throw new IllegalArgumentException("BufferPool: negative size " + bytes + " for " + forWhat);
        long b = bucket(bytes);
        ArrayDeque<DevPtr> q = free.get(b);
        DevPtr p = q == null ? null : q.poll();
        if (p != null) {
            bytesCached -= b;
            reuses++;
        } else {
            p = new DevPtr();
            int r = JCudaDriver.cuMemAlloc(p, b);
            if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
                trim();
                r = JCudaDriver.cuMemAlloc(p, b);
            }
            if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
                long[] fr = new long[1], tot = new long[1];
                JCudaDriver.cuMemGetInfo(fr, tot);
                throw new GpuOutOfMemoryException(String.format(
                        "GPU out of memory: %s needs %d bytes (bucket %d); this context holds %d bytes in %d "
                                + "live buffers; " + "device free %d of %d bytes",
                        forWhat, bytes, b, bytesInUse, live.size(), fr[0], tot[0]), bytes);
            }
            Cu.check(r, "cuMemAlloc(" + b + " bytes) for " + forWhat);
            allocations++;
        }
        live.put(p, b);
        bytesInUse += b;
        return p;
    }

    /** Returns an allocation from {@link #acquire} to its free list. */
    void release(DevPtr p) {
        Long b = live.remove(p);
        if (b == null) throw new IllegalStateException("BufferPool: release of a pointer this pool does not own");
        bytesInUse -= b;
        bytesCached += b;
        free.computeIfAbsent(b, k -> new ArrayDeque<>()).push(p);
    }

    /** Frees every cached (not live) allocation. The stream is synchronised first: cuMemFree of memory a queued kernel
     *  still reads would be a use-after-free. */
    void trim() {
        ctx.synchronize();
        for (ArrayDeque<DevPtr> q : free.values()) for (DevPtr p : q) JCudaDriver.cuMemFree(p);
        free.clear();
        bytesCached = 0;
    }

    /** Frees everything, live buffers included (context close, which has synchronised the stream). Never throws:
     *  after a kernel fault every call returns the fault again (it is sticky), and close must still release all it
     *  can. */
    void freeAll() {
        for (ArrayDeque<DevPtr> q : free.values()) for (DevPtr p : q) JCudaDriver.cuMemFree(p);
        free.clear();
        bytesCached = 0;
        for (DevPtr p : live.keySet()) JCudaDriver.cuMemFree(p);
        live.clear();
        bytesInUse = 0;
    }

    long bytesInUse() { return bytesInUse; }
    long bytesCached() { return bytesCached; }
    long allocations() { return allocations; }
    long reuses() { return reuses; }
}
