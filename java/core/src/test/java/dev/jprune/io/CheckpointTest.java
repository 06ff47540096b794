package dev.jprune.io;

import static dev.jprune.io.StBytes.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

class CheckpointTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmpdirExists() throws IOException {
        StBytes.ensureTmpdir();
    }

    /** Sequential(0: TinyDense(3 -> 2), 1: TinyDense(2 -> 1)) with random non-zero values and gradients. */
    private static Sequential model(long seed) {
        Sequential m = new Sequential(new TinyDense(3, 2), new TinyDense(2, 1));
        Rng rng = new Rng(seed);
        for (Parameter p : m.parameters()) {
            rng.fillUniform(p.value.data, -1f, 1f);
            rng.fillUniform(p.grad.data, -1f, 1f);
        }
        return m;
    }

    /** Prunes 0.weight at positions 1 and 4 (zeroing them), the invariant Parameter documents. */
    private static void prune(Sequential m) {
        Parameter w = m.namedParameters().get("0.weight");
        w.mask = new byte[] {1, 0, 1, 1, 0, 1};
        w.applyMask();
    }

    /** Raw bits of every value, gradient and mask, to prove a failed load changed nothing. */
    private static List<Object> snapshot(Sequential m) {
        List<Object> s = new ArrayList<>();
        for (Parameter p : m.parameters()) {
            int[] v = new int[p.size()], g = new int[p.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.floatToRawIntBits(p.value.data[i]);
                g[i] = Float.floatToRawIntBits(p.grad.data[i]);
            }
            s.add(Arrays.toString(v) + Arrays.toString(g) + (p.mask == null ? "dense" : Arrays.toString(p.mask)));
        }
        return s;
    }

    private Path put(String name, byte[] b) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    private static String t(String name, String dtype, String shape, long b, long e) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + b
                + "," + e + "]}";
    }

    /** Loading must fail with a CheckpointException/SafeTensorsException containing {@code fragment}, model
     *  untouched. */
    private static void assertLoadFails(Path file, Sequential m, String fragment) {
        List<Object> before = snapshot(m);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> Checkpoint.load(file, m));
        assertTrue(e.getMessage().contains(file.getFileName().toString()), "message lacks the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        assertEquals(before, snapshot(m), "failed load modified the model");
    }

    /** A CSR export given where a checkpoint is read is named as such, not as a checkpoint missing its weights. */
    @Test
    void aCsrExportIsNotLoadedAsACheckpoint() throws IOException {
        Sequential m = new Sequential(new TinyDense(3, 2), new TinyDense(2, 1));
        Map<String, TensorEntry> t = new LinkedHashMap<>();
        t.put("0.weight.values", TensorEntry.f32(new float[] {1}, 1));
        Path csr = dir.resolve("model.csr.safetensors");
        SafeTensors.write(csr, t, Map.of("format", "jprune-csr"));
        assertLoadFails(csr, m, "is a CSR export");
    }

    // ------------------------------------------------------------------ save: byte level

    /** The writer's output for a tiny pruned model equals a file built by hand from the spec. */
    @Test
    void saveMatchesHandBuiltFileByteForByte() throws IOException {
        Sequential m = new Sequential(new TinyDense(3, 2), new TinyDense(2, 1));
        Map<String, Parameter> ps = m.namedParameters();
        float[] w0 = {0.5f, 0f, -1.25f, 3f, 0f, -0f};
        float[] b0 = {0.25f, -2f};
        float[] w1 = {1e-3f, Float.MIN_VALUE};
        float[] b1 = {7f};
        System.arraycopy(w0, 0, ps.get("0.weight").value.data, 0, 6);
        System.arraycopy(b0, 0, ps.get("0.bias").value.data, 0, 2);
        System.arraycopy(w1, 0, ps.get("1.weight").value.data, 0, 2);
        System.arraycopy(b1, 0, ps.get("1.bias").value.data, 0, 1);
        ps.get("0.weight").mask = new byte[] {1, 0, 1, 1, 0, 0};
        float[] score = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
        Path p = dir.resolve("tiny.safetensors");
        Checkpoint.save(p, m, Map.of("0.weight", score), Map.of());

        // Offsets by hand: 0.bias 2 floats [0,8), 0.weight 6 [8,32), 0.weight_mask [32,56), 0.weight_score [56,80),
        // 1.bias 1 [80,84), 1.weight 2 [84,92). All F32, so name order; "__metadata__" first.
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]},"
                + "\"0.weight_mask\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[32,56]},"
                + "\"0.weight_score\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[56,80]},"
                + "\"1.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[80,84]},"
                + "\"1.weight\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[84,92]}}";
        int n = json.getBytes(StandardCharsets.UTF_8).length;
        int pad = (8 - n % 8) % 8;
        byte[] expect = fileWithPadding(json, pad, f32(b0), f32(w0), f32(1, 0, 1, 1, 0, 0), f32(score),
                f32(b1), f32(w1));
        byte[] got = Files.readAllBytes(p);
        assertEquals(8 + n + pad + 92, got.length);
        assertEquals(0, (n + pad) % 8);
        for (int i = 0; i < Math.min(got.length, expect.length); i++) {
            if (got[i] != expect[i])
                fail("first difference at byte " + i + ": expected " + expect[i] + " got " + got[i]);
        }
        assertArrayEquals(expect, got);
    }

    // ------------------------------------------------------------------ round trip

    @Test
    void roundTripRestoresValuesMasksAndScoresBitExactly() throws IOException {
        Sequential a = model(1);
        prune(a);
        a.namedParameters().get("1.bias").value.data[0] = -0f;
        a.namedParameters().get("1.weight").value.data[1] = 0x1p-140f; // denormal
        float[] score = {1f, 2f, 3f, 4f, 5f, 6f};
        Path p = dir.resolve("rt.safetensors");
        Checkpoint.save(p, a, Map.of("0.weight", score), Map.of("epoch", "3"));

        Sequential b = model(2);
        b.namedParameters().get("1.weight").mask = new byte[] {1, 1}; // the file has no mask here: load makes it dense
        List<Object> gradsBefore = new ArrayList<>();
        for (Parameter q : b.parameters()) gradsBefore.add(q.grad.data.clone());
        Checkpoint.Loaded r = Checkpoint.load(p, b);

        Map<String, Parameter> pa = a.namedParameters(), pb = b.namedParameters();
        for (String name : pa.keySet()) {
            float[] x = pa.get(name).value.data, y = pb.get(name).value.data;
            for (int i = 0; i < x.length; i++)
                assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]), name + "[" + i + "]");
            assertArrayEquals(pa.get(name).mask, pb.get(name).mask, name);
        }
        assertNull(pb.get("1.weight").mask);
        assertNotSame(pa.get("0.weight").mask, pb.get("0.weight").mask);
        assertArrayEquals(score, r.scores().get("0.weight"));
        assertEquals(List.of("0.weight"), new ArrayList<>(r.scores().keySet()));
        assertEquals(Map.of("epoch", "3", "format", "pt"), r.metadata());
        int k = 0;
        for (Parameter q : b.parameters())
            assertArrayEquals((float[]) gradsBefore.get(k++), q.grad.data, "load must not touch gradients");
    }

    /** A state_dict of a PyTorch model pruned with torch.nn.utils.prune: "0.weight_orig" + "0.weight_mask" instead of
     *  "0.weight". */
    @Test
    void loadsPyTorchPrunedLayout() throws IOException {
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + t("0.bias", "F32", "[2]", 0, 8) + "," + t("0.weight_mask", "F32", "[2,3]", 8, 32) + ","
                + t("0.weight_orig", "F32", "[2,3]", 32, 56) + "," + t("1.bias", "F32", "[1]", 56, 60) + ","
                + t("1.weight", "F32", "[1,2]", 60, 68) + "}";
        float[] orig = {0.5f, -0.75f, 2f, -3f, 4f, -5f};
        Path p = put("torch.safetensors",
                file(json, f32(1f, 2f), f32(1, 0, 1, 0, 1, 0), f32(orig), f32(3f), f32(4f, 5f)));
        Sequential m = model(3);
        Checkpoint.load(p, m);
        Parameter w = m.namedParameters().get("0.weight");
        assertArrayEquals(new float[] {0.5f, 0f, 2f, 0f, 4f, 0f}, w.value.data); // orig * mask
        for (int i : new int[] {1, 3, 5})
            assertEquals(0, Float.floatToRawIntBits(w.value.data[i]), "pruned entries are +0");
        assertArrayEquals(bytes(1, 0, 1, 0, 1, 0), w.mask);
        assertArrayEquals(new float[] {4f, 5f}, m.namedParameters().get("1.weight").value.data);
        assertNull(m.namedParameters().get("1.weight").mask);
    }

    @Test
    void loadsMasksStoredAsU8AndBool() throws IOException {
        for (String dtype : new String[] {"U8", "BOOL"}) {
            String json = "{" + t("0.weight", "F32", "[2,3]", 0, 24) + "," + t("0.bias", "F32", "[2]", 24, 32) + ","
                    + t("1.weight", "F32", "[1,2]", 32, 40) + "," + t("1.bias", "F32", "[1]", 40, 44) + ","
                    + t("0.weight_mask", dtype, "[2,3]", 44, 50) + "}";
            Path p = put("m" + dtype + ".safetensors",
                    file(json, f32(1, 0, 2, 0, 3, 4), f32(5, 6), f32(7, 8), f32(9), bytes(1, 0, 1, 0, 1, 1)));
            Sequential m = model(4);
            Checkpoint.load(p, m);
            assertArrayEquals(bytes(1, 0, 1, 0, 1, 1), m.namedParameters().get("0.weight").mask, dtype);
            assertArrayEquals(new float[] {1, 0, 2, 0, 3, 4}, m.namedParameters().get("0.weight").value.data, dtype);
        }
    }

    // ------------------------------------------------------------------ failed loads leave the model untouched

    /** A valid checkpoint of {@link #model} with custom parts, built by hand: names → (dtype, shape, bytes). */
    private Path custom(String fileName, Map<String, Object[]> tensors) throws IOException {
        StringBuilder json = new StringBuilder("{");
        List<byte[]> data = new ArrayList<>();
        long off = 0;
        for (Map.Entry<String, Object[]> e : tensors.entrySet()) {
            byte[] d = (byte[]) e.getValue()[2];
            if (json.length() > 1) json.append(',');
            json.append(t(e.getKey(), (String) e.getValue()[0], (String) e.getValue()[1], off, off + d.length));
            off += d.length;
            data.add(d);
        }
        return put(fileName, file(json.append('}').toString(), data.toArray(new byte[0][])));
    }

    private static Map<String, Object[]> validParts() {
        Map<String, Object[]> m = new LinkedHashMap<>();
        m.put("0.weight", new Object[] {"F32", "[2,3]", f32(1, 2, 3, 4, 5, 6)});
        m.put("0.bias", new Object[] {"F32", "[2]", f32(1, 2)});
        m.put("1.weight", new Object[] {"F32", "[1,2]", f32(1, 2)});
        m.put("1.bias", new Object[] {"F32", "[1]", f32(1)});
        return m;
    }

    @Test
    void mismatchingCheckpointsAreRejectedAndModelUntouched() throws IOException {
        Sequential m = model(5);
        prune(m);
        // The valid base loads (so each case below fails for its own reason only) — into a throwaway model.
        Checkpoint.load(custom("base.safetensors", validParts()), model(6));

        Map<String, Object[]> c = validParts();
        c.remove("1.bias");
        assertLoadFails(custom("missing.safetensors", c), m, "missing tensor '1.bias'");

        c = validParts();
        c.put("0.weight", new Object[] {"F32", "[3,2]", f32(1, 2, 3, 4, 5, 6)});
        assertLoadFails(custom("shape.safetensors", c), m,
                "tensor '0.weight' has shape [3, 2] but the model expects [2, 3]");

        c = validParts();
        c.put("0.weight", new Object[] {"F32", "[2,3]", f32(1, 2, 3, 4, Float.NaN, 6)});
        assertLoadFails(custom("nan.safetensors", c), m, "tensor '0.weight' element 4 [1, 1] is NaN");

        c = validParts();
        c.put("1.bias", new Object[] {"F64", "[1]", f64(1e300)}); // finite double, infinite as float
        assertLoadFails(custom("inf64.safetensors", c), m, "tensor '1.bias' element 0 [0] is Infinity");

        c = validParts();
        c.put("0.weight_score", new Object[] {"F32", "[2,3]", f32(1, 2, Float.NEGATIVE_INFINITY, 4, 5, 6)});
        assertLoadFails(custom("infscore.safetensors", c), m, "tensor '0.weight_score' element 2 [0, 2] is -Infinity");

        c = validParts();
        c.put("2.weight", new Object[] {"F32", "[1]", f32(1)});
        assertLoadFails(custom("extra.safetensors", c), m, "tensors not in the model: [2.weight]");

        c = validParts();
        c.put("1.bias_momentum", new Object[] {"F32", "[1]", f32(1)});
        assertLoadFails(custom("extra2.safetensors", c), m, "tensors not in the model: [1.bias_momentum]");

        c = validParts();
        c.put("0.weight_orig", new Object[] {"F32", "[2,3]", f32(1, 2, 3, 4, 5, 6)});
        c.put("0.weight_mask", new Object[] {"F32", "[2,3]", f32(1, 1, 1, 1, 1, 1)});
        assertLoadFails(custom("both.safetensors", c), m, "both '0.weight' and '0.weight_orig' present");

        c = validParts();
        c.put("0.weight_orig", c.remove("0.weight"));
        assertLoadFails(custom("orig.safetensors", c), m, "'0.weight_orig' without '0.weight_mask'");

        c = validParts();
        c.put("0.weight_mask", new Object[] {"F32", "[2,3]", f32(1, 0.5f, 1, 1, 1, 1)});
        assertLoadFails(custom("halfmask.safetensors", c), m,
                "mask '0.weight_mask' element 1 [0, 1] is 0.5, not 0 or 1");

        c = validParts();
        c.put("0.weight_mask", new Object[] {"U8", "[2,3]", bytes(1, 1, 1, 2, 1, 1)});
        assertLoadFails(custom("u8mask.safetensors", c), m, "mask '0.weight_mask' element 3 [1, 0] is 2, not 0 or 1");

        c = validParts();
        c.put("0.weight_mask", new Object[] {"F32", "[6]", f32(1, 1, 1, 1, 1, 1)});
        assertLoadFails(custom("maskshape.safetensors", c), m, "tensor '0.weight_mask' has shape [6]");

        c = validParts();
        c.put("0.weight_mask", new Object[] {"I32", "[2,3]", i32(1, 1, 1, 1, 1, 1)});
        assertLoadFails(custom("i32mask.safetensors", c), m, "mask '0.weight_mask' is I32");

        c = validParts();
        c.put("0.weight_mask", new Object[] {"F32", "[2,3]", f32(1, 0, 1, 1, 1, 1)}); // 0.weight[1] = 2 is not zero
        assertLoadFails(custom("unmasked.safetensors", c), m, "'0.weight' element 1 [0, 1] = 2.0 but its mask is 0");

        c = validParts();
        c.put("0.bias", new Object[] {"I32", "[2]", i32(1, 2)});
        assertLoadFails(custom("intweight.safetensors", c), m,
                "tensor '0.bias' is I32; expected a floating-point dtype");

        assertLoadFails(put("garbage.safetensors", bytes(1, 2, 3)), m, "shorter than the 8-byte header length");
    }

    /** Every truncation and every single-bit flip (bits 0 and 7) of the header of a real checkpoint fails to load and
     *  changes nothing. */
    @Test
    void truncatedOrFlippedCheckpointsAreRejectedAndModelUntouched() throws IOException {
        Sequential src = model(7);
        prune(src);
        Path good = dir.resolve("good.safetensors");
        Checkpoint.save(good, src, Map.of(), Map.of());
        byte[] ok = Files.readAllBytes(good);
        Sequential m = model(8);
        List<Object> before = snapshot(m);

        for (int len = 0; len < ok.length; len++) {
            Path q = put("cut.safetensors", Arrays.copyOf(ok, len));
            assertThrows(SafeTensorsException.class, () -> Checkpoint.load(q, m), "truncated to " + len);
        }
        assertEquals(before, snapshot(m));

        int n = (int) (ok[0] & 0xff | (ok[1] & 0xff) << 8);
        String header = new String(ok, 8, n, StandardCharsets.UTF_8);
        // Inside the metadata strings "format" and "pt" an ASCII letter flipped to another ASCII letter is still a
        // valid checkpoint (metadata is free text); bit 7 there gives invalid UTF-8 and must still fail.
        int obj = 8 + header.indexOf("{\"format\":\"pt\"}");
        assertTrue(obj > 8);
        int checked = 0;
        for (int pos = 0; pos < 8 + n; pos++) {
            boolean freeText = (pos >= obj + 2 && pos < obj + 8) || (pos >= obj + 11 && pos < obj + 13);
            for (int bit : new int[] {0, 7}) {
                if (freeText && bit == 0) continue;
                if (pos >= 3 && pos < 8 && bit == 0) continue; // covered by bit 7 (huge length)
                byte[] bad = ok.clone();
                bad[pos] ^= (byte) (1 << bit);
                Path q = put("flip.safetensors", bad);
                final int fp = pos, fb = bit;
                assertThrows(SafeTensorsException.class, () -> Checkpoint.load(q, m),
                        () -> "flip of bit " + fb + " at byte " + fp + " ('" + (char) ok[fp] + "') was accepted");
                checked++;
            }
        }
        assertTrue(checked > 400, "checked " + checked);
        assertEquals(before, snapshot(m));
    }

    // ------------------------------------------------------------------ save refuses bad models

    @Test
    void saveRefusesInvalidModelsAndWritesNothing() throws IOException {
        Path p = dir.resolve("s.safetensors");
        Sequential m = model(9);
        m.namedParameters().get("1.weight").value.data[1] = Float.POSITIVE_INFINITY;
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.save(p, m));
        assertTrue(e.getMessage().contains("tensor '1.weight' element 1 [0, 1] is Infinity"), e.getMessage());

        Sequential m2 = model(9);
        m2.namedParameters().get("0.weight").mask = new byte[] {1, 1, 1, 1, 1, 3};
        e = assertThrows(CheckpointException.class, () -> Checkpoint.save(p, m2));
        assertTrue(e.getMessage().contains("'0.weight' mask element 5 [1, 2] is 3"), e.getMessage());

        Sequential m3 = model(9);
        m3.namedParameters().get("0.weight").mask = new byte[] {1, 0, 1, 1, 1, 1}; // value at 1 not zeroed
        e = assertThrows(CheckpointException.class, () -> Checkpoint.save(p, m3));
        assertTrue(e.getMessage().contains("'0.weight' element 1 [0, 1]")
                && e.getMessage().contains("pruned (mask 0) but not zero"), e.getMessage());

        Sequential m4 = model(9);
        e = assertThrows(CheckpointException.class,
                () -> Checkpoint.save(p, m4, Map.of("0.wieght", new float[6]), Map.of()));
        assertTrue(e.getMessage().contains("score for '0.wieght'"), e.getMessage());
        e = assertThrows(CheckpointException.class,
                () -> Checkpoint.save(p, m4, Map.of("0.weight", new float[5]), Map.of()));
        assertTrue(e.getMessage().contains("score of '0.weight' has 5 entries for 6 values"), e.getMessage());
        e = assertThrows(CheckpointException.class,
                () -> Checkpoint.save(p, m4, Map.of("0.bias", new float[] {0, Float.NaN}), Map.of()));
        assertTrue(e.getMessage().contains("tensor '0.bias_score' element 1 [1] is NaN"), e.getMessage());

        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "a refused save must not create files");
        }
    }

    /** A save that fails leaves the previous checkpoint loadable and bit-identical. */
    @Test
    void failedSaveKeepsPreviousCheckpoint() throws IOException {
        Path p = dir.resolve("c.safetensors");
        Sequential m = model(10);
        Checkpoint.save(p, m);
        byte[] before = Files.readAllBytes(p);
        m.namedParameters().get("0.bias").value.data[0] = Float.NaN;
        assertThrows(CheckpointException.class, () -> Checkpoint.save(p, m));
        assertArrayEquals(before, Files.readAllBytes(p));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    /** Layers without bias (PyTorch's bias=False) have no "N.bias"; a file and a model that disagree on it fail. */
    @Test
    void layersWithoutBiasSaveAndLoadWithoutBiasTensors() throws IOException {
        Sequential a = new Sequential(new dev.jprune.nn.Conv2d(1, 2, 3, 1, 0, false, new Rng(1)),
                new dev.jprune.nn.Flatten(),
                new dev.jprune.nn.Linear(8, 3, false, new Rng(2)), new dev.jprune.nn.Linear(3, 2, new Rng(3)));
        Parameter w = a.namedParameters().get("2.weight");
        w.mask = new byte[w.size()];
        for (int i = 0; i < w.mask.length; i += 2) w.mask[i] = 1;
        w.applyMask();
        Path p = dir.resolve("nobias.safetensors");
        Checkpoint.save(p, a);
        assertEquals(List.of("0.weight", "2.weight", "2.weight_mask", "3.bias", "3.weight"),
                new ArrayList<>(new java.util.TreeSet<>(SafeTensors.read(p).tensors().keySet())));
        Sequential b = new Sequential(new dev.jprune.nn.Conv2d(1, 2, 3, 1, 0, false, new Rng(7)),
                new dev.jprune.nn.Flatten(),
                new dev.jprune.nn.Linear(8, 3, false, new Rng(8)), new dev.jprune.nn.Linear(3, 2, new Rng(9)));
        Checkpoint.load(p, b);
        for (String n : a.namedParameters().keySet()) {
            assertArrayEquals(a.namedParameters().get(n).value.data, b.namedParameters().get(n).value.data, n);
            assertArrayEquals(a.namedParameters().get(n).mask, b.namedParameters().get(n).mask, n);
        }
        Sequential biased = new Sequential(new dev.jprune.nn.Conv2d(1, 2, 3, 1, 0, new Rng(7)),
                new dev.jprune.nn.Flatten(),
                new dev.jprune.nn.Linear(8, 3, false, new Rng(8)), new dev.jprune.nn.Linear(3, 2, new Rng(9)));
        assertLoadFails(p, biased, "missing tensor '0.bias'");
        Path withBias = dir.resolve("bias.safetensors");
        Checkpoint.save(withBias, biased);
        assertLoadFails(withBias, b, "tensors not in the model: [0.bias]");
    }
}
