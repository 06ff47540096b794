package dev.jprune.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal protocol-buffers wire-format writer (the subset ONNX needs): varint, 32-bit and length-delimited fields,
 * written into a growable byte array. A nested message is built in its own writer and added with
 * {@link #message(int, ProtoWriter)}, which prefixes its length. Encoding follows
 * protobuf.dev/programming-guides/encoding: tag = field number &lt;&lt; 3 | wire type; signed int64 as a 10-byte
 * two's-complement varint when negative (never zigzag: ONNX uses int64, not sint64).
 * <p>Not thread-safe; a writer is used by one builder at a time.
 */
final class ProtoWriter {
    private static final int VARINT = 0, LEN = 2, FIXED32 = 5;
    /** Protobuf messages are limited to 2 GiB; ONNX's external-data files (not written here) exist for larger ones. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private byte[] buf;
    private int size;

    ProtoWriter() { this(64); }

    ProtoWriter(int capacity) { buf = new byte[Math.max(16, capacity)]; }

    /** Bytes written so far. */
    int size() { return size; }

    /** A copy of the bytes written. */
    byte[] toByteArray() { return Arrays.copyOf(buf, size); }

    /** Writes the bytes written so far to {@code out} (not closed). */
    void writeTo(OutputStream out) throws IOException { out.write(buf, 0, size); }

    private void ensure(long extra) {
        long need = size + extra;
        if (need > MAX_BYTES) {
            throw new IllegalArgumentException("ONNX model would exceed protobuf's 2 GiB message limit ("
                    + need + " bytes); external data is not supported");
        }
        if (need > buf.length) buf = Arrays.copyOf(buf, (int) Math.min(MAX_BYTES, Math.max(need, 2L * buf.length)));
    }

    private void rawVarint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    private void tag(int field, int wireType) { rawVarint(((long) field << 3) | wireType); }

    /** int32/int64/enum field (varint). */
    ProtoWriter int64(int field, long v) {
        tag(field, VARINT);
        rawVarint(v);
        return this;
    }

    /** float field (fixed32, little-endian IEEE 754). */
    ProtoWriter float32(int field, float v) {
        tag(field, FIXED32);
        ensure(4);
        int b = Float.floatToRawIntBits(v);
        for (int i = 0; i < 4; i++) buf[size++] = (byte) (b >>> (8 * i));
        return this;
    }

    /** string field (UTF-8). */
    ProtoWriter string(int field, String s) { return bytes(field, s.getBytes(StandardCharsets.UTF_8), 0, -1); }

    /** bytes field; {@code len} -1 means to the end of {@code b}. */
    ProtoWriter bytes(int field, byte[] b, int off, int len) {
        int n = len < 0 ? b.length - off : len;
        tag(field, LEN);
        rawVarint(n);
        ensure(n);
        System.arraycopy(b, off, buf, size, n);
        size += n;
        return this;
    }

    /** An embedded message field: {@code m}'s bytes, length-prefixed. */
    ProtoWriter message(int field, ProtoWriter m) { return bytes(field, m.buf, 0, m.size); }

    /** A bytes field of {@code count} floats, little-endian (ONNX TensorProto.raw_data). */
    ProtoWriter floatsLe(int field, float[] v, int count) {
        tag(field, LEN);
        rawVarint(4L * count);
        ensure(4L * count);
        for (int i = 0; i < count; i++) {
            int b = Float.floatToRawIntBits(v[i]);
            buf[size] = (byte) b;
            buf[size + 1] = (byte) (b >>> 8);
            buf[size + 2] = (byte) (b >>> 16);
            buf[size + 3] = (byte) (b >>> 24);
            size += 4;
        }
        return this;
    }

    /** A bytes field of {@code count} int64 values, little-endian (ONNX TensorProto.raw_data). */
    ProtoWriter longsLe(int field, long[] v, int count) {
        tag(field, LEN);
        rawVarint(8L * count);
        ensure(8L * count);
        for (int i = 0; i < count; i++) {
            long b = v[i];
            for (int k = 0; k < 8; k++) buf[size + k] = (byte) (b >>> (8 * k));
            size += 8;
        }
        return this;
    }
}
