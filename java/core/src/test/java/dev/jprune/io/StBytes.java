package dev.jprune.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds safetensors bytes by hand from the spec (little-endian by explicit shifts, no ByteBuffer and no code
 * from the writer), so tests compare the writer and reader against an independent construction.
 */
final class StBytes {
    private StBytes() {}

    /** The surefire configuration points java.io.tmpdir at target/tmp-N without creating it; @TempDir needs it. */
    static void ensureTmpdir() throws java.io.IOException {
        java.nio.file.Files.createDirectories(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** 8-byte LE length + header + spaces to a multiple of 8 + data (the reference writer's layout). */
    static byte[] file(String headerJson, byte[]... data) {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8;
        return fileWithPadding(headerJson, pad, data);
    }

    /** Like {@link #file} but with exactly {@code spaces} trailing spaces after the JSON. */
    static byte[] fileWithPadding(String headerJson, int spaces, byte[]... data) {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(le64(h.length + spaces));
        out.writeBytes(h);
        for (int i = 0; i < spaces; i++) out.write(' ');
        for (byte[] d : data) out.writeBytes(d);
        return out.toByteArray();
    }

    static byte[] le64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (v >>> (8 * i));
        return b;
    }

    static byte[] f32(float... v) {
        byte[] b = new byte[4 * v.length];
        for (int k = 0; k < v.length; k++) {
            int bits = Float.floatToRawIntBits(v[k]);
            for (int i = 0; i < 4; i++) b[4 * k + i] = (byte) (bits >>> (8 * i));
        }
        return b;
    }

    static byte[] f64(double... v) {
        byte[] b = new byte[8 * v.length];
        for (int k = 0; k < v.length; k++) {
            long bits = Double.doubleToRawLongBits(v[k]);
            for (int i = 0; i < 8; i++) b[8 * k + i] = (byte) (bits >>> (8 * i));
        }
        return b;
    }

    static byte[] i64(long... v) {
        byte[] b = new byte[8 * v.length];
        for (int k = 0; k < v.length; k++) for (int i = 0; i < 8; i++) b[8 * k + i] = (byte) (v[k] >>> (8 * i));
        return b;
    }

    static byte[] i32(int... v) {
        byte[] b = new byte[4 * v.length];
        for (int k = 0; k < v.length; k++) for (int i = 0; i < 4; i++) b[4 * k + i] = (byte) (v[k] >>> (8 * i));
        return b;
    }

    /** 16-bit patterns (F16, BF16, I16, U16) little-endian. */
    static byte[] u16(int... v) {
        byte[] b = new byte[2 * v.length];
        for (int k = 0; k < v.length; k++) {
            b[2 * k] = (byte) v[k];
            b[2 * k + 1] = (byte) (v[k] >>> 8);
        }
        return b;
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }
}
