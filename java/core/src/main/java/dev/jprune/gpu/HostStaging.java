package dev.jprune.gpu;

import jcuda.Pointer;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Page-locked staging for the host copies of one {@link GpuContext}: {@link #SLOTS} slots of {@link #SLOT_BYTES},
 * each guarded by an event recorded on the context's stream after its last copy; small copies are packed into the slot
 * being filled, and a slot is reused only after its event completed. Why: a copy from a Java array
 * (pageable memory) waits for the whole stream, and so did every DeviceBuffer upload; through these slots an upload is
 * one copy into pinned memory plus an asynchronous copy queued on the stream, and the host waits only when it needs a
 * value (a download) or when all slots are still in flight (large transfers). Allocated on first use, freed by
 * {@link #close}. Not thread-safe (nor is the context).
 */
final class HostStaging implements AutoCloseable {
    /** Slots in the ring; a transfer larger than a slot streams through them in order. */
    static final int SLOTS = 4;
    /** Bytes per slot (a multiple of every element size). */
    static final int SLOT_BYTES = 1 << 20;

    /** Copies one chunk between a slot and a Java array: {@code bytes} bytes at byte {@code offset} of the transfer. */
    interface Chunk { void copy(ByteBuffer slot, long offset, int bytes); }

    /** One download of a batch: {@code bytes} bytes from {@code src} into a Java array through {@code sink}. */
    record Download(DevPtr src, long bytes, Chunk sink) {}

    private final GpuContext ctx;
    private final CUevent[] events = new CUevent[SLOTS];
    private final boolean[] inFlight = new boolean[SLOTS];
    private Pointer host;
    private ByteBuffer buffer;
    private int next;      // the slot take() hands out next
    private int cur = -1;  // the slot being filled (-1: none yet)
    private int used;      // its bytes used

    HostStaging(GpuContext ctx) { this.ctx = ctx; }

    private void allocate() {
        if (host != null) return;
        Pointer p = new Pointer();
        Cu.check(JCudaDriver.cuMemAllocHost(p, (long) SLOTS * SLOT_BYTES),
                "cuMemAllocHost(" + SLOTS * SLOT_BYTES + " bytes)");
        host = p;
        buffer = p.getByteBuffer(0, (long) SLOTS * SLOT_BYTES).order(ByteOrder.nativeOrder());
        for (int s = 0; s < SLOTS; s++) {
            CUevent e = new CUevent();
            Cu.check(JCudaDriver.cuEventCreate(e, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            events[s] = e;
        }
    }

    private ByteBuffer view(long at, int bytes) { return buffer.slice((int) at, bytes).order(ByteOrder.nativeOrder()); }

    /** The next slot, once the copies queued through it before have run (a wait only if they have not). */
    private int take() {
        int s = next;
        next = (next + 1) % SLOTS;
        if (inFlight[s]) {
            int r = JCudaDriver.cuEventQuery(events[s]);
            if (r == CUresult.CUDA_ERROR_NOT_READY) r = JCudaDriver.cuEventSynchronize(events[s]);
            Cu.check(r, "waiting for a staging slot's copy");
            inFlight[s] = false;
        }
        return s;
    }

    /** True when a region of {@code bytes} does not fit the rest of the slot being filled. */
    private boolean needsSlot(int bytes) { return cur < 0 || ((used + 7) & ~7) + bytes > SLOT_BYTES; }

    /** A region of {@code bytes} (at most a slot, 8-byte aligned) packed after the previous one: its byte offset. */
    private long region(int bytes) {
        int start = (used + 7) & ~7;
        if (needsSlot(bytes)) {
            cur = take();
            start = 0;
        }
        used = start + bytes;
        return (long) cur * SLOT_BYTES + start;
    }

    /** Marks the slot being filled as in flight after the copy just queued (the later record covers the earlier). */
    private void record() {
        Cu.check(JCudaDriver.cuEventRecord(events[cur], ctx.stream()), "cuEventRecord");
        inFlight[cur] = true;
    }

    /**
     * Queues the copy of {@code bytes} bytes, read from a Java array by {@code source}, to device address {@code dst}:
     * the array is read before this returns (the caller may change it at once), the device is written in stream order.
     */
    void upload(DevPtr dst, long bytes, Chunk source) {
        allocate();
        for (long off = 0; off < bytes; off += SLOT_BYTES) {
            int chunk = (int) Math.min(SLOT_BYTES, bytes - off);
            long at = region(chunk);
            source.copy(view(at, chunk), off, chunk);
            Cu.check(JCudaDriver.cuMemcpyHtoDAsync(dst.at(off), host.withByteOffset(at), chunk, ctx.stream()),
                    "cuMemcpyHtoDAsync " + chunk + " bytes");
            record();
        }
    }

    private record Pending(long at, int bytes, long offset, Chunk sink) {}

    /**
     * Copies every download of {@code batch} to the host after the work queued before it. Small downloads share a
     * slot, so a batch that fits the staging ({@link #SLOTS} x {@link #SLOT_BYTES}) waits once; a larger one waits
     * once per filling of the slots. Modifies the downloads' host arrays.
     */
    void download(Download... batch) {
        allocate();
        java.util.List<Pending> pending = new java.util.ArrayList<>();
        int pendingSlots = 0, lastSlot = -1;
        for (Download d : batch) {
            for (long off = 0; off < d.bytes(); off += SLOT_BYTES) {
                int chunk = (int) Math.min(SLOT_BYTES, d.bytes() - off);
                // A new slot when every slot holds pending pieces would be the oldest of them: copy those out first.
                if (needsSlot(chunk) && pendingSlots == SLOTS) {
                    drain(pending);
                    pendingSlots = 0;
                    lastSlot = -1;
                }
                long at = region(chunk);
                if (cur != lastSlot) { pendingSlots++; lastSlot = cur; }
                Cu.check(JCudaDriver.cuMemcpyDtoHAsync(host.withByteOffset(at), d.src().at(off), chunk, ctx.stream()),
                        "cuMemcpyDtoHAsync " + chunk + " bytes");
                record();
                pending.add(new Pending(at, chunk, off, d.sink()));
            }
        }
        drain(pending);
    }

    /** Waits for the last event recorded (the stream is in order: every copy before it is done) and copies the
     *  pending pieces out. */
    private void drain(java.util.List<Pending> pending) {
        if (pending.isEmpty()) return;
        Cu.check(JCudaDriver.cuEventSynchronize(events[cur]), "cuEventSynchronize (download)");
        java.util.Arrays.fill(inFlight, false);
        for (Pending p : pending) p.sink().copy(view(p.at(), p.bytes()), p.offset(), p.bytes());
        pending.clear();
    }

    /** Frees the pinned memory and the events (the caller has synchronised the stream). Never throws. */
    @Override
    public void close() {
        for (int s = 0; s < SLOTS; s++) {
            if (events[s] != null) JCudaDriver.cuEventDestroy(events[s]);
            events[s] = null;
        }
        if (host != null) JCudaDriver.cuMemFreeHost(host);
        host = null;
        buffer = null;
    }
}
