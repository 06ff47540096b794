package dev.jprune.io;

import static dev.jprune.io.StBytes.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.util.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmpdirExists() throws IOException {
        StBytes.ensureTmpdir();
    }

    private Path put(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static float[] range(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = i;
        return f;
    }

    // ------------------------------------------------------------------ writer vs. spec, byte for byte

    /**
     * The reference crate's own serialization tests (tensor.rs test_serialization / _forced_alignement /
     * test_empty) fix these layouts: header lengths 64 (no padding), 72 (7 spaces), 8 ("{}" + 6 spaces) and 40.
     */
    @Test
    void writerMatchesReferenceLayouts() throws IOException {
        Path a = dir.resolve("a.safetensors");
        SafeTensors.write(a, Map.of("attn.0", TensorEntry.f32(range(6), 1, 2, 3)), null);
        byte[] expectA = file("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}",
                f32(0, 1, 2, 3, 4, 5));
        assertEquals(64, expectA[0]);
        assertArrayEquals(expectA, Files.readAllBytes(a));

        Path b = dir.resolve("b.safetensors");
        SafeTensors.write(b, Map.of("attn0", TensorEntry.f32(range(6), 1, 1, 2, 3)), Map.of());
        byte[] expectB = file("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}",
                f32(0, 1, 2, 3, 4, 5));
        assertEquals(72, expectB[0]);
        assertEquals(' ', expectB[8 + 71]);
        assertArrayEquals(expectB, Files.readAllBytes(b));

        Path c = dir.resolve("c.safetensors");
        SafeTensors.write(c, Map.of(), null);
        assertArrayEquals(bytes(8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '), Files.readAllBytes(c));

        Path d = dir.resolve("d.safetensors");
        SafeTensors.write(d, Map.of(), Map.of("framework", "pt"));
        byte[] expectD = file("{\"__metadata__\":{\"framework\":\"pt\"}}");
        assertEquals(40, expectD[0]);
        assertArrayEquals(expectD, Files.readAllBytes(d));

        for (Path p : List.of(a, b, c, d)) SafeTensors.read(p);
        assertEquals(Map.of("framework", "pt"), SafeTensors.read(d).metadata());
        assertArrayEquals(range(6), SafeTensors.read(b).get("attn0").floats());
    }

    /** Reference order: dtype descending (U64 > I64 > F64 > F32 > ... > U8 > BOOL), then name; metadata first. */
    @Test
    void writerOrdersByDtypeThenNameLikeReference() throws IOException {
        Map<String, TensorSource> m = new LinkedHashMap<>();
        m.put("mask", TensorEntry.u8(bytes(1, 0), 2));
        m.put("b", TensorEntry.f32(new float[] {2f}, 1));
        m.put("flag", TensorEntry.bool(bytes(1), 1));
        m.put("a", TensorEntry.f32(new float[] {1f}));
        m.put("step", TensorEntry.raw(DType.I64, i64(9)));
        m.put("half", TensorEntry.raw(DType.F16, u16(0x3c00), 1));
        Path p = dir.resolve("o.safetensors");
        SafeTensors.write(p, m, Map.of("z", "1", "a", "2"));
        String json = "{\"__metadata__\":{\"a\":\"2\",\"z\":\"1\"},"
                + "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]},"
                + "\"half\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[16,18]},"
                + "\"mask\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[18,20]},"
                + "\"flag\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[20,21]}}";
        byte[] expect = file(json, i64(9), f32(1f), f32(2f), u16(0x3c00), bytes(1, 0), bytes(1));
        assertArrayEquals(expect, Files.readAllBytes(p));
    }

    @Test
    void writerEscapesJsonStringsLikeSerde() throws IOException {
        Path p = dir.resolve("e.safetensors");
        SafeTensors.write(p, Map.of("q\"\\/é", TensorEntry.u8(bytes(7), 1)), Map.of("k", "a\nb\u0001\t"));
        String json = "{\"__metadata__\":{\"k\":\"a\\nb\\u0001\\t\"},"
                + "\"q\\\"\\\\/é\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        assertArrayEquals(file(json, bytes(7)), Files.readAllBytes(p));
        SafeTensorFile f = SafeTensors.read(p);
        assertEquals("a\nb\u0001\t", f.metadata().get("k"));
        assertArrayEquals(bytes(7), f.get("q\"\\/é").bytes());
    }

    // ------------------------------------------------------------------ reader vs. hand-built files

    @Test
    void readsHandBuiltReferenceFileWithAllDtypes() throws IOException {
        String json = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"\\u00fc \\\"q\\\"\"},"
                + "\"big\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[16,40]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[40,56]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[56,64]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[64,68]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[7],\"data_offsets\":[68,82]},"
                + "\"m\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[82,85]},"
                + "\"z\":{\"dtype\":\"BOOL\",\"shape\":[2,1],\"data_offsets\":[85,87]}}";
        byte[] bytes = file(json, i64(-1L), i64(-3), f64(0.1, -1e300, 2.5), f32(1f, -0f, Float.MIN_VALUE, 3e38f),
                i32(-7, 1 << 24), u16(0x3f80, 0xc040), u16(0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000, 0x3555),
                bytes(0, 1, 255), bytes(1, 0));
        assertEquals(0, (8 + (bytes.length - 87 - 8)) % 8,
                "reference padding puts the data section on an 8-byte boundary");
        SafeTensorFile f = SafeTensors.read(put("ref.safetensors", bytes));

        assertEquals(Map.of("format", "pt", "note", "ü \"q\""), f.metadata());
        assertEquals(List.of("big", "step", "d", "w", "i", "bf", "h", "m", "z"), new ArrayList<>(f.tensors().keySet()));
        assertEquals(DType.U64, f.get("big").dtype());
        assertEquals(0x1p64f, f.get("big").toFloats()[0]); // 2^64 - 1 rounds to 2^64 as unsigned
        assertArrayEquals(new int[0], f.get("step").shape());
        assertArrayEquals(new float[] {-3f}, f.get("step").toFloats());
        assertArrayEquals(new float[] {0.1f, Float.NEGATIVE_INFINITY, 2.5f}, f.get("d").toFloats());
        float[] w = f.get("w").floats();
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(w[1]));
        assertArrayEquals(new float[] {1f, -0f, Float.MIN_VALUE, 3e38f}, w);
        assertArrayEquals(new int[] {2, 2}, f.get("w").shape());
        assertArrayEquals(new float[] {-7f, 16777216f}, f.get("i").toFloats());
        assertArrayEquals(new float[] {1f, -3f}, f.get("bf").toFloats());
        float[] h = f.get("h").toFloats();
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY, -0f, 0.333251953125f}, h);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(h[5]));
        assertArrayEquals(bytes(0, 1, 255), f.get("m").bytes());
        assertArrayEquals(new float[] {0, 1, 255}, f.get("m").toFloats());
        assertArrayEquals(bytes(1, 0), f.get("z").bytes());
        assertArrayEquals(new int[] {2, 1}, f.get("z").shape());
    }

    /** Header order, data order and whitespace are free: pretty-printed JSON, tensors listed out of data order, 13
     *  padding spaces. */
    @Test
    void readsAnyOrderAndWhitespace() throws IOException {
        String json = "{\n  \"b\" : {\"data_offsets\": [8, 12], \"shape\": [1], \"dtype\": \"F32\"},\n"
                + "  \"__metadata__\": {},\n  \"a\": {\"shape\": [2], \"dtype\": \"F32\", \"data_offsets\": [0, 8]},\n"
                + "  \"e\": {\"dtype\": \"U8\", \"shape\": [0, 5], \"data_offsets\": [12, 12]}\n}";
        SafeTensorFile f = SafeTensors.read(put("any.safetensors", fileWithPadding(json, 13, f32(1f, 2f), f32(3f))));
        assertEquals(List.of("a", "b", "e"), new ArrayList<>(f.tensors().keySet()));
        assertArrayEquals(new float[] {1f, 2f}, f.get("a").floats());
        assertArrayEquals(new float[] {3f}, f.get("b").floats());
        assertEquals(0, f.get("e").size());
        assertArrayEquals(new int[] {0, 5}, f.get("e").shape());
        assertTrue(f.metadata().isEmpty());
        // "__metadata__": null is the reference's Option::None
        SafeTensors.read(put("null.safetensors", file("{\"__metadata__\":null}")));
    }

    // ------------------------------------------------------------------ round trip

    @Test
    void roundTripIsBitExact() throws IOException {
        Rng rng = new Rng(42);
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 0x1p-140f, Float.MIN_NORMAL, Float.MAX_VALUE,
            -Float.MAX_VALUE, 1e-30f, -1e30f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.intBitsToFloat(0x7fc00001), 1f / 3f};
        Map<String, TensorEntry> in = new LinkedHashMap<>();
        in.put("special", TensorEntry.f32(special, special.length));
        int[][] shapes = {{}, {1}, {7}, {129}, {3, 43}, {2, 1, 7}, {0, 3}};
        for (int[] s : shapes) {
            int n = (int) TensorSource.elementCount(s);
            float[] f = new float[n];
            for (int i = 0; i < n; i++)
                f[i] = Float.intBitsToFloat((int) rng.nextLong()); // every bit pattern, NaNs included
            in.put("f" + Arrays.toString(s), TensorEntry.f32(f, s));
            byte[] u = new byte[n];
            for (int i = 0; i < n; i++) u[i] = (byte) rng.nextInt(256);
            in.put("u" + Arrays.toString(s), TensorEntry.u8(u, s));
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) b[i] = (byte) rng.nextInt(2);
            in.put("b" + Arrays.toString(s), TensorEntry.bool(b, s));
        }
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte) i;
        in.put("all_bytes", TensorEntry.u8(all, 16, 16));
        in.put("f64", TensorEntry.raw(DType.F64, f64(Math.PI, -0.0), 2));
        Map<String, String> meta = Map.of("k", "v", "unicode", "é😀\u2028", "empty", "");

        Path p = dir.resolve("rt.safetensors");
        SafeTensors.write(p, in, meta);
        SafeTensorFile f = SafeTensors.read(p);
        assertEquals(in.keySet(), f.tensors().keySet());
        assertEquals(meta, f.metadata());
        for (Map.Entry<String, TensorEntry> e : in.entrySet()) {
            TensorEntry a = e.getValue(), b = f.get(e.getKey());
            assertEquals(a.dtype(), b.dtype(), e.getKey());
            assertArrayEquals(a.shape(), b.shape(), e.getKey());
            if (a.dtype() == DType.F32) {
                float[] x = a.floats(), y = b.floats();
                assertEquals(x.length, y.length);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]),
                            e.getKey() + "[" + i + "] = " + x[i]);
                }
            } else {
                assertArrayEquals(a.bytes(), b.bytes(), e.getKey());
            }
        }
        // Writing what was read gives the same bytes again.
        Path q = dir.resolve("rt2.safetensors");
        SafeTensors.write(q, f.tensors(), f.metadata());
        assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(q));
    }

    /** A tensor larger than the 1 MiB stream buffer, written from a generator (no backing array) and read back. */
    @Test
    void streamsTensorsLargerThanTheBuffer() throws IOException {
        int n = 3 * (1 << 18) + 5; // 3 MiB + 20 bytes
        TensorSource gen = new TensorSource() {
            public DType dtype() { return DType.F32; }
            public int[] shape() { return new int[] {n}; }
            public void writeData(TensorSink sink) throws IOException {
                for (int i = 0; i < n; i++) sink.putFloat(i * 0.5f);
            }
        };
        byte[] u = new byte[(1 << 20) + 3];
        for (int i = 0; i < u.length; i++) u[i] = (byte) (i * 31);
        Path p = dir.resolve("big.safetensors");
        SafeTensors.write(p, Map.of("g", gen, "u", TensorEntry.u8(u, u.length)), null);
        SafeTensorFile f = SafeTensors.read(p);
        float[] g = f.get("g").floats();
        for (int i = 0; i < n; i++) if (g[i] != i * 0.5f) fail("g[" + i + "] = " + g[i]);
        assertArrayEquals(u, f.get("u").bytes());
    }

    // ------------------------------------------------------------------ corrupt files

    private void assertRejected(String fault, byte[] bytes, String... fragments) throws IOException {
        Path p = put("bad.safetensors", bytes);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(p), fault);
        assertTrue(e.getMessage().contains("bad.safetensors"),
                fault + ": message does not name the file: " + e.getMessage());
        for (String frag : fragments)
            assertTrue(e.getMessage().contains(frag), fault + ": expected '" + frag + "' in: " + e.getMessage());
    }

    private static String t(String name, String dtype, String shape, long b, long e) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + b
                + "," + e + "]}";
    }

    @Test
    void rejectsCorruptFilesWithClearMessages() throws IOException {
        byte[] d8 = f32(1f, 2f);
        assertRejected("empty file", new byte[0], "0 bytes, shorter than the 8-byte header length");
        assertRejected("7 bytes", bytes(1, 0, 0, 0, 0, 0, 0), "7 bytes");
        byte[] huge = fileWithPadding("{}", 6);
        Arrays.fill(huge, 0, 8, (byte) 0xff);
        assertRejected("header length 2^64-1", huge, "18446744073709551615", "exceeds the limit");
        byte[] over = fileWithPadding("{}", 6);
        System.arraycopy(le64(100_000_001L), 0, over, 0, 8);
        assertRejected("header length over 100 MB", over, "100000001", "exceeds the limit");
        byte[] past = fileWithPadding("{}", 6);
        past[0] = 9;
        assertRejected("header length past end", past, "header length 9 exceeds the 8 bytes");

        byte[] notUtf8 = file("{\"a" + "\"}");
        notUtf8[10] = (byte) 0xc3; // lead byte of a two-byte sequence followed by '"' (not a continuation byte)
        assertRejected("invalid UTF-8", notUtf8, "not valid UTF-8");
        assertRejected("array header", file("[]"), "does not start with '{'");
        assertRejected("leading space", file(" {}"), "does not start with '{'");
        assertRejected("truncated JSON", file("{\"a\":"), "not valid JSON");
        assertRejected("trailing garbage", file("{}x"), "not valid JSON: malformed JSON at line 1 column 4");
        assertRejected("two objects", file("{}{}"), "not valid JSON");
        assertRejected("single quotes", file("{'a':{}}"), "not valid JSON");
        assertRejected("unquoted name", file("{a:{}}"), "not valid JSON");
        byte[] nulPadded = fileWithPadding("{}", 6);
        Arrays.fill(nulPadded, 10, 16, (byte) 0);
        assertRejected("NUL padding", nulPadded, "not valid JSON");

        assertRejected("entry not object", file("{\"a\":5}"), "tensor 'a'", "not an object");
        assertRejected("missing dtype", file("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", d8), "tensor 'a'",
                "missing \"dtype\"");
        assertRejected("missing shape", file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", d8),
                "missing \"shape\"");
        assertRejected("missing offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", d8),
                "missing \"data_offsets\"");
        assertRejected("unknown key",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", d8),
                "unknown key \"x\"");
        assertRejected("unknown dtype", file("{" + t("a", "Q4", "[2]", 0, 8) + "}", d8), "tensor 'a'",
                "unknown or unsupported dtype \"Q4\"");
        assertRejected("fp8 dtype", file("{" + t("a", "F8_E4M3", "[8]", 0, 8) + "}", d8), "\"F8_E4M3\"");
        assertRejected("lowercase dtype", file("{" + t("a", "f32", "[2]", 0, 8) + "}", d8), "\"f32\"");
        assertRejected("dtype not string", file("{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", d8),
                "dtype is NUMBER");
        assertRejected("negative dim", file("{" + t("a", "F32", "[-2]", 0, 8) + "}", d8), "negative value -2");
        assertRejected("fractional dim", file("{" + t("a", "F32", "[2.0]", 0, 8) + "}", d8), "2.0, not an integer");
        assertRejected("string dim", file("{" + t("a", "F32", "[\"2\"]", 0, 8) + "}", d8), "shape holds STRING");
        assertRejected("shape not array", file("{" + t("a", "F32", "2", 0, 8) + "}", d8), "shape is NUMBER");
        assertRejected("dim too large",
                file("{" + t("a", "F32", "[99999999999999999999]", 0, 8) + "}", d8), "too large");
        assertRejected("three offsets",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}}", d8), "3 numbers");
        assertRejected("end before begin", file("{" + t("a", "F32", "[2]", 8, 0) + "}", d8), "tensor 'a'",
                "end is before begin");
        assertRejected("size mismatch", file("{" + t("a", "F32", "[3]", 0, 8) + "}", d8), "tensor 'a'",
                "spans 8 bytes but shape and dtype need 12");
        assertRejected("shape overflow",
                file("{" + t("a", "F32", "[2147483647,2147483647,2147483647]", 0, 8) + "}", d8), "overflows");
        assertRejected("overlap", file("{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[1]", 4, 8) + "}", d8),
                "tensor 'b'", "overlap tensor 'a'");
        assertRejected("gap at start", file("{" + t("a", "F32", "[1]", 4, 8) + "}", d8),
                "gap of 4 bytes before tensor 'a'");
        assertRejected("gap between",
                file("{" + t("a", "F32", "[1]", 0, 4) + "," + t("b", "U8", "[2]", 6, 8) + "}", d8),
                "gap of 2 bytes before tensor 'b'");
        assertRejected("trailing bytes", file("{" + t("a", "F32", "[1]", 0, 4) + "}", d8),
                "4 bytes after the last tensor");
        assertRejected("data past end", file("{" + t("a", "F32", "[4]", 0, 16) + "}", d8), "tensor 'a'",
                "extend past the 8 data bytes", "truncated");
        assertRejected("duplicate name",
                file("{" + t("a", "F32", "[1]", 0, 4) + "," + t("a", "F32", "[1]", 4, 8) + "}", d8),
                "duplicate name \"a\"");
        assertRejected("duplicate key",
                file("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", d8),
                "duplicate key \"dtype\"");
        assertRejected("duplicate metadata", file("{\"__metadata__\":{},\"__metadata__\":{}}"),
                "duplicate name \"__metadata__\"");
        assertRejected("duplicate metadata key", file("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"),
                "duplicate key \"k\"");
        assertRejected("metadata number", file("{\"__metadata__\":{\"k\":1}}"), "\"k\" is NUMBER, not a string");
        assertRejected("metadata not object", file("{\"__metadata__\":[]}"), "\"__metadata__\" is not an object");
        assertRejected("bool value 2", file("{" + t("z", "BOOL", "[2]", 0, 2) + "}", bytes(1, 2)),
                "BOOL tensor 'z' element 1 is byte 2");
    }

    /** Every strict prefix of a valid file is rejected with a SafeTensorsException (never another exception or a
     *  partial result). */
    @Test
    void rejectsEveryTruncation() throws IOException {
        Path p = dir.resolve("ok.safetensors");
        SafeTensors.write(p, Map.of("w", TensorEntry.f32(range(6), 2, 3), "m", TensorEntry.u8(bytes(1, 0, 1), 3)),
                Map.of("format", "pt"));
        byte[] ok = Files.readAllBytes(p);
        SafeTensors.read(p);
        for (int len = 0; len < ok.length; len++) {
            Path q = put("cut.safetensors", Arrays.copyOf(ok, len));
            assertThrows(SafeTensorsException.class, () -> SafeTensors.read(q), "prefix of " + len + " bytes");
        }
    }

    // ------------------------------------------------------------------ atomic write

    private static TensorSource failingAfter(int goodFloats, int total, RuntimeException boom) {
        return new TensorSource() {
            public DType dtype() { return DType.F32; }
            public int[] shape() { return new int[] {total}; }
            public void writeData(TensorSink sink) throws IOException {
                for (int i = 0; i < goodFloats; i++) sink.putFloat(i);
                throw boom;
            }
        };
    }

    @Test
    void failedWriteLeavesOldFileAndNoTemporary() throws IOException {
        Path p = dir.resolve("model.safetensors");
        SafeTensors.write(p, Map.of("w", TensorEntry.f32(range(4), 4)), null);
        byte[] before = Files.readAllBytes(p);

        // Provider throws midway, after more than one buffer of data has reached the temporary file.
        RuntimeException boom = new IllegalStateException("provider failed");
        Map<String, TensorSource> bad = new LinkedHashMap<>();
        bad.put("a", TensorEntry.f32(range(300_000), 300_000));
        bad.put("b", failingAfter(400_000, 1_000_000, boom));
        assertSame(boom, assertThrows(IllegalStateException.class, () -> SafeTensors.write(p, bad, null)));
        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(List.of("model.safetensors"), listing());

        // Provider throws an IOException: wrapped, naming the file.
        TensorSource ioFail = new TensorSource() {
            public DType dtype() { return DType.U8; }
            public int[] shape() { return new int[] {10}; }
            public void writeData(TensorSink sink) throws IOException { throw new IOException("disk on fire"); }
        };
        SafeTensorsException e = assertThrows(SafeTensorsException.class,
                () -> SafeTensors.write(p, Map.of("x", ioFail), null));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("disk on fire"),
                e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(List.of("model.safetensors"), listing());

        // Provider writes too little / too much.
        TensorSource shortSrc = new TensorSource() {
            public DType dtype() { return DType.F32; }
            public int[] shape() { return new int[] {2}; }
            public void writeData(TensorSink sink) throws IOException { sink.putFloat(1f); }
        };
        e = assertThrows(SafeTensorsException.class, () -> SafeTensors.write(p, Map.of("s", shortSrc), null));
        assertTrue(e.getMessage().contains("tensor 's' wrote 4 of its 8 bytes"), e.getMessage());
        TensorSource longSrc = new TensorSource() {
            public DType dtype() { return DType.F32; }
            public int[] shape() { return new int[] {1}; }
            public void writeData(TensorSink sink) throws IOException { sink.putFloats(new float[2], 0, 2); }
        };
        e = assertThrows(SafeTensorsException.class, () -> SafeTensors.write(p, Map.of("l", longSrc), null));
        assertTrue(e.getMessage().contains("tensor 'l' wrote more bytes"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(List.of("model.safetensors"), listing());

        // A successful write replaces the file and leaves nothing else.
        SafeTensors.write(p, Map.of("w", TensorEntry.f32(new float[] {9f}, 1)), null);
        assertArrayEquals(new float[] {9f}, SafeTensors.read(p).get("w").floats());
        assertEquals(List.of("model.safetensors"), listing());
    }

    @Test
    void writeRejectsBadArgumentsBeforeTouchingDisk() throws IOException {
        Path p = dir.resolve("x.safetensors");
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(p, Map.of("__metadata__", TensorEntry.u8(bytes(1), 1)), null));
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(p, Map.of(), nullValue));
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(p, Map.of("bad\ud800", TensorEntry.u8(bytes(1), 1)), null));
        assertThrows(IllegalArgumentException.class, () -> TensorEntry.f32(new float[3], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> TensorEntry.bool(bytes(0, 2), 2));
        assertEquals(List.of(), listing());
        Path missingDir = dir.resolve("no/such/dir/x.safetensors");
        SafeTensorsException e = assertThrows(SafeTensorsException.class,
                () -> SafeTensors.write(missingDir, Map.of(), null));
        assertTrue(e.getMessage().contains("x.safetensors"), e.getMessage());
        assertEquals(List.of(), listing());
    }
}
