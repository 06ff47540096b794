package dev.jprune.prune;

import dev.jprune.io.DType;
import dev.jprune.io.SafeTensorFile;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.util.Rng;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Checkpoints for the CheckpointPruner tests: random tensors in any floating dtype, and readers of the results. */
final class CheckpointFixtures {
    private CheckpointFixtures() {}

    /** Random values in [-1, 1) (F32), or random finite bit patterns (F16, BF16), of {@code shape}. */
    static TensorEntry random(Rng rng, DType dt, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        switch (dt) {
            case F32 -> {
                float[] v = new float[n];
                rng.fillUniform(v, -1, 1);
                return TensorEntry.f32(v, shape);
            }
            case F16, BF16 -> {
                ByteBuffer b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
                float[] u = new float[n];
                rng.fillUniform(u, 0, 1);
                for (int i = 0; i < n; i++) {
                    int bits = (int) (u[i] * 65536) & 0xffff;
                    int expMask = dt == DType.F16 ? 0x7c00 : 0x7f80;
                    if ((bits & expMask) == expMask) bits &= ~0x4000; // no Inf/NaN: clear the exponent's top bit
                    b.putShort((short) bits);
                }
                return TensorEntry.raw(dt, b.array(), shape);
            }
            case F64 -> {
                ByteBuffer b = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) b.putDouble(rng.nextDouble() * 2 - 1);
                return TensorEntry.raw(dt, b.array(), shape);
            }
            default -> throw new IllegalArgumentException(dt.toString());
        }
    }

    /** An F32 tensor of the given values. */
    static TensorEntry f32(float[] v, int... shape) { return TensorEntry.f32(v, shape); }

    /** Writes {@code tensors} to {@code file} (the reference writer's order) and returns the file. */
    static Path write(Path file, Map<String, TensorEntry> tensors, Map<String, String> meta) throws IOException {
        SafeTensors.write(file, tensors, meta);
        return file;
    }

    /** The tensor's values as floats (any dtype). */
    static float[] floats(SafeTensorFile f, String name) {
        TensorEntry e = f.get(name);
        if (e == null) throw new AssertionError("no tensor '" + name + "' in " + f.tensors().keySet());
        return e.toFloats();
    }

    /** The tensor's raw little-endian bytes (any dtype). */
    static byte[] bytes(TensorEntry e) {
        if (e.dtype() == DType.F32) {
            ByteBuffer b = ByteBuffer.allocate(4 * e.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : e.floats()) b.putFloat(v);
            return b.array();
        }
        return e.bytes();
    }

    /** A 0/1 float mask as bytes, failing on any other value. */
    static byte[] mask(float[] m) {
        byte[] out = new byte[m.length];
        for (int i = 0; i < m.length; i++) {
            if (m[i] != 0f && m[i] != 1f) throw new AssertionError("mask value " + m[i] + " at " + i);
            if (m[i] == 0f && Float.floatToRawIntBits(m[i]) != 0) throw new AssertionError("mask -0.0 at " + i);
            out[i] = (byte) m[i];
        }
        return out;
    }

    /** The in-memory reference: the library's dispatch on the host engine over float arrays. */
    static byte[][] reference(PruneSpec spec, List<String> names, List<int[]> shapes, float[][] w, float[][] g,
            float[][] user) {
        List<PruneTargets.Target> views = new ArrayList<>();
        for (int t = 0; t < names.size(); t++) views.add(PruneTargets.Target.of(names.get(t), shapes.get(t)));
        String[] n = names.toArray(String[]::new);
        ScoreSource src = user != null ? ScoreSource.of(user, n) : new CriterionScoreSource(spec.criterion(), w, g, n);
        HostSelectionEngine engine = new HostSelectionEngine(src);
        new PruneTargets(spec, views).select(engine, spec.sparsity());
        return engine.masks();
    }

    /** Every file below {@code dir} (to show that a failed run left nothing behind). */
    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    /** An ordered map. */
    static Map<String, TensorEntry> tensors(Object... nameThenEntry) {
        Map<String, TensorEntry> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenEntry.length; i += 2) m.put((String) nameThenEntry[i],
                (TensorEntry) nameThenEntry[i + 1]);
        return m;
    }
}
