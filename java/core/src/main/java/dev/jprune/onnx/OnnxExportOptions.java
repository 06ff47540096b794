package dev.jprune.onnx;

import java.util.Map;

/**
 * How {@link OnnxExporter} writes a model.
 *
 * @param sparseInitializers write each pruned weight whose sparse encoding is smaller (fewer than a third of its
 *                           entries nonzero: 4-byte value + 8-byte INT64 index against 4 bytes dense) as a
 *                           {@code sparse_initializer}; biases and denser weights stay dense initializers.
 *                           Runtimes densify them at load (ONNX Runtime does): smaller files, same speed.
 * @param shrink             drop units (neurons, filters) whose incoming weights are all zero and whose constant
 *                           output is zero, as {@link dev.jprune.sparse.StructuredShrink} with policy KEEP does: a
 *                           structurally pruned model is written physically smaller and computes the same function
 * @param criterion          the pruning criterion recorded in the metadata (e.g. "magnitude"); null: "unknown"
 * @param modelName          the architecture's name recorded in the metadata and as the graph's name; null: none
 * @param metadata           further metadata_props entries; must not use the exporter's own keys
 *                           ({@link OnnxExporter#RESERVED_KEYS}); copied; null means none
 */
public record OnnxExportOptions(boolean sparseInitializers, boolean shrink, String criterion, String modelName,
                                Map<String, String> metadata) {
    /**
     * Copies {@code metadata} (null: none).
     *
     * @throws NullPointerException when {@code metadata} holds a null key or value
     */
    public OnnxExportOptions {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** Dense initializers, shrinking on, criterion and name unknown, no extra metadata. */
    public static OnnxExportOptions defaults() {
        return new OnnxExportOptions(false, true, null, null, Map.of());
    }

    /** A copy with {@link #sparseInitializers} set. */
    public OnnxExportOptions withSparseInitializers(boolean on) {
        return new OnnxExportOptions(on, shrink, criterion, modelName, metadata);
    }

    /** A copy with {@link #shrink} set. */
    public OnnxExportOptions withShrink(boolean on) {
        return new OnnxExportOptions(sparseInitializers, on, criterion, modelName, metadata);
    }

    /** A copy with {@link #criterion} set. */
    public OnnxExportOptions withCriterion(String c) {
        return new OnnxExportOptions(sparseInitializers, shrink, c, modelName, metadata);
    }

    /** A copy with {@link #modelName} set. */
    public OnnxExportOptions withModelName(String name) {
        return new OnnxExportOptions(sparseInitializers, shrink, criterion, name, metadata);
    }

    /** A copy with {@link #metadata} replaced. */
    public OnnxExportOptions withMetadata(Map<String, String> extra) {
        return new OnnxExportOptions(sparseInitializers, shrink, criterion, modelName, extra);
    }
}
