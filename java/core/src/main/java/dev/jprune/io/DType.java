package dev.jprune.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * safetensors element types this package knows. The declaration order is the reference crate's
 * (increasing alignment); its writer orders tensors by this order descending, then by name.
 * FP8 types (F8_E5M2, F8_E4M3) are not supported and are rejected on read as unknown.
 */
public enum DType {
    /** Boolean, one byte (0 or 1). */
    BOOL(1),
    /** Unsigned 8-bit integer. */
    U8(1),
    /** Signed 8-bit integer. */
    I8(1),
    /** Signed 16-bit integer. */
    I16(2),
    /** Unsigned 16-bit integer. */
    U16(2),
    /** IEEE half precision. */
    F16(2),
    /** bfloat16. */
    BF16(2),
    /** Signed 32-bit integer. */
    I32(4),
    /** Unsigned 32-bit integer. */
    U32(4),
    /** IEEE single precision. */
    F32(4),
    /** IEEE double precision. */
    F64(8),
    /** Signed 64-bit integer. */
    I64(8),
    /** Unsigned 64-bit integer. */
    U64(8);

    private final int size;

    DType(int size) { this.size = size; }

    /** Bytes per element. */
    public int size() { return size; }

    /** True for the floating-point types (F16, BF16, F32, F64). */
    public boolean isFloatingPoint() {
        return this == F16 || this == BF16 || this == F32 || this == F64;
    }

    /** The dtype for a header string such as "F32", or {@code null} when unknown (the name is case-sensitive). */
    public static DType fromName(String name) {
        for (DType d : values()) if (d.name().equals(name)) return d;
        return null;
    }

    /**
     * Converts {@code n} little-endian elements of this type from {@code src} (position advanced) into
     * {@code dst[off..off+n)}. Integer types convert with float rounding (U32/U64 as unsigned); F64 rounds
     * to nearest float and may overflow to infinity.
     */
    void toFloats(ByteBuffer src, float[] dst, int off, int n) {
        ByteBuffer b = src.order(ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case BOOL, U8 -> { for (int i = 0; i < n; i++) dst[off + i] = b.get() & 0xff; }
            case I8 -> { for (int i = 0; i < n; i++) dst[off + i] = b.get(); }
            case I16 -> { for (int i = 0; i < n; i++) dst[off + i] = b.getShort(); }
            case U16 -> { for (int i = 0; i < n; i++) dst[off + i] = b.getShort() & 0xffff; }
            case F16 -> { for (int i = 0; i < n; i++) dst[off + i] = halfToFloat(b.getShort() & 0xffff); }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst[off + i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
            }
            case I32 -> { for (int i = 0; i < n; i++) dst[off + i] = b.getInt(); }
            case U32 -> { for (int i = 0; i < n; i++) dst[off + i] = b.getInt() & 0xffffffffL; }
            case F32 -> { for (int i = 0; i < n; i++) dst[off + i] = b.getFloat(); }
            case F64 -> { for (int i = 0; i < n; i++) dst[off + i] = (float) b.getDouble(); }
            case I64 -> { for (int i = 0; i < n; i++) dst[off + i] = b.getLong(); }
            case U64 -> { for (int i = 0; i < n; i++) dst[off + i] = unsignedToFloat(b.getLong()); }
            default -> throw new AssertionError(this);
        }
    }

    /** IEEE 754 binary16 bits to float (exact: every half is representable as a float). */
    static float halfToFloat(int h) {
        int sign = (h >>> 15) & 1, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign == 1 ? -v : v;
        }
        if (exp == 31) return Float.intBitsToFloat((sign << 31) | 0x7f800000 | (mant << 13)); // inf / NaN keeps payload
        return Float.intBitsToFloat((sign << 31) | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    private static float unsignedToFloat(long v) {
        if (v >= 0) return v;
        // top bit set: halve (keeping the sticky low bit so rounding stays correct), convert, double
        return ((v >>> 1) | (v & 1)) * 2f;
    }
}
