package dev.jprune.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A test-side decoder of the ONNX fields the exporter writes, written independently of {@link OnnxProto} (field
 * numbers typed in again from onnx/onnx.proto), so a wrong number on either side fails a test. Reads the wire format
 * generically: varint (0), fixed64 (1), length-delimited (2), fixed32 (5).
 */
final class OnnxDecoder {
    /** An initializer as stored: its dense shape, values (sparse ones expanded to dense) and where it came from. */
    record Tensor(String name, long[] dims, float[] dense, boolean sparse, long[] sparseIndices) {}

    /** The decoded model: initializers by name in file order, node op types in order, metadata, opset, IR version. */
    record Model(long irVersion, long opset, Map<String, Tensor> initializers, List<String> opTypes,
                 Map<String, String> metadata) {}

    private record Field(int number, int wireType, long varint, ByteBuffer bytes) {}

    private OnnxDecoder() {}

    static Model decode(byte[] model) {
        long ir = -1, opset = -1;
        Map<String, Tensor> inits = new LinkedHashMap<>();
        List<String> ops = new ArrayList<>();
        Map<String, String> meta = new LinkedHashMap<>();
        for (Field f : fields(ByteBuffer.wrap(model))) {
            switch (f.number) {
                case 1 -> ir = f.varint;                                   // ModelProto.ir_version
                case 8 -> {                                                // ModelProto.opset_import
                    for (Field o : fields(f.bytes)) if (o.number == 2) opset = o.varint;
                }
                case 14 -> {                                               // ModelProto.metadata_props
                    String k = null, v = null;
                    for (Field e : fields(f.bytes)) {
                        if (e.number == 1) k = string(e.bytes);
                        if (e.number == 2) v = string(e.bytes);
                    }
                    meta.put(k, v);
                }
                case 7 -> graph(f.bytes, inits, ops);                      // ModelProto.graph
                default -> { }
            }
        }
        return new Model(ir, opset, inits, ops, meta);
    }

    private static void graph(ByteBuffer g, Map<String, Tensor> inits, List<String> ops) {
        for (Field f : fields(g)) {
            if (f.number == 1) {                                           // GraphProto.node
                for (Field n : fields(f.bytes)) if (n.number == 4) ops.add(string(n.bytes));
            } else if (f.number == 5) {                                    // GraphProto.initializer
                Dense t = tensor(f.bytes);
                inits.put(t.name, new Tensor(t.name, t.dims, t.floats(), false, null));
            } else if (f.number == 15) {                                   // GraphProto.sparse_initializer
                Dense values = null, indices = null;
                List<Long> dims = new ArrayList<>();
                for (Field s : fields(f.bytes)) {
                    if (s.number == 1) values = tensor(s.bytes);
                    if (s.number == 2) indices = tensor(s.bytes);
                    if (s.number == 3) dims.add(s.varint);
                }
                long[] d = dims.stream().mapToLong(Long::longValue).toArray();
                long size = 1;
                for (long x : d) size *= x;
                float[] dense = new float[(int) size];
                float[] v = values.floats();
                long[] idx = indices.longs();
                for (int i = 0; i < idx.length; i++) dense[(int) idx[i]] = v[i];
                inits.put(values.name, new Tensor(values.name, d, dense, true, idx));
            }
        }
    }

    private record Dense(String name, long[] dims, int dataType, ByteBuffer raw) {
        float[] floats() {
            if (dataType != 1) throw new AssertionError(name + ": data_type " + dataType + ", expected FLOAT (1)");
            float[] a = new float[raw.remaining() / 4];
            raw.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(a);
            return a;
        }

        long[] longs() {
            if (dataType != 7) throw new AssertionError(name + ": data_type " + dataType + ", expected INT64 (7)");
            long[] a = new long[raw.remaining() / 8];
            raw.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(a);
            return a;
        }
    }

    private static Dense tensor(ByteBuffer b) {
        List<Long> dims = new ArrayList<>();
        String name = null;
        int type = 0;
        ByteBuffer raw = null;
        for (Field f : fields(b)) {
            switch (f.number) {
                case 1 -> dims.add(f.varint);             // TensorProto.dims
                case 2 -> type = (int) f.varint;          // TensorProto.data_type
                case 8 -> name = string(f.bytes);         // TensorProto.name
                case 9 -> raw = f.bytes;                  // TensorProto.raw_data
                default -> { }
            }
        }
        return new Dense(name, dims.stream().mapToLong(Long::longValue).toArray(), type, raw);
    }

    private static List<Field> fields(ByteBuffer in) {
        ByteBuffer b = in.duplicate();
        List<Field> out = new ArrayList<>();
        while (b.hasRemaining()) {
            long tag = varint(b);
            int number = (int) (tag >>> 3), wire = (int) (tag & 7);
            switch (wire) {
                case 0 -> out.add(new Field(number, wire, varint(b), null));
                case 1 -> { b.position(b.position() + 8); out.add(new Field(number, wire, 0, null)); }
                case 5 -> { b.position(b.position() + 4); out.add(new Field(number, wire, 0, null)); }
                case 2 -> {
                    int len = (int) varint(b);
                    ByteBuffer sub = b.slice(b.position(), len);
                    b.position(b.position() + len);
                    out.add(new Field(number, wire, 0, sub));
                }
                default -> throw new AssertionError("wire type " + wire + " at field " + number);
            }
        }
        return out;
    }

    private static long varint(ByteBuffer b) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b.get();
            v |= (long) (x & 0x7F) << shift;
            if (x >= 0) return v;
        }
    }

    private static String string(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return new String(a, StandardCharsets.UTF_8);
    }
}
