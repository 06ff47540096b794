package dev.jprune.prune;

import static dev.jprune.prune.CheckpointFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.io.DType;
import dev.jprune.io.Layout;
import dev.jprune.io.SafeTensorFile;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.util.Rng;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pruning a checkpoint out of core gives, for every spec and criterion, the masks the library's in-memory dispatch
 * gives on the same values (exact k, ties to the lower index in checkpoint order), and writes each layout as
 * documented: pruned places exactly +0 in the tensor's own dtype, NAME_orig byte for byte, masks 0/1 in the layout's
 * dtype, every other tensor and the metadata unchanged.
 */
class CheckpointPrunerTest {
    @TempDir Path dir;

    /** Names and shapes of the default candidates of {@link #checkpoint} (checkpoint order: the writer's name order).
    * */
    static final List<String> NAMES = List.of("a.weight", "b.weight", "c.weight");
    static final List<int[]> SHAPES = List.of(new int[] {7, 13}, new int[] {129, 4}, new int[] {5, 8, 3});

    /** F32 weights with many ties in |w| (so the tie rule decides), a bias, a 1-D weight and an embedding not matched.
    * */
    private static Map<String, TensorEntry> checkpoint(long seed) {
        Rng rng = new Rng(seed);
        Map<String, TensorEntry> m = tensors();
        for (int t = 0; t < NAMES.size(); t++) {
            TensorEntry e = random(rng, DType.F32, SHAPES.get(t));
            float[] v = e.floats();
            for (int i = 0; i < v.length; i += 3) v[i] = (i % 2 == 0 ? 0.5f : -0.5f); // a third of all |w| tie at 0.5
            m.put(NAMES.get(t), e);
        }
        m.put("a.bias", random(rng, DType.F32, 7));
        m.put("norm.weight", random(rng, DType.F32, 13));
        m.put("emb", random(rng, DType.F32, 11, 4));
        return m;
    }

    private static float[][] values(Map<String, TensorEntry> m) {
        float[][] v = new float[NAMES.size()][];
        for (int t = 0; t < v.length; t++) v[t] = m.get(NAMES.get(t)).toFloats();
        return v;
    }

    private SafeTensorFile prune(Path w, Path g, Path s, PruneSpec spec) throws Exception {
        Path out = dir.resolve("out-" + System.nanoTime() + ".safetensors");
        CheckpointPruner.Builder b = CheckpointPruner.builder().weights(w).spec(spec).out(out);
        if (g != null) b.grads(g);
        if (s != null) b.scores(s);
        CheckpointPruner.Result r = b.build().run();
        assertEquals(NAMES, r.tensors().stream().map(CheckpointPruner.TensorResult::name).toList());
        return SafeTensors.read(out);
    }

