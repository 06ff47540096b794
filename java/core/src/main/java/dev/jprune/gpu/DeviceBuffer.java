package dev.jprune.gpu;

import jcuda.driver.JCudaDriver;

/**
 * A typed array in device memory, owned by one {@link GpuContext}: {@link #length()} elements of {@link #type()}.
 * Memory comes from the context's pool and goes back to it on {@link #close()}. Copies to and from the host go
 * through the context's page-locked staging on its stream: an upload returns without waiting for the device (the host
 * array is read before it returns, the buffer written after the work queued before it); a download waits for the
 * queued work, as the host needs the values. {@link GpuContext#download} reads several buffers with one wait.
 * Not thread-safe.
 */
public final class DeviceBuffer implements AutoCloseable {
    /** Element types; the size is in bytes. */
    public enum Type {
        FLOAT(4), INT(4), BYTE(1), DOUBLE(8), LONG(8);
        final int size;
        Type(int size) { this.size = size; }
        public int size() { return size; }
    }

    private final GpuContext ctx;
    private final DevPtr ptr;
    private final Type type;
    private final long length;
    private boolean closed;

    DeviceBuffer(GpuContext ctx, Type type, long length) {
        if (length < 0) throw new IllegalArgumentException("DeviceBuffer: negative length " + length);
        this.ctx = ctx;
        this.type = type;
        this.length = length;
        this.ptr = ctx.pool().acquire(Math.max(1, length) * type.size, type + "[" + length + "]");
    }

    public Type type() { return type; }
    public long length() { return length; }
    public long bytes() { return length * type.size; }
    public GpuContext context() { return ctx; }
    public boolean isClosed() { return closed; }

    DevPtr ptr() {
        if (closed) throw new IllegalStateException("DeviceBuffer " + type + "[" + length + "] used after close");
        return ptr;
    }

    /** The device address of element {@code index} (used for alignment decisions and pointer tables). */
    long address(long index) { return ptr().address() + index * type.size; }

    DevPtr at(long index) { return ptr().at(index * type.size); }

    private void checkRange(String op, Type t, long dstOff, long n, int srcLen, long srcOff) {
        if (t != type) throw new IllegalArgumentException("DeviceBuffer." + op + ": buffer holds "
                + type + ", not " + t);
        if (n < 0 || dstOff < 0 || srcOff < 0 || dstOff + n > length || srcOff + n > srcLen) {
            throw new IllegalArgumentException("DeviceBuffer." + op + ": range [" + dstOff + ", " + (dstOff + n)
                    + ") of a " + type + "[" + length + "] buffer with host array range [" + srcOff + ", "
                    + (srcOff + n) + ") of length " + srcLen);
        }
    }

    // ---- host copies: through the context's page-locked staging, asynchronous on its stream (HostStaging). An
    // upload reads the Java array before it returns and is ordered after the work queued before it; a download
    // waits for that work (the one place the host must), once per call or per GpuContext#download batch.

    private void h2d(long dstOff, long n, HostStaging.Chunk source) {
        if (n == 0) return;
        ctx.staging().upload(at(dstOff), n * type.size, source);
    }

    private HostStaging.Download d2h(long srcOff, long n, HostStaging.Chunk sink) {
        return new HostStaging.Download(at(srcOff), n * type.size, sink);
    }

    /** Copies {@code src[0, length)} into this buffer. */
    public DeviceBuffer upload(float[] src) { return upload(src, 0, 0, (int) Math.min(length, src.length)); }
    /** Copies {@code src[srcOff, srcOff+n)} to elements {@code [dstOff, dstOff+n)}. Modifies this buffer. */
    public DeviceBuffer upload(float[] src, int srcOff, long dstOff, int n) {
        checkRange("upload", Type.FLOAT, dstOff, n, src.length, srcOff);
        ctx.bind();
        h2d(dstOff, n, (b, off, bytes) -> b.asFloatBuffer().put(src, srcOff + (int) (off / 4), bytes / 4));
        return this;
    }
    /** Copies all of {@code src} (its length in elements of type {@code t}) to elements [0, length). */
    private DeviceBuffer uploadAll(Type t, int length, HostStaging.Chunk source) {
        checkRange("upload", t, 0, length, length, 0);
        ctx.bind();
        h2d(0, length, source);
        return this;
    }
    public DeviceBuffer upload(int[] src) {
        return uploadAll(Type.INT, src.length,
                (b, off, bytes) -> b.asIntBuffer().put(src, (int) (off / 4), bytes / 4));
    }
    public DeviceBuffer upload(byte[] src) {
        return uploadAll(Type.BYTE, src.length, (b, off, bytes) -> b.put(src, (int) off, bytes));
    }
    public DeviceBuffer upload(long[] src) {
        return uploadAll(Type.LONG, src.length,
                (b, off, bytes) -> b.asLongBuffer().put(src, (int) (off / 8), bytes / 8));
    }
    public DeviceBuffer upload(double[] src) {
        return uploadAll(Type.DOUBLE, src.length,
                (b, off, bytes) -> b.asDoubleBuffer().put(src, (int) (off / 8), bytes / 8));
    }

