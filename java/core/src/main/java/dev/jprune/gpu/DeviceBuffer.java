package dev.jprune.gpu;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

/**
 * A typed array in device memory, owned by one {@link GpuContext}: {@link #length()} elements of {@link #type()}.
 * Memory comes from the context's pool and goes back to it on {@link #close()}. Copies to and from the host are
 * synchronous: each first waits for the context's stream, so it sees (and does not overwrite under) the kernels
 * queued before it. Not thread-safe.
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
        if (t != type) throw new IllegalArgumentException("DeviceBuffer." + op + ": buffer holds " + type + ", not " + t);
        if (n < 0 || dstOff < 0 || srcOff < 0 || dstOff + n > length || srcOff + n > srcLen) {
            throw new IllegalArgumentException("DeviceBuffer." + op + ": range [" + dstOff + ", " + (dstOff + n)
                    + ") of a " + type + "[" + length + "] buffer with host array range [" + srcOff + ", "
                    + (srcOff + n) + ") of length " + srcLen);
        }
    }

    private void h2d(Pointer host, long dstOff, long n) {
        if (n == 0) return;
        ctx.synchronize();
        Cu.check(JCudaDriver.cuMemcpyHtoD(at(dstOff), host, n * type.size), "cuMemcpyHtoD " + n + " x " + type);
    }

    private void d2h(Pointer host, long srcOff, long n) {
        if (n == 0) return;
        ctx.synchronize();
        Cu.check(JCudaDriver.cuMemcpyDtoH(host, at(srcOff), n * type.size), "cuMemcpyDtoH " + n + " x " + type);
    }

    /** Copies {@code src[0, length)} into this buffer. */
    public DeviceBuffer upload(float[] src) { return upload(src, 0, 0, (int) Math.min(length, src.length)); }
    /** Copies {@code src[srcOff, srcOff+n)} to elements {@code [dstOff, dstOff+n)}. Modifies this buffer. */
    public DeviceBuffer upload(float[] src, int srcOff, long dstOff, int n) {
        checkRange("upload", Type.FLOAT, dstOff, n, src.length, srcOff);
        ctx.bind();
        h2d(Pointer.to(src).withByteOffset(4L * srcOff), dstOff, n);
        return this;
    }
    /** Copies all of {@code src} (a host array of {@code length} elements of type {@code t}) to elements [0, length). */
    private DeviceBuffer uploadAll(Type t, Pointer src, int length) {
        checkRange("upload", t, 0, length, length, 0);
        ctx.bind();
        h2d(src, 0, length);
        return this;
    }
    public DeviceBuffer upload(int[] src) { return uploadAll(Type.INT, Pointer.to(src), src.length); }
    public DeviceBuffer upload(byte[] src) { return uploadAll(Type.BYTE, Pointer.to(src), src.length); }
    public DeviceBuffer upload(long[] src) { return uploadAll(Type.LONG, Pointer.to(src), src.length); }
    public DeviceBuffer upload(double[] src) { return uploadAll(Type.DOUBLE, Pointer.to(src), src.length); }

    /** Copies elements {@code [srcOff, srcOff+n)} into {@code dst[dstOff, dstOff+n)}. Modifies {@code dst}. */
    public void download(float[] dst, int dstOff, long srcOff, int n) {
        checkRange("download", Type.FLOAT, srcOff, n, dst.length, dstOff);
        ctx.bind();
        d2h(Pointer.to(dst).withByteOffset(4L * dstOff), srcOff, n);
    }
    public void download(float[] dst) { download(dst, 0, 0, (int) Math.min(length, dst.length)); }
    /** Copies elements {@code [srcOff, srcOff+n)} of a BYTE buffer (a mask) into {@code dst[dstOff, dstOff+n)}, so
     *  that buffers of more than 2^31 − 1 elements can be read in pieces. Modifies {@code dst}. */
    public void download(byte[] dst, int dstOff, long srcOff, int n) {
        checkRange("download", Type.BYTE, srcOff, n, dst.length, dstOff);
        ctx.bind();
        d2h(Pointer.to(dst).withByteOffset(dstOff), srcOff, n);
    }
    public void download(int[] dst) { checkRange("download", Type.INT, 0, dst.length, dst.length, 0); ctx.bind(); d2h(Pointer.to(dst), 0, dst.length); }
    public void download(byte[] dst) { checkRange("download", Type.BYTE, 0, dst.length, dst.length, 0); ctx.bind(); d2h(Pointer.to(dst), 0, dst.length); }
    public void download(long[] dst) { checkRange("download", Type.LONG, 0, dst.length, dst.length, 0); ctx.bind(); d2h(Pointer.to(dst), 0, dst.length); }
    public void download(double[] dst) { checkRange("download", Type.DOUBLE, 0, dst.length, dst.length, 0); ctx.bind(); d2h(Pointer.to(dst), 0, dst.length); }

    /** The whole buffer as a new host array (FLOAT buffers). */
    public float[] toFloatArray() {
        float[] a = new float[Math.toIntExact(length)];
        download(a);
        return a;
    }

    /** Device-to-device copy of all of {@code src} (same type and length) into this buffer, queued on the stream. */
    public void copyFrom(DeviceBuffer src) {
        if (src.type != type || src.length != length) {
            throw new IllegalArgumentException("DeviceBuffer.copyFrom: " + src.type + "[" + src.length + "] into " + type + "[" + length + "]");
        }
        ctx.bind();
        Cu.check(JCudaDriver.cuMemcpyDtoDAsync(ptr(), src.ptr(), bytes(), ctx.stream()), "cuMemcpyDtoDAsync " + bytes() + " bytes");
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
