package dev.jprune.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One in-memory tensor of a safetensors file: dtype, row-major shape and data.
 * F32 data is held as {@code float[]}, U8 and BOOL as {@code byte[]}, every other dtype as its raw
 * little-endian bytes. Factories wrap the given arrays without copying; accessors return them without copying.
 */
public final class TensorEntry implements TensorSource {
    private final DType dtype;
    private final int[] shape;
    private final float[] floats; // F32 only
    private final byte[] bytes;   // U8/BOOL values, or raw little-endian bytes for other dtypes

    private TensorEntry(DType dtype, int[] shape, float[] floats, byte[] bytes) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.floats = floats;
        this.bytes = bytes;
        long n = TensorSource.elementCount(this.shape);
        long have = floats != null ? floats.length : bytes.length / (long) dtype.size();
        long haveBytes = floats != null ? 4L * floats.length : bytes.length;
        if (have != n || haveBytes != n * dtype.size()) {
            throw new IllegalArgumentException("TensorEntry " + dtype + Arrays.toString(shape) + ": needs " + n
                    + " elements (" + n * dtype.size() + " bytes) but data has " + haveBytes + " bytes");
        }
    }

    /** An F32 tensor wrapping {@code data} (not copied). */
    public static TensorEntry f32(float[] data, int... shape) {
        return new TensorEntry(DType.F32, shape, data, null);
    }

    /** A U8 tensor wrapping {@code data} (not copied). */
    public static TensorEntry u8(byte[] data, int... shape) {
        return new TensorEntry(DType.U8, shape, null, data);
    }

    /** A BOOL tensor wrapping {@code data} (not copied); every byte must be 0 or 1. */
    public static TensorEntry bool(byte[] data, int... shape) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] != 0 && data[i] != 1) {
                throw new IllegalArgumentException("TensorEntry.bool: element " + i + " is " + (data[i] & 0xff)
                        + ", not 0 or 1");
            }
        }
        return new TensorEntry(DType.BOOL, shape, null, data);
    }

    /**
     * A tensor of any dtype from its raw little-endian bytes (not copied). For F32 the bytes are decoded
     * into a new float[] so {@link #floats()} works.
     */
    public static TensorEntry raw(DType dtype, byte[] littleEndian, int... shape) {
        if (dtype == DType.F32) {
            if (littleEndian.length % 4 != 0) {
                throw new IllegalArgumentException("TensorEntry.raw F32: " + littleEndian.length
                        + " bytes is not a multiple of 4");
            }
            float[] f = new float[littleEndian.length / 4];
            DType.F32.toFloats(ByteBuffer.wrap(littleEndian), f, 0, f.length);
            return f32(f, shape);
        }
        if (dtype == DType.BOOL) return bool(littleEndian, shape);
        return new TensorEntry(dtype, shape, null, littleEndian);
    }

    @Override public DType dtype() { return dtype; }

    /** A copy of the shape. */
    @Override public int[] shape() { return shape.clone(); }

    /** Number of elements. */
    public int size() { return floats != null ? floats.length : bytes.length / dtype.size(); }

    /** The F32 data (not a copy). Throws IllegalStateException for other dtypes. */
    public float[] floats() {
        if (floats == null) throw new IllegalStateException("tensor is " + dtype + ", not F32");
        return floats;
    }

    /**
     * The bytes (not a copy): values for U8/BOOL, raw little-endian bytes for other non-F32 dtypes.
     * Throws IllegalStateException for F32.
     */
    public byte[] bytes() {
        if (bytes == null) throw new IllegalStateException("tensor is F32; use floats()");
        return bytes;
    }

    /** The values converted to float in a new array (any dtype; see {@link DType} for rounding). */
    public float[] toFloats() {
        if (floats != null) return floats.clone();
        float[] out = new float[size()];
        dtype.toFloats(ByteBuffer.wrap(bytes), out, 0, out.length);
        return out;
    }

    @Override
    public void writeData(TensorSink sink) throws IOException {
        if (floats != null) sink.putFloats(floats, 0, floats.length);
        else sink.putBytes(bytes, 0, bytes.length);
    }

    @Override
    public String toString() {
        return "TensorEntry" + dtype + Arrays.toString(shape);
    }
}
