package dev.jprune.onnx;

import dev.jprune.nn.Sequential;
import dev.jprune.sparse.StructuredShrink;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An encoded ONNX model (a serialized {@code ModelProto}) and what went into it. Immutable; the encoding is held
 * once and copied only by {@link #toByteArray()}.
 */
public final class OnnxModel {
    /**
     * One initializer as written.
     *
     * @param name     the graph's name for it: the PyTorch state_dict name of the exported network ("0.weight")
     * @param shape    its dense shape, e.g. [300, 784] (Gemm B, transB = 1) or [20, 1, 5, 5] (Conv W)
     * @param nonzeros entries that are not zero
     * @param sparse   written as a {@code sparse_initializer} rather than a dense {@code initializer}
     */
    public record Initializer(String name, int[] shape, long nonzeros, boolean sparse) {
        /** Copies {@code shape}. */
        public Initializer { shape = shape.clone(); }
        @Override public int[] shape() { return shape.clone(); }
        /** Dense entry count (product of the shape). */
        public long size() { return Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b); }
    }

    private final ProtoWriter encoded;
    private final Sequential exported;
    private final List<Initializer> initializers;
    private final Map<String, String> metadata;
    private final List<StructuredShrink.LayerChange> shrinkChanges;

    OnnxModel(ProtoWriter encoded, Sequential exported, List<Initializer> initializers, Map<String, String> metadata,
              List<StructuredShrink.LayerChange> shrinkChanges) {
        this.encoded = encoded;
        this.exported = exported;
        this.initializers = List.copyOf(initializers);
        this.metadata = Map.copyOf(metadata);
        this.shrinkChanges = List.copyOf(shrinkChanges);
    }

    /** Size of the encoding in bytes (the size of the .onnx file). */
    public long size() { return encoded.size(); }

    /** A copy of the encoding, e.g. for ONNX Runtime's {@code createSession(byte[])}. */
    public byte[] toByteArray() { return encoded.toByteArray(); }

    /** Writes the encoding to {@code out} (not closed). */
    public void writeTo(OutputStream out) throws IOException { encoded.writeTo(out); }

    /**
     * The network whose weights were written: a Sequential over the source model's own layers (not copied; nested
     * Sequentials inlined) or, when units were dropped, the shrunk copy (masks carried over). Its state_dict names are
     * the initializers' names. Do not modify it.
     */
    public Sequential exported() { return exported; }

    /** The initializers in graph order (weight before bias, layer after layer). */
    public List<Initializer> initializers() { return initializers; }

    /** The metadata_props written (key → value). */
    public Map<String, String> metadata() { return metadata; }

    /** Layers whose units were dropped by shrinking (empty when nothing was dropped). */
    public List<StructuredShrink.LayerChange> shrinkChanges() { return shrinkChanges; }
}
