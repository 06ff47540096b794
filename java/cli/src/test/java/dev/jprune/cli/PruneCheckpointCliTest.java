package dev.jprune.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.io.DType;
import dev.jprune.io.SafeTensorFile;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.util.Rng;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code prune --weights CKPT --out FILE} without --model prunes any checkpoint by tensor name: magnitude from the
 * weights alone, gradient criteria with --grads, --scores, the three layouts, sharded checkpoints; bad input ends in
 * exit 2 with one error line naming the tensor or pattern, and no output file.
 */
class PruneCheckpointCliTest {
    static Path dir, w, g, gBad;

    /** A transformer-like state_dict: BF16 attention weights, F32 MLP weights, 1-D norms and an integer buffer. */
    @BeforeAll
    static void checkpoint() throws Exception {
        Path base = Files.createDirectories(Path.of("target", "cli-test").toAbsolutePath());
        dir = Files.createTempDirectory(base, "ckpt");
        Rng rng = new Rng(4);
        Map<String, TensorEntry> wm = new LinkedHashMap<>(), gm = new LinkedHashMap<>();
        wm.put("model.layers.0.attn.q_proj.weight", bf16(rng, 32, 16));
        wm.put("model.layers.0.mlp.up_proj.weight", f32(rng, 64, 16));
        wm.put("model.layers.0.norm.weight", f32(rng, 16));
        wm.put("model.position_ids", TensorEntry.raw(DType.I64, new byte[8 * 4], 4));
        for (Map.Entry<String, TensorEntry> e : wm.entrySet()) {
            if (e.getValue().dtype() != DType.I64) gm.put(e.getKey(), f32(rng, e.getValue().shape()));
        }
        w = dir.resolve("model.safetensors");
        g = dir.resolve("grads.safetensors");
        SafeTensors.write(w, wm, Map.of("format", "pt"));
        SafeTensors.write(g, gm, Map.of());
        gm.put("model.layers.0.mlp.up_proj.weight", f32(rng, 16, 64));
        gBad = dir.resolve("grads-transposed.safetensors");
        SafeTensors.write(gBad, gm, Map.of());
    }

    static TensorEntry f32(Rng rng, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        rng.fillUniform(v, -1, 1);
        return TensorEntry.f32(v, shape);
    }

    static TensorEntry bf16(Rng rng, int... shape) {
        float[] v = f32(rng, shape).floats();
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putShort((short) (Float.floatToRawIntBits(x) >>> 16));
        return TensorEntry.raw(DType.BF16, b.array(), shape);
    }

    private static long kept(SafeTensorFile f, String mask) {
        long k = 0;
        for (float v : f.get(mask).toFloats()) k += (long) v;
        return k;
    }

    @Test
    void magnitudeFromTheWeightsAloneNeedsNoModel() throws Exception {
        Path out = dir.resolve("mag.safetensors");
        CliTest.Run r = CliTest.run("prune", "--weights", w.toString(), "--sparsity", "0.75", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("criterion: magnitude (no --grads)"), r.err());
        assertTrue(r.out().contains("kept 384 of 1536 weights (sparsity 0.7500); layout masked"), r.out());
        SafeTensorFile o = SafeTensors.read(out);
        assertEquals(DType.BF16, o.get("model.layers.0.attn.q_proj.weight").dtype(), "no silent widening");
        assertEquals(384, kept(o, "model.layers.0.attn.q_proj.weight_mask") + kept(o,
                "model.layers.0.mlp.up_proj.weight_mask"));
        assertNull(o.get("model.layers.0.norm.weight_mask"), "1-D tensors are not pruned by default");
        assertEquals(Map.of("format", "pt"), o.metadata());
    }

    @Test
    void taylorWithGradientsInTheTorchPruneLayout() throws Exception {
        Path out = dir.resolve("taylor.safetensors");
        CliTest.Run r = CliTest.run("prune", "--weights", w.toString(), "--grads", g.toString(), "--sparsity", "0.5",
                "--layout", "torch-prune", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("criterion: taylor (the default)"), r.err());
        SafeTensorFile o = SafeTensors.read(out);
        assertNull(o.get("model.layers.0.mlp.up_proj.weight"));
        assertEquals(DType.BF16, o.get("model.layers.0.attn.q_proj.weight_mask").dtype(),
                "masks in the weight's dtype");
        assertEquals(768, kept(o, "model.layers.0.attn.q_proj.weight_mask") + kept(o,
                "model.layers.0.mlp.up_proj.weight_mask"));
    }

