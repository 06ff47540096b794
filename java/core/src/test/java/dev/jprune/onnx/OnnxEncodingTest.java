package dev.jprune.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.jprune.nn.Dropout;
import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The writer's buffer growth and offsets, tensors at their edges (empty, all pruned), the dense/sparse choice at its
 * boundary and the {@link OnnxModel.Initializer} records, each checked by decoding what was written.
 */
class OnnxEncodingTest {
    /** {@code tensor} (a TensorProto) wrapped as the only initializer of a model, decoded. */
    private static OnnxDecoder.Tensor decodeInitializer(ProtoWriter tensor, boolean sparse) {
        ProtoWriter graph = new ProtoWriter().message(sparse ? 15 : 5, tensor);
        ProtoWriter model = new ProtoWriter().message(7, graph);
        return OnnxDecoder.decode(model.toByteArray()).initializers().values().iterator().next();
    }

    private static float[] randoms(int n, long seed) {
        float[] v = new float[n];
        new Rng(seed).fillUniform(v, -3f, 3f);
        return v;
    }

    @Test
    void bytesWritesFromTheOffsetToTheEndOrExactlyLenBytes() {
        byte[] b = {1, 2, 3, 4, 5};
        assertArrayEquals(new byte[] {0x12, 3, 3, 4, 5}, new ProtoWriter().bytes(2, b, 2, -1).toByteArray());
        assertArrayEquals(new byte[] {0x12, 2, 2, 3}, new ProtoWriter().bytes(2, b, 1, 2).toByteArray());
        assertArrayEquals(new byte[] {0x12, 0}, new ProtoWriter().bytes(2, b, 1, 0).toByteArray(), "len 0: empty");
    }

