package dev.jprune.prune;

import static dev.jprune.prune.CheckpointFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
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
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hugging Face sharded checkpoint is one checkpoint: the selection is global over all shards (the same masks as the
 * same tensors in one file, in shard-then-offset order), and the output is the same shards plus an index whose
 * weight_map names every output tensor, keeping the input index's other entries.
 */
class CheckpointShardsTest {
    @TempDir Path dir;

    static final String INDEX = "model.safetensors.index.json";

    /** Three shards (BF16 weights, so F16/BF16 sharding is covered too) and the index naming them. */
    static Map<String, Map<String, TensorEntry>> shards(long seed) {
        Rng rng = new Rng(seed);
        Map<String, Map<String, TensorEntry>> s = new TreeMap<>();
        s.put("model-00001-of-00003.safetensors", tensors("l0.weight", random(rng, DType.BF16, 16, 12),
                "l0.bias", random(rng, DType.BF16, 16)));
        s.put("model-00002-of-00003.safetensors", tensors("l1.weight", random(rng, DType.BF16, 32, 16)));
        s.put("model-00003-of-00003.safetensors", tensors("l2.weight", random(rng, DType.BF16, 10, 32),
                "l3.weight", random(rng, DType.BF16, 3, 10)));
        return s;
    }

    static Path writeShards(Path folder, Map<String, Map<String, TensorEntry>> shards) throws Exception {
        Files.createDirectories(folder);
        StringBuilder map = new StringBuilder();
        long total = 0;
        for (Map.Entry<String, Map<String, TensorEntry>> e : shards.entrySet()) {
            write(folder.resolve(e.getKey()), e.getValue(), Map.of("format", "pt"));
            for (Map.Entry<String, TensorEntry> t : e.getValue().entrySet()) {
                map.append(map.length() == 0 ? ""
                        : ",").append('"').append(t.getKey()).append("\":\"").append(e.getKey()).append('"');
                total += (long) t.getValue().size() * t.getValue().dtype().size();
            }
        }
        Path index = folder.resolve(INDEX);
        Files.writeString(index, "{\"metadata\":{\"total_size\":" + total + ",\"origin\":\"test\"},\"weight_map\":{"
                + map + "}}");
        return index;
    }

    @Test
    void shardsArePrunedAsOneCheckpointAndWrittenAsTheSameShards() throws Exception {
        Map<String, Map<String, TensorEntry>> in = shards(1);
        Path index = writeShards(dir.resolve("in"), in);
        List<String> names = List.of("l0.weight", "l1.weight", "l2.weight", "l3.weight");
        List<int[]> shapes = new ArrayList<>();
        float[][] values = new float[names.size()][];
        Map<String, TensorEntry> all = new TreeMap<>();
        in.values().forEach(all::putAll);
        for (int t = 0; t < names.size(); t++) {
            shapes.add(all.get(names.get(t)).shape());
            values[t] = all.get(names.get(t)).toFloats();
        }
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.MAGNITUDE).sparsity(0.8).build();
        byte[][] ref = reference(spec, names, shapes, values, null, null);
        Path out = dir.resolve("out").resolve(INDEX);
        CheckpointPruner.Result r = CheckpointPruner.builder().weights(index).spec(spec).layout(Layout.TORCH_PRUNE)
                .out(out).build().run();
        assertEquals(r.candidates() - Math.rint(0.8 * r.candidates()), r.kept(), "exactly k over all shards");
        assertEquals(Set.of(INDEX, "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors"), Set.copyOf(listing(out.getParent())),
                        "the output folder was created");
        JsonObject idx = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        assertEquals("test", idx.getAsJsonObject("metadata").get("origin").getAsString(), "other metadata kept");
        JsonObject wm = idx.getAsJsonObject("weight_map");
        long total = 0;
        for (Map.Entry<String, Map<String, TensorEntry>> e : in.entrySet()) {
            SafeTensorFile o = SafeTensors.read(out.getParent().resolve(e.getKey()));
            assertEquals(Map.of("format", "pt"), o.metadata());
            for (String n : o.tensors().keySet()) {
                assertEquals(e.getKey(), wm.get(n).getAsString(), n + " indexed in its shard");
                total += (long) o.get(n).size() * o.get(n).dtype().size();
            }
            for (String n : e.getValue().keySet()) {
                int t = names.indexOf(n);
                if (t < 0) {
                    assertArrayEquals(bytes(e.getValue().get(n)), bytes(o.get(n)), n + " unchanged");
                    continue;
                }
                assertArrayEquals(bytes(e.getValue().get(n)), bytes(o.get(n + "_orig")), n + "_orig");
                assertEquals(DType.BF16, o.get(n + "_mask").dtype());
                assertArrayEquals(ref[t], mask(o.get(n + "_mask").toFloats()), "mask of " + n
                        + " (global over shards)");
            }
        }
        assertEquals(9, wm.size(), "weight_map lists every output tensor");
        assertEquals(total, idx.getAsJsonObject("metadata").get("total_size").getAsLong(),
                "total_size is the output's");
    }

    @Test
    void gradientsMayBeShardedDifferentlyFromTheWeights() throws Exception {
        Map<String, Map<String, TensorEntry>> in = shards(2);
        Path index = writeShards(dir.resolve("w"), in);
        Map<String, TensorEntry> grads = new TreeMap<>();
        Rng rng = new Rng(3);
        in.values().forEach(m -> m.forEach((n, e) -> grads.put(n, random(rng, DType.F32, e.shape()))));
        Path g = write(dir.resolve("g.safetensors"), grads, Map.of());
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.TAYLOR).sparsity(0.5).build();
        CheckpointPruner.Result r = CheckpointPruner.builder().weights(index).grads(g).spec(spec)
                .out(dir.resolve("o").resolve(INDEX)).build().run();
        assertEquals(r.candidates() - Math.rint(0.5 * r.candidates()), r.kept());
    }
}
