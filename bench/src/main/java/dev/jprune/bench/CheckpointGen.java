package dev.jprune.bench;

import dev.jprune.io.DType;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorSink;
import dev.jprune.io.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a checkpoint and its gradients for bench/checkpoint-prune.sh, streaming (no tensor is held in memory):
 * {@code PARAMS} parameters in {@code TENSORS} tensors "model.layers.NNN.weight" of shape [PARAMS/TENSORS/1000, 1000],
 * weights ~ U(-1, 1), gradients ~ U(-1e-3, 1e-3), as F32 or BF16 (BF16: the float's top 16 bits), in one file or
 * {@code SHARDS} Hugging Face shards with a model.safetensors.index.json. Values are a hash of (seed, tensor, index),
 * so a run is reproducible without storing anything.
 *
 * <pre>java -cp jprune-bench.jar dev.jprune.bench.CheckpointGen DIR PARAMS TENSORS F32|BF16 SHARDS</pre>
 * writes DIR/w.safetensors and DIR/g.safetensors (SHARDS = 1), or DIR/w/ and DIR/g/ with shards and index.
 */
public final class CheckpointGen {
    private CheckpointGen() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: CheckpointGen DIR PARAMS TENSORS F32|BF16 SHARDS");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        long params = (long) Double.parseDouble(args[1]);
        int tensors = Integer.parseInt(args[2]), shards = Integer.parseInt(args[4]);
        DType dt = DType.valueOf(args[3].toUpperCase(Locale.ROOT));
        long per = params / tensors;
        if (per * tensors != params
                || per % 1000 != 0) throw new IllegalArgumentException("PARAMS/TENSORS must be a multiple of 1000");
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        for (String kind : new String[] {"w", "g"}) {
            float scale = kind.equals("w") ? 1f : 1e-3f;
            long seed = kind.equals("w") ? 1 : 2;
            if (shards == 1) {
                SafeTensors.write(dir.resolve(kind + ".safetensors"), range(0, tensors, per, dt, scale, seed),
                        Map.of("format", "pt"));
                continue;
            }
            Path sd = Files.createDirectories(dir.resolve(kind));
            StringBuilder map = new StringBuilder();
            for (int s = 0; s < shards; s++) {
                String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", s + 1, shards);
                int from = (int) ((long) tensors * s / shards), to = (int) ((long) tensors * (s + 1) / shards);
                SafeTensors.write(sd.resolve(name), range(from, to, per, dt, scale, seed), Map.of("format", "pt"));
                for (int t = from; t < to; t++) map.append(map.length() == 0 ? ""
                        : ",\n    ").append('"').append(name(t)).append("\": \"").append(name).append('"');
            }
            Files.writeString(sd.resolve("model.safetensors.index.json"), "{\n  \"metadata\": {\"total_size\": "
                    + params * dt.size()
                    + "},\n  \"weight_map\": {\n    " + map + "\n  }\n}\n");
        }
        System.out.printf(Locale.ROOT, "generated %d %s parameters in %d tensors (%d shards) x 2 files in %.1f s%n",
                params, dt,
                tensors, shards, (System.nanoTime() - t0) / 1e9);
    }

    private static String name(int t) {
        return String.format(Locale.ROOT, "model.layers.%03d.weight", t);
    }

    private static Map<String, TensorSource> range(int from, int to, long per, DType dt, float scale, long seed) {
        Map<String, TensorSource> m = new LinkedHashMap<>();
        for (int t = from; t < to; t++) m.put(name(t), new Generated(dt, new int[] {(int) (per / 1000), 1000},
                seed * 1_000_003L + t, scale));
        return m;
    }

    /** A tensor whose element i is a hash of (key, i) mapped to U(-scale, scale). */
    private record Generated(DType dtype, int[] shape, long key, float scale) implements TensorSource {
        @Override
        public void writeData(TensorSink sink) throws IOException {
            long n = (long) shape[0] * shape[1];
            float[] chunk = new float[1 << 16];
            byte[] half = new byte[2 * chunk.length];
            for (long i = 0; i < n; i += chunk.length) {
                int k = (int) Math.min(chunk.length, n - i);
                for (int j = 0; j < k; j++) {
                    long h = mix(key * 0x9E3779B97F4A7C15L + i + j);
                    chunk[j] = (float) (((h >>> 11) * 0x1.0p-53) * 2 - 1) * scale;
                }
                if (dtype == DType.F32) {
                    sink.putFloats(chunk, 0, k);
                } else {
                    for (int j = 0; j < k; j++) {
                        int b = Float.floatToRawIntBits(chunk[j]) >>> 16;
                        half[2 * j] = (byte) b;
                        half[2 * j + 1] = (byte) (b >>> 8);
                    }
                    sink.putBytes(half, 0, 2 * k);
                }
            }
        }
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
