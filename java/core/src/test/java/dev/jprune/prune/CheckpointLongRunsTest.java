package dev.jprune.prune;

import static dev.jprune.prune.CheckpointFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.io.DType;
import dev.jprune.io.Layout;
import dev.jprune.io.SafeTensorFile;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.util.Rng;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tensors larger than the writer's staging buffers ({@link CheckpointOutput#STAGE_BYTES}: 32768 F64, 65536 F32 or
 * 131072 F16/BF16 elements per run) and N:M groups longer than its conversion step are written exactly as the
 * in-memory dispatch decides: every run lands at its own offset, in every dtype and layout, with several chunks
 * writing one file. Also what a run reports (bytes, sparsity) and that a failed sharded run leaves no folder behind.
 */
class CheckpointLongRunsTest {
    @TempDir Path dir;

    /** One tensor per dtype, each longer than a staging run of its widest stream (value or mask). */
    private static Map<String, TensorEntry> large(long seed) {
        Rng rng = new Rng(seed);
        return tensors("d.weight", random(rng, DType.F64, 181, 200), "f.weight", random(rng, DType.F32, 257, 300),
                "b.weight", random(rng, DType.BF16, 300, 300), "h.weight", random(rng, DType.F16, 300, 450),
                "f.bias", random(rng, DType.F32, 257));
    }

    /** Prunes {@code w} in {@code layout} and checks every value and mask against the in-memory reference. */
    private CheckpointPruner.Result pruneAndCheck(Path w, Map<String, TensorEntry> in, PruneSpec spec, Layout layout)
            throws Exception {
        String tag = layout.cliName() + "-" + spec.granularity() + "-" + spec.scope();
        Path out = dir.resolve(tag + ".safetensors"), masks = dir.resolve(tag + "-masks.safetensors");
        CheckpointPruner.Builder b = CheckpointPruner.builder().weights(w).spec(spec).layout(layout).out(out);
        if (layout == Layout.PLAIN) b = b.masksOut(masks); // the builder chains
        CheckpointPruner.Result r = b.build().run();
        List<String> names = r.tensors().stream().map(CheckpointPruner.TensorResult::name).toList();
        assertEquals(in.keySet().stream().filter(n -> n.endsWith(".weight")).collect(java.util.stream.Collectors
                .toSet()), java.util.Set.copyOf(names), "the default candidates");
        List<int[]> shapes = new ArrayList<>();
        float[][] values = new float[names.size()][];
        for (int t = 0; t < names.size(); t++) {
            shapes.add(in.get(names.get(t)).shape());
            values[t] = in.get(names.get(t)).toFloats();
        }
        byte[][] ref = reference(spec, names, shapes, values, null, null);
        SafeTensorFile o = SafeTensors.read(out);
        SafeTensorFile mf = layout == Layout.PLAIN ? SafeTensors.read(masks) : o;
        String what = layout + " " + spec.granularity();
        long kept = 0;
        for (int t = 0; t < names.size(); t++) {
            String n = names.get(t);
            TensorEntry src = in.get(n), m = mf.get(n + "_mask");
            assertEquals(layout == Layout.MASKED ? DType.F32 : src.dtype(), m.dtype(), what + ": mask dtype of " + n);
            assertArrayEquals(ref[t], mask(m.toFloats()), what + ": mask of " + n);
            for (byte k : ref[t]) kept += k;
            assertTrue(count(ref[t]) > 0 && count(ref[t]) < ref[t].length, what + ": " + n + " has kept and pruned"
                    + " elements (else half of the checks would be vacuous)");
            assertEquals(r.tensors().get(t).kept(), count(ref[t]), what + ": reported kept of " + n);
            if (layout == Layout.TORCH_PRUNE) {
                assertArrayEquals(bytes(src), bytes(o.get(n + "_orig")), what + ": " + n + "_orig byte for byte");
                continue;
            }
            byte[] before = bytes(src), after = bytes(o.get(n));
            int es = src.dtype().size();
            for (int i = 0; i < ref[t].length; i++) {
                for (int k = 0; k < es; k++) {
                    if (after[i * es + k] != (ref[t][i] == 1 ? before[i * es + k] : 0)) {
                        fail(what + ": " + n + " element " + i + " (kept " + ref[t][i] + ") byte " + k);
                    }
                }
            }
        }
        assertArrayEquals(bytes(in.get("f.bias")), bytes(o.get("f.bias")), what + ": f.bias unchanged");
        assertEquals(kept, r.kept(), what);
        long written = Files.size(out) + (layout == Layout.PLAIN ? Files.size(masks) : 0);
        assertEquals(written, r.bytes(), what + ": bytes reported = bytes of the files written");
        assertEquals(1 - kept / (double) r.candidates(), r.sparsity(), 1e-12, what + ": sparsity reported");
        return r;
    }

    private static long count(byte[] m) {
        long k = 0;
        for (byte b : m) k += b;
        return k;
    }