    @Test
    void everySpecAndCriterionSelectsWhatTheInMemoryDispatchSelects() throws Exception {
        Map<String, TensorEntry> wm = checkpoint(1), gm = checkpoint(2), sm = checkpoint(3);
        Path w = write(dir.resolve("w.safetensors"), wm, Map.of("format", "pt"));
        Path g = write(dir.resolve("g.safetensors"), gm, Map.of());
        Path s = write(dir.resolve("s.safetensors"), sm, Map.of());
        float[][] wv = values(wm), gv = values(gm), sv = values(sm);
        List<PruneSpec> specs = new ArrayList<>();
        for (Criterion c : List.of(Criterion.MAGNITUDE, Criterion.GRADIENT, Criterion.TAYLOR, Criterion.TAYLOR_SQUARED,
                Criterion.MOVEMENT)) {
            specs.add(PruneSpec.builder().criterion(c).sparsity(0.7).build());
        }
        specs.add(PruneSpec.builder().criterion(Criterion.MAGNITUDE).scope(Scope.PER_LAYER).sparsity(0.5).build());
        specs.add(PruneSpec.builder().criterion(Criterion.TAYLOR).densityBounds(0.2, 0.35).sparsity(0.7).build());
        specs.add(PruneSpec.builder().criterion(Criterion.MAGNITUDE).threshold(0.5f).build());
        specs.add(PruneSpec.builder().criterion(Criterion.MAGNITUDE).granularity(Granularity.NM).nm(2, 4).build());
        specs.add(PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.0).build());
        for (PruneSpec spec : specs) {
            boolean grads = spec.criterion().readsGradient();
            SafeTensorFile out = prune(w, grads ? g : null, null, spec);
            byte[][] ref = reference(spec, NAMES, SHAPES, wv, grads ? gv : null, null);
            checkMasked(out, wm, ref, spec.toString());
        }
        PruneSpec user = PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.6).build();
        checkMasked(prune(w, null, s, user), wm, reference(user, NAMES, SHAPES, null, null, sv), "precomputed scores");
    }

    /** Masked layout: masks equal the reference, values equal the input where kept and are +0 where pruned. */
    private static void checkMasked(SafeTensorFile out, Map<String, TensorEntry> in, byte[][] ref, String what) {
        for (int t = 0; t < NAMES.size(); t++) {
            String n = NAMES.get(t);
            assertEquals(DType.F32, out.get(n + "_mask").dtype(), what);
            assertArrayEquals(ref[t], mask(floats(out, n + "_mask")), what + ": mask of " + n);
            float[] before = in.get(n).floats(), after = out.get(n).floats();
            for (int i = 0; i < before.length; i++) {
                int expect = ref[t][i] == 1 ? Float.floatToRawIntBits(before[i]) : 0;
                assertEquals(expect, Float.floatToRawIntBits(after[i]), what + ": " + n + " at " + i);
            }
        }
        for (String n : List.of("a.bias", "norm.weight", "emb")) {
            assertArrayEquals(in.get(n).floats(), out.get(n).floats(), what + ": " + n + " unchanged");
            assertNull(out.get(n + "_mask"), what + ": " + n + " not pruned");
        }
        assertEquals(Map.of("format", "pt"), out.metadata());
    }

    /** Mixed dtypes: each pruned tensor keeps its dtype and bytes; the three layouts store masks as documented. */
    @Test
    void layoutsKeepDtypesBytesAndMetadata() throws Exception {
        Rng rng = new Rng(5);
        Map<String, TensorEntry> in = tensors("x.weight", random(rng, DType.BF16, 33, 17), "y.weight", random(rng,
                DType.F16, 9, 40),
                "z.weight", random(rng, DType.F32, 3, 3), "v.weight", random(rng, DType.F64, 4, 5),
                "x.bias", random(rng, DType.BF16, 33), "steps", TensorEntry.raw(DType.I64, new byte[24], 3));
        Map<String, String> meta = Map.of("format", "pt", "note", "kept as it is");
        Path w = write(dir.resolve("mixed.safetensors"), in, meta);
        List<String> names = List.of("v.weight", "z.weight", "x.weight",
                "y.weight"); // writer order: F64, F32, BF16, F16
        List<int[]> shapes = new ArrayList<>();
        float[][] values = new float[names.size()][];
        for (int t = 0; t < names.size(); t++) {
            shapes.add(in.get(names.get(t)).shape());
            values[t] = in.get(names.get(t)).toFloats();
        }
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.6).build();
        byte[][] ref = reference(spec, names, shapes, values, null, null);
        for (Layout layout : Layout.values()) {
            Path out = dir.resolve(layout.cliName() + ".safetensors"), masks = dir.resolve(layout.cliName()
                    + "-masks.safetensors");
            CheckpointPruner.Builder b = CheckpointPruner.builder().weights(w).spec(spec).layout(layout).out(out);
            if (layout == Layout.PLAIN) b.masksOut(masks);
            CheckpointPruner.Result r = b.build().run();
            assertEquals(names, r.tensors().stream().map(CheckpointPruner.TensorResult::name).toList());
            SafeTensorFile o = SafeTensors.read(out);
            assertEquals(meta, o.metadata(), layout + ": metadata");
            for (String n : List.of("x.bias", "steps")) {
                assertArrayEquals(bytes(in.get(n)), bytes(o.get(n)), layout + ": " + n + " byte for byte");
            }
            SafeTensorFile maskFile = layout == Layout.PLAIN ? SafeTensors.read(masks) : o;
            for (int t = 0; t < names.size(); t++) {
                String n = names.get(t);
                TensorEntry src = in.get(n);
                TensorEntry m = maskFile.get(n + "_mask");
                assertEquals(layout == Layout.MASKED ? DType.F32 : src.dtype(), m.dtype(), layout + ": mask dtype of "
                        + n);
                assertArrayEquals(ref[t], mask(m.toFloats()), layout + ": mask of " + n);
                if (layout == Layout.TORCH_PRUNE) {
                    assertNull(o.get(n), "torch-prune holds no " + n);
                    assertArrayEquals(bytes(src), bytes(o.get(n + "_orig")), n + "_orig byte for byte");
                    continue;
                }
                TensorEntry v = o.get(n);
                assertEquals(src.dtype(), v.dtype(), layout + ": " + n + " keeps its dtype");
                byte[] before = bytes(src), after = bytes(v);
                int es = src.dtype().size();
                for (int i = 0; i < ref[t].length; i++) {
                    for (int k = 0; k < es; k++) {
                        byte expect = ref[t][i] == 1 ? before[i * es + k] : 0;
                        assertEquals(expect, after[i * es + k], layout + ": " + n + " element " + i);
                    }
                }
            }
            if (layout == Layout.PLAIN) {
                assertTrue(o.tensors().keySet().stream().noneMatch(k -> k.endsWith("_mask")),
                        "plain: no mask in the checkpoint");
                assertEquals(names.size(), maskFile.tensors().size());
            }
        }
    }

    /** Include and exclude patterns choose the candidates; '*' crosses dots; the default takes only 2-D+ "*.weight". */
    @Test
    void patternsChooseTheTensors() throws Exception {
        Path w = write(dir.resolve("p.safetensors"), checkpoint(7), Map.of());
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.5).build();
        CheckpointPruner.Result r = CheckpointPruner.builder().weights(w).spec(spec).include("*").exclude("a.*")
                .exclude("c.w?ight").out(dir.resolve("p-out.safetensors")).build().run();
        assertEquals(List.of("b.weight", "emb", "norm.weight"),
                r.tensors().stream().map(CheckpointPruner.TensorResult::name).toList());
        assertEquals(r.candidates() - Math.rint(0.5 * r.candidates()), r.kept());
        r = CheckpointPruner.builder().weights(w).spec(spec).include("[ab].weight").out(dir.resolve("p2.safetensors"))
                .build().run();
        assertEquals(List.of("a.weight", "b.weight"),
                r.tensors().stream().map(CheckpointPruner.TensorResult::name).toList());
    }

    @Test
    void globsFollowFnmatch() {
        assertTrue(new NameGlob("model.layers.*.weight").matches("model.layers.3.mlp.up_proj.weight"));
        assertFalse(new NameGlob("*.weight").matches("x.weight_orig"));
        assertTrue(new NameGlob("layer?.w").matches("layer7.w"));
        assertFalse(new NameGlob("layer?.w").matches("layer17.w"));
        assertTrue(new NameGlob("[!a]*").matches("b"));
        assertFalse(new NameGlob("[!a]*").matches("a"));
        assertTrue(new NameGlob("a[.]b").matches("a.b"));
        assertTrue(new NameGlob("x[").matches("x["), "an unclosed '[' is literal");
        assertTrue(new NameGlob("(a+)").matches("(a+)"), "regex characters are literal");
    }
}
