package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.nn.Sequential;
import dev.jprune.testutil.Mutations;
import dev.jprune.testutil.Properties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property (seeded random mutation): a damaged safetensors file — a valid one (random dtypes, shapes, names,
 * metadata) truncated, bit-flipped, with overwritten length fields, inserted or deleted bytes, or an edited JSON
 * header (with the length prefix fixed up, so the JSON parser and the layout checks see it) — makes
 * {@link SafeTensors#read}, {@link SafeTensors#readHeader} and {@link Checkpoint#load} either succeed or throw
 * {@link SafeTensorsException} naming the file: never another exception, an OutOfMemoryError or a hang. Tries: see
 * {@link Properties} (mvn -Pproperties-long for many more).
 */
class SafeTensorsPropertyTest {
    private static final DType[] DTYPES = DType.values();

    @Test
    void damagedFilesFailOnlyWithSafeTensorsException() {
        Properties.forAll("safetensors mutations", 0, Duration.ofSeconds(20), SafeTensorsPropertyTest::damagedFile);
    }

    private static void damagedFile(SplittableRandom r) throws Exception {
        int mutations = 1 + r.nextInt(4);
        byte[] valid = validFile(r);
        byte[] bad;
        int headerLen = (int) le64(valid);
        if (r.nextInt(3) == 0) { // JSON edits with a consistent length prefix
            String json = new String(valid, 8, headerLen, StandardCharsets.UTF_8).stripTrailing();
            for (int i = 0; i < mutations; i++) json = Mutations.editJson(json, r);
            byte[] data = java.util.Arrays.copyOfRange(valid, 8 + headerLen, valid.length);
            bad = StBytes.file(json, data);
        } else {
            bad = Mutations.mutate(valid, mutations, r, 8, 8 + headerLen);
        }
        Path f = Files.createTempFile(tmp(), "prop", ".safetensors");
        try {
            Files.write(f, bad);
            checkAllReaders(f);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** The three readers agree: each succeeds or throws SafeTensorsException naming the file. */
    private static void checkAllReaders(Path f) {
        SafeTensorFile whole = null;
        SafeTensorHeader header = null;
        try {
            whole = SafeTensors.read(f);
        } catch (SafeTensorsException e) {
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        } catch (IOException e) {
            throw new AssertionError("not a SafeTensorsException: " + e, e);
        }
        try {
            header = SafeTensors.readHeader(f);
            for (SafeTensorHeader.Tensor t : header.tensors().values()) {
                SafeTensors.streamFloats(header, t, (v, n) -> { });
            }
        } catch (SafeTensorsException e) {
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            header = null;
        } catch (IOException e) {
            throw new AssertionError("not a SafeTensorsException: " + e, e);
        }
        if (whole != null) { // what read accepts, the header reader accepts with the same tensors
            assertTrue(header != null, "read accepted the file but readHeader did not");
            assertEquals(whole.tensors().keySet(), header.tensors().keySet());
            for (String n : whole.tensors().keySet()) assertArrayEquals(whole.get(n).shape(),
                    header.tensors().get(n).shape());
        }
        try {
            Checkpoint.load(f, tinyModel());
        } catch (SafeTensorsException e) { // CheckpointException is one
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        } catch (IOException e) {
            throw new AssertionError("not a SafeTensorsException: " + e, e);
        }
    }

    /**
     * A valid file: 1-4 tensors of random dtype and shape, sometimes the tiny model's own tensors, sometimes metadata.
     */
    static byte[] validFile(SplittableRandom r) throws IOException {
        Map<String, TensorSource> t = new LinkedHashMap<>();
        if (r.nextBoolean()) {
            Sequential m = tinyModel();
            for (var e : m.namedParameters().entrySet()) {
                float[] v = e.getValue().value.data;
                for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
                t.put(e.getKey(), TensorEntry.f32(v, e.getValue().value.shape()));
            }
            if (r.nextBoolean()) {
                float[] mask = new float[12];
                for (int i = 0; i < mask.length; i++) mask[i] = r.nextBoolean() ? 1 : 0;
                t.put("0.weight_mask", TensorEntry.f32(mask, 3, 4));
            }
        } else {
            for (int k = 1 + r.nextInt(4); k > 0; k--) {
                DType d = DTYPES[r.nextInt(DTYPES.length)];
                int[] shape = new int[r.nextInt(3)];
                long n = 1;
                for (int i = 0; i < shape.length; i++) { shape[i] = r.nextInt(5); n *= shape[i]; }
                byte[] raw = new byte[(int) n * d.size()];
                r.nextBytes(raw);
                if (d == DType.BOOL) for (int i = 0; i < raw.length; i++) raw[i] &= 1;
                t.put("t" + k + (r.nextBoolean() ? ".weight" : "é"), TensorEntry.raw(d, raw, shape));
            }
        }
        Map<String, String> meta = r.nextBoolean() ? Map.of("format", "pt", "k" + r.nextInt(100), "v") : Map.of();
        Path f = Files.createTempFile(tmp(), "valid", ".safetensors");
        try {
            SafeTensors.write(f, t, meta);
            return Files.readAllBytes(f);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** Sequential(TinyDense(4 -> 3)): parameters "0.weight" [3, 4] and "0.bias" [3]. */
    static Sequential tinyModel() {
        return new Sequential(new TinyDense(4, 3));
    }

    private static long le64(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    static Path tmp() throws IOException {
        return Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    }
}
