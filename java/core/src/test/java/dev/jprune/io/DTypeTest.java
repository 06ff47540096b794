package dev.jprune.io;

import static dev.jprune.io.StBytes.*;
import static org.junit.jupiter.api.Assertions.*;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Element conversions of every integer and half-precision dtype, against values worked out by hand. */
class DTypeTest {
    static float[] convert(DType d, byte[] littleEndian) {
        return TensorEntry.raw(d, littleEndian, littleEndian.length / d.size()).toFloats();
    }

    static void assertBits(float want, float got, String what) {
        assertEquals(Integer.toHexString(Float.floatToRawIntBits(want)),
                Integer.toHexString(Float.floatToRawIntBits(got)), what);
    }

    /** F16 specials keep their sign: −Inf stays −Inf, a NaN stays a NaN with its sign and payload. */
    @Test
    void halfPrecisionSpecialsAndEdgesConvertExactly() {
        float[] f = convert(DType.F16,
                u16(0xfc00, 0x7c00, 0x7e00, 0xfe01, 0x8001, 0x0400, 0x03ff, 0x8000, 0xfbff, 0x3800));
        assertBits(Float.NEGATIVE_INFINITY, f[0], "0xfc00 is −Inf");
        assertBits(Float.POSITIVE_INFINITY, f[1], "0x7c00 is +Inf");
        assertBits(Float.intBitsToFloat(0x7fc00000), f[2], "0x7e00 is the quiet NaN");
        assertBits(Float.intBitsToFloat(0xffc02000), f[3], "0xfe01: a negative NaN, payload shifted into place");
        assertBits(-0x1p-24f, f[4], "0x8001: the smallest negative subnormal");
        assertBits(0x1p-14f, f[5], "0x0400: the smallest normal");
        assertBits(1023 * 0x1p-24f, f[6], "0x03ff: the largest subnormal");
        assertBits(-0f, f[7], "0x8000 is −0");
        assertBits(-65504f, f[8], "0xfbff: the most negative finite half");
        assertBits(0.5f, f[9], "0x3800 is 0.5");
    }

    @Test
    void signedAndUnsignedIntegersConvertWithTheirOwnSign() {
        assertArrayEquals(new float[] {-128, -1, 0, 127}, convert(DType.I8, bytes(0x80, 0xff, 0, 0x7f)));
        assertArrayEquals(new float[] {128, 255, 0, 127}, convert(DType.U8, bytes(0x80, 0xff, 0, 0x7f)));
        assertArrayEquals(new float[] {1, 0}, convert(DType.BOOL, bytes(1, 0)));
        assertArrayEquals(new float[] {-32768, -1, 32767, 256},
                convert(DType.I16, u16(0x8000, 0xffff, 0x7fff, 0x0100)));
        assertArrayEquals(new float[] {32768, 65535, 32767, 256},
                convert(DType.U16, u16(0x8000, 0xffff, 0x7fff, 0x0100)));
        assertArrayEquals(new float[] {-2147483648f, -1, 65536},
                convert(DType.I32, i32(0x80000000, 0xffffffff, 0x10000)));
        assertArrayEquals(new float[] {2147483648f, 4294967295f, 65536, 16777217f},
                convert(DType.U32, i32(0x80000000, 0xffffffff, 0x10000, 16777217)));
        assertEquals(0x1p32f, convert(DType.U32, i32(0xffffffff))[0], "2^32 − 1 rounds to 2^32");
        assertArrayEquals(new float[] {-1, (float) Long.MIN_VALUE, 5}, convert(DType.I64, i64(-1, Long.MIN_VALUE, 5)));
    }

    /** U64 above 2^63 is converted as unsigned, rounded once to nearest (the halved value keeps a sticky bit). */
    @Test
    void unsigned64BitValuesRoundOnceToNearest() {
        long[] v = {5, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + (1L << 39) + 1,
                Long.MIN_VALUE + (1L << 39), -1};
        float[] f = convert(DType.U64, i64(v));
        for (int i = 0; i < v.length; i++) {
            float want = new BigInteger(Long.toUnsignedString(v[i])).floatValue();
            assertBits(want, f[i], Long.toUnsignedString(v[i]));
        }
        assertEquals(0x1p63f + 0x1p40f, f[3], "just over half an ulp above 2^63 rounds up");
        assertEquals(0x1p63f, f[4], "exactly half an ulp: ties to even");
    }

    @Test
    void namesSizesAndKinds() {
        assertEquals(DType.F32, DType.fromName("F32"));
        assertEquals(DType.BOOL, DType.fromName("BOOL"));
        assertNull(DType.fromName("f32"), "names are case-sensitive");
        assertNull(DType.fromName("F8_E4M3"), "FP8 is not supported");
        int[] sizes = {1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8};
        DType[] all = DType.values();
        assertEquals(sizes.length, all.length);
        for (int i = 0; i < all.length; i++) {
            assertEquals(sizes[i], all[i].size(), all[i].name());
            boolean fp = all[i] == DType.F16 || all[i] == DType.BF16 || all[i] == DType.F32 || all[i] == DType.F64;
            assertEquals(fp, all[i].isFloatingPoint(), all[i].name());
        }
    }
}
