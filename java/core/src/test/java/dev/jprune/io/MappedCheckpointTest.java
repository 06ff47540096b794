package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads through memory maps (floats, raw elements, bytes) give what the whole-file reader gives, for every floating
 * dtype, at element offsets not aligned to the element size, and across window boundaries (windows of 64..200 bytes
 * here, so a tensor spans many, as one over 2 GiB spans several 1 GiB windows).
 */
class MappedCheckpointTest {
    @TempDir Path dir;

    /** BF16[3] at data offset 0, F32[1000] at 6 (not 4-aligned), F64[77] at 4006, F16[501] at 4622. */
    private Path unalignedFile() throws Exception {
        SplittableRandom r = new SplittableRandom(9);
        byte[] bf16 = halfs(r, 3, 0x7f80), f16 = halfs(r, 501, 0x7c00);
        byte[] f32 = StBytes.f32(floats(r, 1000));
        double[] d = new double[77];
        for (int i = 0; i < d.length; i++) d[i] = r.nextDouble(-1e3, 1e3);
        byte[] f64 = StBytes.f64(d);
        String header = "{\"h\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[10,100],\"data_offsets\":[6,4006]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[77],\"data_offsets\":[4006,4622]},"
                + "\"f\":{\"dtype\":\"F16\",\"shape\":[501],\"data_offsets\":[4622,5624]}}";
        Path f = dir.resolve("unaligned.safetensors");
        int len = header.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        int spaces = Math.floorMod(1 - (8 + len), 4); // data starts at 1 mod 4: F32 at 3 mod 4, F64 and F16 odd
        Files.write(f, StBytes.fileWithPadding(header, spaces, bf16, f32, f64, f16));
        return f;
    }

    private static byte[] halfs(SplittableRandom r, int n, int expMask) {
        byte[] b = new byte[2 * n];
        for (int i = 0; i < n; i++) {
            int bits = r.nextInt(1 << 16);
            if ((bits & expMask) == expMask) bits &= ~0x4000; // finite
            b[2 * i] = (byte) bits;
            b[2 * i + 1] = (byte) (bits >>> 8);
        }
        return b;
    }

    private static float[] floats(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextDouble(-1, 1);
        return v;
    }

    @Test
    void mappedReadsEqualTheWholeFileReaderAcrossWindows() throws Exception {
        Path f = unalignedFile();
        SafeTensorFile whole = SafeTensors.read(f);
        CheckpointFiles files = CheckpointFiles.open(f);
        SplittableRandom r = new SplittableRandom(1);
        for (long window : new long[] {64, 72, 200, MappedCheckpoint.WINDOW}) {
            try (MappedCheckpoint m = MappedCheckpoint.open(files, window)) {
                for (CheckpointFiles.Tensor t : files.tensors().values()) {
                    float[] expect = whole.get(t.name()).toFloats();
                    byte[] raw = whole.get(t.name()).dtype() == DType.F32 ? StBytes.f32(whole.get(t.name()).floats())
                            : whole.get(t.name()).bytes();
                    for (int k = 0; k < 50; k++) {
                        int from = r.nextInt(expect.length), n = r.nextInt(expect.length - from + 1);
                        float[] got = new float[n + 2];
                        got[0] = got[n + 1] = 42f; // poison around the range
                        m.readFloats(t, from, n, got, 1);
                        for (int i = 0; i < n; i++) {
                            assertEquals(Float.floatToRawIntBits(expect[from + i]), Float.floatToRawIntBits(got[1 + i]),
                                    t.name() + " window " + window + " element " + (from + i));
                        }
                        assertEquals(42f, got[0]);
                        assertEquals(42f, got[n + 1]);
                        int es = t.dtype().size();
                        ByteBuffer b = ByteBuffer.allocate(n * es + 3);
                        b.put((byte) 7);
                        m.readBytes(t, from, n, b);
                        assertEquals(1 + n * es, b.position());
                        for (int i = 0; i < n * es; i++) {
                            assertEquals(raw[from * es + i], b.get(1 + i), t.name() + " byte " + i);
                        }
                        long[] bits = rawBits(m, t, from, n);
                        for (int i = 0; i < n; i++) {
                            long expectBits = 0;
                            for (int k2 = es - 1; k2 >= 0; k2--) {
                                expectBits = (expectBits << 8) | (raw[(from + i) * es + k2] & 0xff);
                            }
                            assertEquals(expectBits, bits[i], t.name() + " raw element " + (from + i) + ", window "
                                    + window);
                        }
                    }
                }
            }
        }
    }

    /** readRaw of the tensor's element width, as unsigned bit patterns. */
    private static long[] rawBits(MappedCheckpoint m, CheckpointFiles.Tensor t, int from, int n) {
        long[] bits = new long[n];
        switch (t.dtype().size()) {
            case 2 -> {
                short[] a = new short[n];
                m.readRaw(t, from, n, a, 0);
                for (int i = 0; i < n; i++) bits[i] = a[i] & 0xffffL;
            }
            case 4 -> {
                int[] a = new int[n];
                m.readRaw(t, from, n, a, 0);
                for (int i = 0; i < n; i++) bits[i] = a[i] & 0xffffffffL;
            }
            default -> m.readRaw(t, from, n, bits, 0);
        }
        return bits;
    }

    @Test
    void rangesOutsideTheTensorAndReadsAfterCloseAreRefused() throws Exception {
        CheckpointFiles files = CheckpointFiles.open(unalignedFile());
        CheckpointFiles.Tensor w = files.get("w");
        MappedCheckpoint m = MappedCheckpoint.open(files, 64);
        assertThrows(IllegalArgumentException.class, () -> m.readFloats(w, 990, 11, new float[11], 0));
        assertThrows(IllegalArgumentException.class, () -> m.readFloats(w, -1, 1, new float[1], 0));
        m.close();
        assertThrows(IllegalStateException.class, () -> m.readFloats(w, 0, 1, new float[1], 0));
        m.close(); // idempotent
    }

    @Test
    void integerTensorsAreNotReadAsFloats() throws Exception {
        Path f = dir.resolve("ints.safetensors");
        SafeTensors.write(f, java.util.Map.of("i", TensorEntry.raw(DType.I32, new byte[8], 2)), null);
        CheckpointFiles files = CheckpointFiles.open(f);
        try (MappedCheckpoint m = MappedCheckpoint.open(files)) {
            assertThrows(IllegalArgumentException.class, () -> m.readFloats(files.get("i"), 0, 2, new float[2], 0));
        }
    }
}
