package dev.jprune.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/**
 * Little-endian byte sink handed to {@link TensorSource#writeData}. Buffers through a fixed 1 MiB buffer, so a
 * tensor of any size is streamed with constant extra memory. Refuses to take more bytes than the tensor's
 * declared size (the header has already fixed every offset).
 */
public final class TensorSink {
    static final int BUFFER_BYTES = 1 << 20;

    private final WritableByteChannel out;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private String tensor = "";
    private long remaining;

    TensorSink(WritableByteChannel out) {
        this.out = out;
    }

    void begin(String name, long bytes) {
        tensor = name;
        remaining = bytes;
    }

    long remaining() { return remaining; }

    private void reserve(long bytes) throws IOException {
        if (bytes > remaining) {
            throw new IOException("tensor '" + tensor + "' wrote more bytes than its shape and dtype declare");
        }
        remaining -= bytes;
    }

    /**
     * Writes one float, little-endian.
     *
     * @throws IOException when the underlying write fails
     */
    public void putFloat(float v) throws IOException {
        reserve(4);
        if (buf.remaining() < 4) flush();
        buf.putFloat(v);
    }

    /** Writes {@code src[off..off+len)} as little-endian F32. Does not modify {@code src}. */
    public void putFloats(float[] src, int off, int len) throws IOException {
        reserve(4L * len);
        while (len > 0) {
            if (buf.remaining() < 4) flush();
            int n = Math.min(len, buf.remaining() / 4);
            buf.asFloatBuffer().put(src, off, n); // view shares content, not position: advance by hand
            buf.position(buf.position() + 4 * n);
            off += n;
            len -= n;
        }
    }

    /**
     * Writes one byte.
     *
     * @throws IOException when the underlying write fails
     */
    public void putByte(byte v) throws IOException {
        reserve(1);
        if (!buf.hasRemaining()) flush();
        buf.put(v);
    }

    /** Writes {@code src[off..off+len)} verbatim. Does not modify {@code src}. */
    public void putBytes(byte[] src, int off, int len) throws IOException {
        reserve(len);
        while (len > 0) {
            if (!buf.hasRemaining()) flush();
            int n = Math.min(len, buf.remaining());
            buf.put(src, off, n);
            off += n;
            len -= n;
        }
    }

    void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) out.write(buf);
        buf.clear();
    }
}
