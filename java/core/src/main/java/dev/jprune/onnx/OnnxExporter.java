package dev.jprune.onnx;

import dev.jprune.Version;
import dev.jprune.io.AtomicFiles;
import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Dropout;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Linear;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.sparse.StructuredShrink;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Exports a (pruned) {@link Sequential} to ONNX: opset {@value #OPSET}, IR version {@value #IR_VERSION}, one FLOAT
 * input {@value #INPUT} [batch, ...sample shape] and one output {@value #OUTPUT} [batch, ...], "batch" symbolic.
 *
 * <h2>Layers</h2>
 * Linear → Gemm(A, W [out, in], b, transB = 1), preceded by Flatten(axis = 1) when its input is not 2-D
 * (jprune's Linear flattens its input itself); Conv2d → Conv (kernel_shape, strides, pads); MaxPool2d → MaxPool
 * (kernel_shape, strides, no padding, floor); ReLU → Relu; Flatten → Flatten(axis = 1); Dropout is omitted (identity
 * at inference); nested Sequentials are inlined (their layers numbered as in the flat list). Any other
 * {@link Layer} is refused (none of jprune's layers today). Initializers carry the exported network's state_dict names
 * ("0.weight").
 *
 * <h2>Pruned weights</h2>
 * Weights are written as they are: dense initializers holding the zeros (or, with
 * {@link OnnxExportOptions#sparseInitializers}, sparse ones). Weight layout is PyTorch's, so N:M groups stay along
 * the reduction dimension. With {@link OnnxExportOptions#shrink} (default) units whose incoming weights and
 * constant output are zero — a structurally pruned neuron or filter — are dropped first, so the file is smaller and
 * faster for every runtime; the function computed is the same.
 *
 * <h2>Metadata</h2>
 * metadata_props: {@code producer} ("jprune"), {@code jprune_version}, {@code model} (when named),
 * {@code criterion}, {@code sparsity} (JSON: each source weight's pruned fraction by its mask), {@code granularity}
 * (dense: no weight pruned, masks or not | unstructured | n:m | structured), {@code nm_pattern} and
 * {@code nm_layout} (N:M only), {@code shrunk_units} (JSON layer → [before, after], when units were dropped),
 * {@code sparse_initializers} (JSON names, when any), {@code mask_sha256} (see {@link #maskHash}; "none" without
 * masks).
 */
public final class OnnxExporter {
    private OnnxExporter() {}

    /** ai.onnx opset version written (Gemm, Conv, MaxPool, Relu, Flatten all stable at 13). */
    public static final int OPSET = 13;
    /** IR version of opset 13 (ONNX 1.8); runtimes read older IR versions. */
    public static final int IR_VERSION = 7;
    /** Graph input and output names, and the symbolic batch dimension. */
    public static final String INPUT = "input", OUTPUT = "output", BATCH = "batch";
    /** metadata_props keys the exporter writes itself. */
    public static final Set<String> RESERVED_KEYS = Set.of("producer", "jprune_version", "model", "criterion",
            "sparsity", "granularity", "nm_pattern", "nm_layout", "shrunk_units", "sparse_initializers", "mask_sha256");

    /**
     * Encodes {@code model} (not modified) for samples of shape {@code sampleShape} (no batch dimension).
     *
     * @throws IllegalArgumentException naming the layer when a layer cannot be expressed in ONNX; naming the
     *         parameter and element when a weight is NaN or infinite, or pruned (mask 0) but not zero; when the sample
     *         shape does not fit the model; when a metadata key is reserved
     */
    public static OnnxModel export(Sequential model, int[] sampleShape, OnnxExportOptions options) {
        if (model == null || sampleShape == null || options == null) {
            throw new IllegalArgumentException("ONNX export: null argument");
        }
        Sequential flat = new Sequential(inline(model, "", new ArrayList<>()));
        for (Map.Entry<String, Parameter> e : flat.namedParameters().entrySet()) {
            e.getValue().requireWritable("ONNX export", e.getKey());
        }
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = 1;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        try {
            flat.outputShape(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ONNX export: sample shape " + Arrays.toString(sampleShape)
                    + " does not fit the model: " + e.getMessage(), e);
        }
        Sequential exported = flat;
        List<StructuredShrink.LayerChange> changes = new ArrayList<>();
        if (options.shrink()) {
            StructuredShrink.Result r = StructuredShrink.shrink(flat, StructuredShrink.Policy.KEEP);
            for (StructuredShrink.LayerChange c : r.changes()) if (c.dropped().length > 0) changes.add(c);
            if (!changes.isEmpty()) exported = r.model();
        }
        OnnxGraph g = new OnnxGraph(options.sparseInitializers());
        String graphOutput = g.addLayers(exported, shape);
        Map<String, String> meta = OnnxMetadata.build(flat, options, changes, g.initializers());
        ProtoWriter graph = g.finish(options.modelName() == null ? "jprune" : options.modelName(), sampleShape,
                graphOutput, exported.outputShape(shape));
        ProtoWriter m = new ProtoWriter(graph.size() + 4096);
        m.int64(OnnxProto.MODEL_IR_VERSION, IR_VERSION)
                .string(OnnxProto.MODEL_PRODUCER_NAME, "jprune")
                .string(OnnxProto.MODEL_PRODUCER_VERSION, Version.get())
                .message(OnnxProto.MODEL_OPSET_IMPORT, OnnxProto.opset("", OPSET));
        for (Map.Entry<String, String> e : meta.entrySet()) {
            m.message(OnnxProto.MODEL_METADATA_PROPS, OnnxProto.entry(e.getKey(), e.getValue()));
        }
        m.message(OnnxProto.MODEL_GRAPH, graph);
        return new OnnxModel(m, exported, g.initializers(), meta, changes);
    }

    /**
     * {@link #export} then writes the encoding to {@code file} atomically (temporary file + rename): on any error
     * nothing is written and an existing file is unchanged.
     *
     * @throws IOException naming the file when it cannot be written (missing directory, a directory, no space)
     * @throws IllegalArgumentException as {@link #export}, before the file system is touched
     */
    public static OnnxModel write(Path file, Sequential model, int[] sampleShape, OnnxExportOptions options)
            throws IOException {
        OnnxModel m = export(model, sampleShape, options);
        AtomicFiles.write(file, ch -> m.writeTo(Channels.newOutputStream(ch)));
        return m;
    }

    /** The {@code mask_sha256} metadata value of {@code model}: see {@link OnnxMetadata#maskHash}. */
    public static String maskHash(Sequential model) {
        return OnnxMetadata.maskHash(new Sequential(inline(model, "", new ArrayList<>())));
    }

    private static List<Layer> inline(Sequential s, String prefix, List<Layer> out) {
        for (int i = 0; i < s.layers().size(); i++) {
            Layer l = s.layer(i);
            if (l instanceof Sequential) { inline((Sequential) l, prefix + i + ".", out); continue; }
            if (!(l instanceof Linear || l instanceof Conv2d || l instanceof MaxPool2d || l instanceof ReLU
                    || l instanceof Flatten || l instanceof Dropout)) {
                throw new IllegalArgumentException("ONNX export: layer " + prefix + i + " " + l.describe() + " ("
                        + l.getClass().getName() + ") cannot be expressed in ONNX by jprune; supported: Linear, "
                        + "Conv2d, MaxPool2d, ReLU, Flatten, Dropout, Sequential");
            }
            out.add(l);
        }
        return out;
    }
}
