package dev.jprune.onnx;

import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Dropout;
import dev.jprune.nn.Flatten;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Linear;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds one GraphProto from a flat Sequential of supported layers (checked by {@link OnnxExporter}). Nodes and
 * initializers are encoded as they are added (protobuf allows repeated fields in any interleaving), so each weight
 * is copied once into the graph's encoding.
 */
final class OnnxGraph {
    private final boolean sparseInitializers;
    private final ProtoWriter graph = new ProtoWriter(1 << 16);
    private final List<OnnxModel.Initializer> initializers = new ArrayList<>();

    OnnxGraph(boolean sparseInitializers) { this.sparseInitializers = sparseInitializers; }

    List<OnnxModel.Initializer> initializers() { return initializers; }

    /**
     * Adds a node per layer (Dropout: none) for an input of {@code inputShape} (batch included) and returns the name
     * of the graph's output value ({@link OnnxExporter#OUTPUT}, or the input itself when no layer computes anything,
     * in which case an Identity node is added).
     */
    String addLayers(Sequential net, int[] inputShape) {
        List<Layer> layers = net.layers();
        int last = -1;
        for (int i = 0; i < layers.size(); i++) if (!(layers.get(i) instanceof Dropout)) last = i;
        if (last < 0) {
            node("Identity", "identity", new String[] {OnnxExporter.INPUT}, OnnxExporter.OUTPUT);
            return OnnxExporter.OUTPUT;
        }
        String cur = OnnxExporter.INPUT;
        int[] shape = inputShape;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String out = i == last ? OnnxExporter.OUTPUT : i + "_out";
            String p = Integer.toString(i);
            if (l instanceof Linear) {
                Linear lin = (Linear) l;
                if (shape.length != 2) { // Gemm takes 2-D A; jprune's Linear flattens [N, ...] itself
                    node("Flatten", p + "_flatten", new String[] {cur}, p + "_flat", OnnxProto.int1("axis", 1));
                    cur = p + "_flat";
                }
                String[] in = weightInputs(cur, p, lin.weight, lin.bias); // Gemm's C is optional (no bias)
                node("Gemm", p + "_gemm", in, out, OnnxProto.int1("transB", 1));
            } else if (l instanceof Conv2d) {
                Conv2d c = (Conv2d) l;
                String[] in = weightInputs(cur, p, c.weight(), c.bias()); // Conv's B is optional (no bias)
                int k = c.kernelSize(), s = c.stride(), pad = c.padding();
                node("Conv", p + "_conv", in, out, OnnxProto.ints("kernel_shape", k, k),
                        OnnxProto.ints("strides", s, s), OnnxProto.ints("pads", pad, pad, pad, pad));
            } else if (l instanceof MaxPool2d) {
                MaxPool2d mp = (MaxPool2d) l;
                node("MaxPool", p + "_maxpool", new String[] {cur}, out, OnnxProto.ints("kernel_shape", mp.kernel(),
                        mp.kernel()), OnnxProto.ints("strides", mp.stride(), mp.stride()));
            } else if (l instanceof ReLU) {
                node("Relu", p + "_relu", new String[] {cur}, out);
            } else if (l instanceof Flatten) {
                node("Flatten", p + "_flatten", new String[] {cur}, out, OnnxProto.int1("axis", 1));
            } else if (l instanceof Dropout) {
                out = cur; // identity at inference: nothing to compute
            } else {
                throw new AssertionError("unchecked layer " + l.describe());
            }
            cur = out;
            shape = l.outputShape(shape);
        }
        return cur;
    }

    /** The GraphProto: its name, the nodes and initializers added, the input and output value infos. */
    ProtoWriter finish(String name, int[] sampleShape, String output, int[] outputShape) {
        graph.string(OnnxProto.GRAPH_NAME, name);
        ProtoWriter input = OnnxProto.floatValueInfo(OnnxExporter.INPUT, OnnxExporter.BATCH, sampleShape);
        graph.message(OnnxProto.GRAPH_INPUT, input);
        int[] outDims = Arrays.copyOfRange(outputShape, 1, outputShape.length);
        graph.message(OnnxProto.GRAPH_OUTPUT, OnnxProto.floatValueInfo(output, OnnxExporter.BATCH, outDims));
        return graph;
    }

    private void node(String op, String name, String[] inputs, String output, ProtoWriter... attributes) {
        graph.message(OnnxProto.GRAPH_NODE, OnnxProto.node(op, name, inputs, new String[] {output}, attributes));
    }

    /** The node inputs {x, "P.weight"} or {x, "P.weight", "P.bias"}, adding the initializers. */
    private String[] weightInputs(String x, String prefix, Parameter weight, Parameter bias) {
        String w = initializer(prefix + ".weight", weight, true);
        return bias == null ? new String[] {x, w} : new String[] {x, w, initializer(prefix + ".bias", bias, false)};
    }

    /**
     * Adds {@code p}'s values as an initializer named {@code name} and returns the name. A weight goes sparse when
     * sparse initializers are on and its sparse encoding (12 bytes per nonzero) is smaller than dense (4 per entry).
     */
    private String initializer(String name, Parameter p, boolean weight) {
        float[] v = p.value.data;
        int[] shape = p.value.shape();
        int nnz = 0;
        for (float x : v) if (x != 0f) nnz++;
        boolean sparse = sparseInitializers && weight && 3L * nnz < v.length;
        if (sparse) {
            float[] values = new float[nnz];
            long[] indices = new long[nnz];
            for (int i = 0, k = 0; i < v.length; i++) {
                if (v[i] != 0f) { values[k] = v[i]; indices[k++] = i; }
            }
            ProtoWriter t = OnnxProto.sparseFloatTensor(name, shape, values, indices, nnz);
            graph.message(OnnxProto.GRAPH_SPARSE_INITIALIZER, t);
        } else {
            graph.message(OnnxProto.GRAPH_INITIALIZER, OnnxProto.floatTensor(name, shape, v));
        }
        initializers.add(new OnnxModel.Initializer(name, shape, nnz, sparse));
        return name;
    }
}
