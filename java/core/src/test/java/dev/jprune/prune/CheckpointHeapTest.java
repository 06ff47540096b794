package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.testutil.ChildJvm;
import dev.jprune.util.Rng;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Out of core: a child JVM with a 32 MiB heap prunes a checkpoint of 128 MB (weights + gradients; 128 MB more
 * written), four times its heap, to exactly the requested count. Pruning in the heap would need the weights, gradients
 * and masks there (144 MB); the selection's own memory is a few MiB whatever the checkpoint's size.
 */
class CheckpointHeapTest {
    @TempDir Path dir;

    @Test
    void aCheckpointFourTimesTheHeapIsPrunedInAChildWith32MiB() throws Exception {
        int tensors = 8, rows = 2000, cols = 1000;
        Rng rng = new Rng(3);
        Map<String, TensorEntry> w = new LinkedHashMap<>(), g = new LinkedHashMap<>();
        for (int t = 0; t < tensors; t++) {
            float[] a = new float[rows * cols], b = new float[rows * cols];
            rng.fillUniform(a, -1, 1);
            rng.fillUniform(b, -1e-3f, 1e-3f);
            w.put("layers." + t + ".weight", TensorEntry.f32(a, rows, cols));
            g.put("layers." + t + ".weight", TensorEntry.f32(b, rows, cols));
        }
        Path wf = dir.resolve("w.safetensors"), gf = dir.resolve("g.safetensors"), out = dir.resolve("out.safetensors");
        SafeTensors.write(wf, w, Map.of());
        SafeTensors.write(gf, g, Map.of());
        w.clear();
        g.clear();
        long input = Files.size(wf) + Files.size(gf);
        assertTrue(input > 3 * (32L << 20), "input " + input + " bytes is over three heaps");
        ChildJvm.Result r = ChildJvm.run(List.of("-Xmx32m", "-Djprune.threads=2"), Map.of(), 300,
                CheckpointPruneMain.class.getName(), wf.toString(), gf.toString(), out.toString());
        long total = (long) tensors * rows * cols;
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("kept " + (total - Math.round(0.9 * total)) + " of " + total), r.output());
        assertEquals(2 * (Files.size(wf) - headerBytes(wf)), Files.size(out) - headerBytes(out),
                "the output holds the values and an F32 mask per weight");
    }

    private static long headerBytes(Path f) throws Exception {
        try (var ch = java.nio.channels.FileChannel.open(f)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(b, 0);
            return 8 + b.getLong(0);
        }
    }
}