    @Test
    void floatPayloadsLargerThanTheBufferGrowItAndDecodeBitForBit() {
        ProtoWriter w = new ProtoWriter(16);
        float[] first = randoms(1000, 1), second = randoms(37, 2);
        first[5] = Float.NaN;
        first[6] = -0f;
        w.int64(1, 7).floatsLe(9, first, first.length).float32(3, 2.5f).floatsLe(9, second, second.length);
        ByteBuffer b = ByteBuffer.wrap(w.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(w.size(), b.remaining());
        assertEquals(0x08, b.get());
        assertEquals(7, b.get());
        assertEquals(0x4a, b.get());
        assertEquals(4000, (b.get() & 0x7f) | (b.get() & 0x7f) << 7); // varint 4000 = a0 1f
        for (float x : first) assertEquals(Float.floatToRawIntBits(x), b.getInt());
        assertEquals(0x1d, b.get()); // field 3, fixed32
        assertEquals(2.5f, b.getFloat());
        assertEquals(0x4a, b.get());
        assertEquals(148, (b.get() & 0x7f) | (b.get() & 0x7f) << 7);
        for (float x : second) assertEquals(Float.floatToRawIntBits(x), b.getInt());
        assertFalse(b.hasRemaining());
    }

    @Test
    void floatTensorDecodesWithItsDimsNameAndValues() {
        float[] v = randoms(7 * 129, 3);
        OnnxDecoder.Tensor t = decodeInitializer(OnnxProto.floatTensor("w", new int[] {7, 129}, v), false);
        assertEquals("w", t.name());
        assertArrayEquals(new long[] {7, 129}, t.dims());
        assertArrayEquals(v, t.dense());
        OnnxDecoder.Tensor empty = decodeInitializer(OnnxProto.floatTensor("e", new int[] {0, 3}, new float[0]), false);
        assertArrayEquals(new long[] {0, 3}, empty.dims(), "an empty tensor keeps its dims");
        assertEquals(0, empty.dense().length);
    }

    @Test
    void sparseTensorDecodesToItsDenseValues() {
        float[] values = {1.5f, -2f, 3.25f};
        long[] indices = {0, 40, 99};
        OnnxDecoder.Tensor t = decodeInitializer(OnnxProto.sparseFloatTensor("s", new int[] {10, 10}, values, indices,
                3), true);
        assertEquals("s", t.name());
        assertArrayEquals(new long[] {10, 10}, t.dims());
        assertArrayEquals(indices, t.sparseIndices());
        float[] dense = new float[100];
        dense[0] = 1.5f; dense[40] = -2f; dense[99] = 3.25f;
        assertArrayEquals(dense, t.dense());
        OnnxDecoder.Tensor none = decodeInitializer(OnnxProto.sparseFloatTensor("z", new int[] {2, 3}, new float[0],
                new long[0], 0), true);
        assertArrayEquals(new long[] {2, 3}, none.dims());
        assertArrayEquals(new float[6], none.dense(), "no nonzeros: all zero");
    }

    /** Linear(6 → 4) whose weight keeps {@code kept} of its 24 entries (the first ones), then ReLU, Linear(4 → 3). */
    private static Sequential keeping(int kept) {
        Sequential net = new Sequential(new Linear(6, 4, new Rng(5)), new ReLU(), new Linear(4, 3, new Rng(6)));
        float[] w = net.namedParameters().get("0.weight").value.data;
        for (int i = kept; i < w.length; i++) w[i] = 0f;
        return net;
    }

    private static final OnnxExportOptions SPARSE = OnnxExportOptions.defaults().withShrink(false)
            .withSparseInitializers(true);

    @Test
    void aWeightGoesSparseOnlyWhenFewerThanAThirdOfItsEntriesAreNonzero() {
        OnnxModel third = OnnxExporter.export(keeping(8), new int[] {6}, SPARSE); // 8 of 24: 12 B each ≥ 4 B dense
        assertFalse(third.initializers().get(0).sparse());
        assertFalse(OnnxDecoder.decode(third.toByteArray()).initializers().get("0.weight").sparse());
        Sequential fewer = keeping(7);
        OnnxModel m = OnnxExporter.export(fewer, new int[] {6}, SPARSE);
        assertTrue(m.initializers().get(0).sparse());
        OnnxDecoder.Tensor t = OnnxDecoder.decode(m.toByteArray()).initializers().get("0.weight");
        assertTrue(t.sparse());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6}, t.sparseIndices());
        assertArrayEquals(fewer.namedParameters().get("0.weight").value.data, t.dense());
        OnnxModel dense = OnnxExporter.export(keeping(24), new int[] {6}, SPARSE);
        assertFalse(dense.initializers().get(0).sparse(), "a dense weight stays dense");
    }

    @Test
    void anAllZeroWeightIsWrittenAsAnEmptySparseInitializer() {
        Sequential net = keeping(0);
        OnnxModel m = OnnxExporter.export(net, new int[] {6}, SPARSE);
        OnnxDecoder.Tensor t = OnnxDecoder.decode(m.toByteArray()).initializers().get("0.weight");
        assertTrue(t.sparse());
        assertArrayEquals(new long[] {4, 6}, t.dims());
        assertEquals(0, t.sparseIndices().length);
        assertArrayEquals(new float[24], t.dense());
        assertEquals(0, m.initializers().get(0).nonzeros());
    }

    @Test
    void initializerRecordsListEveryTensorWithShapeSizeAndNonzeros() {
        Sequential net = keeping(5);
        OnnxModel m = OnnxExporter.export(net, new int[] {6}, SPARSE);
        List<OnnxModel.Initializer> inits = m.initializers();
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"),
                inits.stream().map(OnnxModel.Initializer::name).toList());
        assertArrayEquals(new int[] {4, 6}, inits.get(0).shape());
        assertEquals(24, inits.get(0).size());
        assertEquals(5, inits.get(0).nonzeros());
        assertTrue(inits.get(0).sparse());
        assertArrayEquals(new int[] {3, 4}, inits.get(2).shape());
        assertEquals(12, inits.get(2).size());
        assertEquals(12, inits.get(2).nonzeros());
        assertFalse(inits.get(1).sparse(), "biases stay dense");
        assertEquals(4, inits.get(1).size());
        int[] shape = inits.get(0).shape();
        shape[0] = 99;
        assertArrayEquals(new int[] {4, 6}, inits.get(0).shape(), "shape() is a copy");
    }

    @Test
    void aModelOfOnlyDropoutIsAnIdentityThatRuntimesRun() throws Exception {
        Sequential net = new Sequential(new Dropout(0.5f, 1));
        OnnxModel m = OnnxExporter.export(net, new int[] {3}, OnnxExportOptions.defaults());
        OnnxDecoder.Model d = OnnxDecoder.decode(m.toByteArray());
        assertEquals(List.of("Identity"), d.opTypes());
        assertTrue(m.initializers().isEmpty());
        OrtEnvironment env = OrtSupport.environment();
        float[] x = {1f, -2f, 3.5f, 0.25f, -0f, 7f};
        try (OrtSession s = OrtSupport.session(env, m.toByteArray())) {
            assertArrayEquals(x, OrtSupport.run(env, s, x, 2, 3));
        }
    }
}