    @Test
    void tensorsLongerThanAStagingRunAreWrittenAsTheReferenceDecidesInEveryLayout() throws Exception {
        Map<String, TensorEntry> in = large(11);
        Path w = write(dir.resolve("large.safetensors"), in, Map.of("format", "pt"));
        PruneSpec perTensor = PruneSpec.builder().criterion(Criterion.MAGNITUDE).scope(Scope.PER_LAYER).sparsity(0.55)
                .build();
        for (Layout layout : Layout.values()) pruneAndCheck(w, in, perTensor, layout);
        // Global: chunks cross tensors, so one task's writer switches targets mid-run.
        PruneSpec global = perTensor.toBuilder().scope(Scope.GLOBAL).build();
        for (Layout layout : List.of(Layout.MASKED, Layout.PLAIN)) pruneAndCheck(w, in, global, layout);
        // Plain without a masks file: the same checkpoint bytes as plain with one.
        Path alone = dir.resolve("plain-alone.safetensors");
        CheckpointPruner.builder().weights(w).spec(global).layout(Layout.PLAIN).out(alone).build().run();
        assertEquals(-1, Files.mismatch(alone, dir.resolve("plain-UNSTRUCTURED-GLOBAL.safetensors")));
    }

    /**
     * Groups of M = 2100 reach the writer as one block longer than its 2048-element step, two groups per row (the
     * masked and plain layouts write values; torch-prune's values are the input's bytes).
     */
    @Test
    void nmGroupsLongerThanTheWritersStepAreWrittenAsTheReferenceDecides() throws Exception {
        Rng rng = new Rng(12);
        Map<String, TensorEntry> in = tensors("d.weight", random(rng, DType.F64, 1, 2100), "f.weight",
                random(rng, DType.F32, 2, 4200), "b.weight", random(rng, DType.BF16, 1, 4200), "h.weight",
                random(rng, DType.F16, 1, 2100), "f.bias", random(rng, DType.F32, 2));
        Path w = write(dir.resolve("nm.safetensors"), in, Map.of());
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.MAGNITUDE).granularity(Granularity.NM)
                .nm(700, 2100).build();
        for (Layout layout : List.of(Layout.MASKED, Layout.PLAIN)) {
            CheckpointPruner.Result r = pruneAndCheck(w, in, spec, layout);
            assertEquals(700L * (1 + 4 + 2 + 1), r.kept(), layout + ": N of every group of M kept");
        }
    }

    /**
     * One row of 16 groups of M = 2185 in F64 (staging capacity 32768): the 15th group's write is split at the
     * 2048-element step and its second piece no longer fits, so the run is flushed in the middle of a write.
     */
    @Test
    void aRunFlushedInTheMiddleOfAWriteContinuesAtTheRightElement() throws Exception {
        Map<String, TensorEntry> in = tensors("d.weight", random(new Rng(14), DType.F64, 1, 16 * 2185), "f.weight",
                random(new Rng(15), DType.F32, 1, 2185), "f.bias", random(new Rng(16), DType.F32, 1));
        Path w = write(dir.resolve("mid.safetensors"), in, Map.of());
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.MAGNITUDE).granularity(Granularity.NM)
                .nm(700, 2185).build();
        assertEquals(700L * 17, pruneAndCheck(w, in, spec, Layout.MASKED).kept());
    }

    @Test
    void aRunReportsItsSparsityAndNothingPrunedIsSparsityZero() {
        List<CheckpointPruner.TensorResult> t = List.of(new CheckpointPruner.TensorResult("a", "F32[4]", 4, 1),
                new CheckpointPruner.TensorResult("b", "F32[6]", 6, 6));
        CheckpointPruner.Result r = new CheckpointPruner.Result(Layout.MASKED, t, List.of(), 0);
        assertEquals(10, r.candidates());
        assertEquals(7, r.kept());
        assertEquals(0.3, r.sparsity(), 1e-15);
        assertEquals(0, new CheckpointPruner.Result(Layout.MASKED, List.of(), List.of(), 0).sparsity(),
                "no candidate: sparsity 0, not NaN");
    }

    /** A sharded run that fails while scoring removes the output folder it created, and no other folder. */
    @Test
    void aFailedShardedRunRemovesTheFolderItCreated() throws Exception {
        Rng rng = new Rng(13);
        float[] bad = new float[64];
        bad[63] = Float.NaN;
        Map<String, Map<String, TensorEntry>> shards = new java.util.TreeMap<>();
        shards.put("m-1.safetensors", tensors("a.weight", random(rng, DType.F32, 6, 5)));
        shards.put("m-2.safetensors", tensors("b.weight", f32(bad, 8, 8)));
        Path index = CheckpointShardsTest.writeShards(dir.resolve("in"), shards);
        Path fresh = dir.resolve("fresh");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CheckpointPruner.builder()
                .weights(index).out(fresh.resolve(CheckpointShardsTest.INDEX)).build().run());
        assertTrue(e.getMessage().contains("'b.weight'") && e.getMessage().contains("index 63"), e.getMessage());
        assertFalse(Files.exists(fresh), "the folder the run created is gone");
        Path existing = Files.createDirectories(dir.resolve("existing"));
        assertThrows(IllegalArgumentException.class, () -> CheckpointPruner.builder().weights(index)
                .out(existing.resolve(CheckpointShardsTest.INDEX)).build().run());
        assertTrue(Files.isDirectory(existing), "a folder that was there stays");
        assertEquals(List.of(), listing(existing));

        shards.put("m-2.safetensors", tensors("b.weight", random(rng, DType.F32, 8, 8)));
        Path fixed = CheckpointShardsTest.writeShards(dir.resolve("in"), shards);
        Path out = dir.resolve("ok").resolve(CheckpointShardsTest.INDEX);
        CheckpointPruner.Result r = CheckpointPruner.builder().weights(fixed).out(out).build().run();
        long written = 0;
        for (String f : listing(out.getParent())) written += Files.size(out.getParent().resolve(f));
        assertEquals(written, r.bytes(), "bytes reported = the shards and the index written");
        assertEquals(3, r.written().size());
    }
}
