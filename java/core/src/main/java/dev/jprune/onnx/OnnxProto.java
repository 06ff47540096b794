package dev.jprune.onnx;

/**
 * Builders for the ONNX messages the exporter writes, with their field numbers from onnx/onnx's onnx/onnx.proto
 * (proto2; the numbers never change, ONNX only adds fields). Each builder returns a {@link ProtoWriter} holding one
 * encoded message, to be embedded with {@link ProtoWriter#message}.
 */
final class OnnxProto {
    private OnnxProto() {}

    // ModelProto
    static final int MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2, MODEL_PRODUCER_VERSION = 3, MODEL_DOC = 6,
            MODEL_GRAPH = 7, MODEL_OPSET_IMPORT = 8, MODEL_METADATA_PROPS = 14;
    // OperatorSetIdProto, StringStringEntryProto
    static final int OPSET_DOMAIN = 1, OPSET_VERSION = 2, ENTRY_KEY = 1, ENTRY_VALUE = 2;
    // GraphProto
    static final int GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12,
            GRAPH_SPARSE_INITIALIZER = 15;
    // NodeProto
    static final int NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5;
    // AttributeProto and its AttributeType values
    static final int ATTR_NAME = 1, ATTR_I = 3, ATTR_INTS = 8, ATTR_TYPE = 20, ATTR_TYPE_INT = 2, ATTR_TYPE_INTS = 7;
    // TensorProto and its DataType values
    static final int TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9;
    static final int FLOAT = 1, INT64 = 7;
    // SparseTensorProto
    static final int SPARSE_VALUES = 1, SPARSE_INDICES = 2, SPARSE_DIMS = 3;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    static final int VALUE_NAME = 1, VALUE_TYPE = 2, TYPE_TENSOR = 1, TENSOR_TYPE_ELEM = 1, TENSOR_TYPE_SHAPE = 2,
            SHAPE_DIM = 1, DIM_VALUE = 1, DIM_PARAM = 2;

    /** TensorProto FLOAT of shape {@code dims} holding {@code data} (row-major) as raw little-endian bytes. */
    static ProtoWriter floatTensor(String name, int[] dims, float[] data) {
        ProtoWriter t = new ProtoWriter(4 * data.length + 64);
        for (int d : dims) t.int64(TENSOR_DIMS, d);
        t.int64(TENSOR_DATA_TYPE, FLOAT).string(TENSOR_NAME, name);
        return t.floatsLe(TENSOR_RAW_DATA, data, data.length);
    }

    /**
     * SparseTensorProto of dense shape {@code dims}: values FLOAT [nnz] named {@code name} (the name the graph uses),
     * indices INT64 [nnz], the linearised row-major positions in ascending order (format (b) of onnx.proto).
     */
    static ProtoWriter sparseFloatTensor(String name, int[] dims, float[] values, long[] indices, int nnz) {
        ProtoWriter v = new ProtoWriter(4 * nnz + 64);
        v.int64(TENSOR_DIMS, nnz).int64(TENSOR_DATA_TYPE, FLOAT).string(TENSOR_NAME, name)
                .floatsLe(TENSOR_RAW_DATA, values, nnz);
        ProtoWriter i = new ProtoWriter(8 * nnz + 32);
        i.int64(TENSOR_DIMS, nnz).int64(TENSOR_DATA_TYPE, INT64).longsLe(TENSOR_RAW_DATA, indices, nnz);
        ProtoWriter s = new ProtoWriter(v.size() + i.size() + 64);
        s.message(SPARSE_VALUES, v).message(SPARSE_INDICES, i);
        for (int d : dims) s.int64(SPARSE_DIMS, d);
        return s;
    }

    /** NodeProto of the default domain (ai.onnx) with its attributes (from {@link #ints} / {@link #int1}). */
    static ProtoWriter node(String opType, String name, String[] inputs, String[] outputs, ProtoWriter... attributes) {
        ProtoWriter n = new ProtoWriter();
        for (String in : inputs) n.string(NODE_INPUT, in);
        for (String out : outputs) n.string(NODE_OUTPUT, out);
        n.string(NODE_NAME, name).string(NODE_OP_TYPE, opType);
        for (ProtoWriter a : attributes) n.message(NODE_ATTRIBUTE, a);
        return n;
    }

    /** AttributeProto of type INTS. */
    static ProtoWriter ints(String name, long... values) {
        ProtoWriter a = new ProtoWriter().string(ATTR_NAME, name).int64(ATTR_TYPE, ATTR_TYPE_INTS);
        for (long v : values) a.int64(ATTR_INTS, v);
        return a;
    }

    /** AttributeProto of type INT. */
    static ProtoWriter int1(String name, long value) {
        return new ProtoWriter().string(ATTR_NAME, name).int64(ATTR_TYPE, ATTR_TYPE_INT).int64(ATTR_I, value);
    }

    /**
     * ValueInfoProto of a FLOAT tensor whose first dimension is the symbolic {@code batchParam} and whose other
     * dimensions are {@code dims} (without the batch dimension).
     */
    static ProtoWriter floatValueInfo(String name, String batchParam, int[] dims) {
        ProtoWriter shape = new ProtoWriter();
        shape.message(SHAPE_DIM, new ProtoWriter().string(DIM_PARAM, batchParam));
        for (int d : dims) shape.message(SHAPE_DIM, new ProtoWriter().int64(DIM_VALUE, d));
        ProtoWriter tensor = new ProtoWriter().int64(TENSOR_TYPE_ELEM, FLOAT).message(TENSOR_TYPE_SHAPE, shape);
        ProtoWriter type = new ProtoWriter().message(TYPE_TENSOR, tensor);
        return new ProtoWriter().string(VALUE_NAME, name).message(VALUE_TYPE, type);
    }

    /** OperatorSetIdProto; the default domain is the empty string (ai.onnx). */
    static ProtoWriter opset(String domain, long version) {
        return new ProtoWriter().string(OPSET_DOMAIN, domain).int64(OPSET_VERSION, version);
    }

    /** StringStringEntryProto. */
    static ProtoWriter entry(String key, String value) {
        return new ProtoWriter().string(ENTRY_KEY, key).string(ENTRY_VALUE, value);
    }
}