    @Test
    void plainLayoutWritesMasksToTheirOwnFileAndPatternsChooseTensors() throws Exception {
        Path out = dir.resolve("plain.safetensors"), masks = dir.resolve("plain-masks.safetensors");
        CliTest.Run r = CliTest.run("prune", "--weights", w.toString(), "--include", "model.layers.*", "--exclude",
                "*.attn.*,*norm*", "--criterion", "magnitude", "--granularity", "nm", "--nm", "2:4", "--layout",
                        "plain",
                "--masks-out", masks.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("model.layers.0.mlp.up_proj.weight_mask"),
                List.copyOf(SafeTensors.read(masks).tensors().keySet()));
        assertEquals(512, kept(SafeTensors.read(masks), "model.layers.0.mlp.up_proj.weight_mask"), "2 of every 4");
    }

    @Test
    void aShardedCheckpointIsPrunedAsOne() throws Exception {
        Path in = Files.createDirectories(dir.resolve("sharded-in"));
        Rng rng = new Rng(9);
        SafeTensors.write(in.resolve("model-00001-of-00002.safetensors"), Map.of("a.weight", f32(rng, 8, 8)), Map.of());
        SafeTensors.write(in.resolve("model-00002-of-00002.safetensors"), Map.of("b.weight", f32(rng, 8, 24)),
                Map.of());
        Path index = in.resolve("model.safetensors.index.json");
        Files.writeString(index,
                "{\"metadata\":{\"total_size\":1024},\"weight_map\":{\"a.weight\":\"model-00001-of-00002.safetensors\","
                + "\"b.weight\":\"model-00002-of-00002.safetensors\"}}");
        Path out = dir.resolve("sharded-out").resolve("model.safetensors.index.json");
        CliTest.Run r = CliTest.run("prune", "--weights", index.toString(), "--sparsity", "0.9", "--out",
                out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("kept 26 of 256 weights"), r.out());
        assertTrue(Files.isRegularFile(out.getParent().resolve("model-00002-of-00002.safetensors")));
        assertTrue(Files.readString(out).contains("\"b.weight_mask\": \"model-00002-of-00002.safetensors\""));
        // the masks file may go in the output folder the run creates, as the shards do
        Path plain = dir.resolve("sharded-plain").resolve("model.safetensors.index.json");
        Path masks = plain.resolveSibling("masks.safetensors");
        CliTest.Run p = CliTest.run("prune", "--weights", index.toString(), "--sparsity", "0.9", "--layout", "plain",
                "--masks-out", masks.toString(), "--out", plain.toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(Files.isRegularFile(masks) && Files.isRegularFile(plain), p.out());
    }

    /** Exit 2, one error line containing {@code fragments}, no file added to the folder. */
    private static void refused(List<String> args, String... fragments) throws Exception {
        List<String> before = listing();
        CliTest.Run r = CliTest.run(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.out() + r.err());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r.err());
        for (String f : fragments) assertTrue(errors.get(0).contains(f), "'" + f + "' not in " + errors.get(0));
        assertEquals(before, listing(), "nothing written");
    }

    private static List<String> listing() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void badInputIsOneErrorLineAndWritesNothing() throws Exception {
        String o = dir.resolve("bad.safetensors").toString(), ws = w.toString();
        refused(List.of("prune", "--weights", ws, "--include", "*.wieght", "--out", o), "include pattern '*.wieght'",
                "matches no tensor");
        refused(List.of("prune", "--weights", ws, "--include", "model.*", "--out", o), "'model.position_ids'", "I64");
        refused(List.of("prune", "--weights", ws, "--criterion", "taylor", "--out", o), "reads gradients");
        refused(List.of("prune", "--weights", ws, "--grads", gBad.toString(), "--out", o),
                "'model.layers.0.mlp.up_proj.weight'",
                "[16, 64]", "[64, 16]");
        refused(List.of("prune", "--weights", ws, "--scores", g.toString(), "--criterion", "taylor", "--out", o),
                "contradict");
        refused(List.of("prune", "--weights", ws, "--exclude-layers", "0", "--out", o), "--exclude-layers",
                "--exclude PATTERN");
        refused(List.of("prune", "--weights", ws, "--data", "embedded", "--out", o), "--data");
        refused(List.of("prune", "--weights", ws, "--granularity", "neurons", "--out", o), "needs a model");
        refused(List.of("prune", "--weights", ws, "--layout", "onnx", "--out", o), "--layout");
        refused(List.of("prune", "--weights", ws, "--masks-out", dir.resolve("m.safetensors").toString(), "--out", o),
                "plain");
        refused(List.of("prune", "--weights", ws, "--device", "gpu", "--out", o), "--device gpu");
        refused(List.of("prune", "--weights", ws, "--model", "lenet-300-100", "--include", "*.weight", "--out", o),
                "--include", "without --model");
        refused(List.of("prune", "--weights", ws), "--out");
    }
}