    /**
     * One copy of this buffer's elements {@code [0, dst.length)} into a host array, for {@link GpuContext#download}
     * (several buffers, one wait). Checks the range now; copies nothing until then.
     */
    public static final class Transfer {
        final HostStaging.Download download;
        final DeviceBuffer source;
        private Transfer(DeviceBuffer source, HostStaging.Download download) {
            this.source = source;
            this.download = download;
        }
    }

    private Transfer transfer(Type t, int n, HostStaging.Chunk sink) {
        checkRange("download", t, 0, n, n, 0);
        return new Transfer(this, d2h(0, n, sink));
    }
    /** A pending copy of elements [0, dst.length) into {@code dst} ({@link GpuContext#download}). */
    public Transfer into(double[] dst) {
        return transfer(Type.DOUBLE, dst.length,
                (b, off, bytes) -> b.asDoubleBuffer().get(dst, (int) (off / 8), bytes / 8));
    }
    public Transfer into(long[] dst) {
        return transfer(Type.LONG, dst.length,
                (b, off, bytes) -> b.asLongBuffer().get(dst, (int) (off / 8), bytes / 8));
    }
    public Transfer into(int[] dst) {
        return transfer(Type.INT, dst.length,
                (b, off, bytes) -> b.asIntBuffer().get(dst, (int) (off / 4), bytes / 4));
    }
    public Transfer into(float[] dst) {
        return transfer(Type.FLOAT, dst.length,
                (b, off, bytes) -> b.asFloatBuffer().get(dst, (int) (off / 4), bytes / 4));
    }
    public Transfer into(byte[] dst) {
        return transfer(Type.BYTE, dst.length, (b, off, bytes) -> b.get(dst, (int) off, bytes));
    }

    private void download(Transfer t) {
        ctx.bind();
        if (t.download.bytes() > 0) ctx.staging().download(t.download);
    }

    /** Copies elements {@code [srcOff, srcOff+n)} into {@code dst[dstOff, dstOff+n)}. Modifies {@code dst}. */
    public void download(float[] dst, int dstOff, long srcOff, int n) {
        checkRange("download", Type.FLOAT, srcOff, n, dst.length, dstOff);
        download(new Transfer(this, d2h(srcOff, n,
                (b, off, bytes) -> b.asFloatBuffer().get(dst, dstOff + (int) (off / 4), bytes / 4))));
    }
    public void download(float[] dst) { download(dst, 0, 0, (int) Math.min(length, dst.length)); }
    /** Copies elements {@code [srcOff, srcOff+n)} of a BYTE buffer (a mask) into {@code dst[dstOff, dstOff+n)}, so
     *  that buffers of more than 2^31 − 1 elements can be read in pieces. Modifies {@code dst}. */
    public void download(byte[] dst, int dstOff, long srcOff, int n) {
        checkRange("download", Type.BYTE, srcOff, n, dst.length, dstOff);
        download(new Transfer(this, d2h(srcOff, n, (b, off, bytes) -> b.get(dst, dstOff + (int) off, bytes))));
    }
    /** Copies elements [0, dst.length) into {@code dst} (one wait for the stream). Modifies {@code dst}. */
    public void download(int[] dst) { download(into(dst)); }
    public void download(byte[] dst) { download(into(dst)); }
    public void download(long[] dst) { download(into(dst)); }
    public void download(double[] dst) { download(into(dst)); }

    /** The whole buffer as a new host array (FLOAT buffers). */
    public float[] toFloatArray() {
        float[] a = new float[Math.toIntExact(length)];
        download(a);
        return a;
    }

    /** Device-to-device copy of all of {@code src} (same type and length) into this buffer, queued on the stream. */
    public void copyFrom(DeviceBuffer src) {
        if (src.type != type || src.length != length) {
            throw new IllegalArgumentException("DeviceBuffer.copyFrom: " + src.type + "[" + src.length + "] into "
                    + type + "[" + length + "]");
        }
        ctx.bind();
        Cu.check(JCudaDriver.cuMemcpyDtoDAsync(ptr(), src.ptr(), bytes(), ctx.stream()), "cuMemcpyDtoDAsync "
                + bytes() + " bytes");
    }

    /** Returns the memory to the context's pool. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (!ctx.isClosed()) ctx.pool().release(ptr);
    }

    @Override
    public String toString() { return "DeviceBuffer[" + type + " x " + length + (closed ? ", closed" : "") + "]"; }
}
