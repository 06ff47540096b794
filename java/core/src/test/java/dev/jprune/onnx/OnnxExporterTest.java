package dev.jprune.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.io.AtomicFiles;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Layer;
import dev.jprune.nn.Linear;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The encoder, the graph and metadata as decoded, and bad input: no ONNX Runtime needed. */
class OnnxExporterTest {
    @TempDir Path dir;

    private static byte[] bytes(ProtoWriter w) { return w.toByteArray(); }

    private static byte[] b(int... v) {
        byte[] a = new byte[v.length];
        for (int i = 0; i < v.length; i++) a[i] = (byte) v[i];
        return a;
    }

    @Test
    void wireEncodingFollowsTheProtobufSpecExamples() {
        // protobuf.dev/programming-guides/encoding: field 1 = 150 is 08 96 01; 300 as varint is ac 02
        assertArrayEquals(b(0x08, 0x96, 0x01), bytes(new ProtoWriter().int64(1, 150)));
        assertArrayEquals(b(0x10, 0xac, 0x02), bytes(new ProtoWriter().int64(2, 300)));
        // field 2 = "testing" is 12 07 74 65 73 74 69 6e 67
        assertArrayEquals(b(0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67),
                bytes(new ProtoWriter().string(2, "testing")));
        // int64 -1: ten bytes, two's complement (not zigzag)
        assertArrayEquals(b(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
                bytes(new ProtoWriter().int64(1, -1)));
        // float 1.0f as fixed32 (wire type 5), little-endian 0x3f800000
        assertArrayEquals(b(0x0d, 0x00, 0x00, 0x80, 0x3f), bytes(new ProtoWriter().float32(1, 1f)));
        // embedded message: field 3 holding field 1 = 150 is 1a 03 08 96 01
        assertArrayEquals(b(0x1a, 0x03, 0x08, 0x96, 0x01),
                bytes(new ProtoWriter().message(3, new ProtoWriter().int64(1, 150))));
        // field number 15 (sparse_initializer) with wire type 2: tag 0x7a; field 20 (attribute type) varint: tag a0 01
        assertArrayEquals(b(0x7a, 0x00), bytes(new ProtoWriter().bytes(15, new byte[0], 0, -1)));
        assertArrayEquals(b(0xa0, 0x01, 0x07), bytes(new ProtoWriter().int64(20, 7)));
    }

    @Test
    void rawDataIsLittleEndianAndLongBuffersGrow() {
        float[] v = {1f, -2.5f, Float.MIN_VALUE};
        byte[] out = bytes(new ProtoWriter(16).floatsLe(9, v, 3));
        assertEquals(0x4a, out[0]); // field 9, wire type 2
        assertEquals(12, out[1]);
        java.nio.FloatBuffer fb = java.nio.ByteBuffer.wrap(out, 2, 12).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        for (float x : v) assertEquals(Float.floatToRawIntBits(x), Float.floatToRawIntBits(fb.get()));
        long[] big = new long[100_000];
        for (int i = 0; i < big.length; i++) big[i] = (long) i * 0x1_0000_0001L;
        byte[] o2 = bytes(new ProtoWriter(16).longsLe(9, big, big.length));
        java.nio.LongBuffer lb = java.nio.ByteBuffer.wrap(o2, o2.length - 8 * big.length, 8 * big.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        for (long x : big) assertEquals(x, lb.get());
    }

    @Test
    void modelDecodesWithOpsetIrVersionNodesAndInitializers() {
        ModelSpec m = Models.build("lenet-5", 3);
        OnnxModel onnx = OnnxExporter.export(m.net(), m.sampleShape(), OnnxExportOptions.defaults());
        OnnxDecoder.Model d = OnnxDecoder.decode(onnx.toByteArray());
        assertEquals(OnnxExporter.IR_VERSION, d.irVersion());
        assertTrue(d.opset() >= 13);
        assertEquals(List.of("Conv", "MaxPool", "Conv", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm"), d.opTypes());
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "5.weight", "5.bias", "7.weight", "7.bias"),
                List.copyOf(d.initializers().keySet()));
        assertArrayEquals(new long[] {50, 20, 5, 5}, d.initializers().get("2.weight").dims());
        assertArrayEquals(m.net().namedParameters().get("5.weight").value.data,
                d.initializers().get("5.weight").dense());
        assertEquals("dense", d.metadata().get("granularity"));
        assertEquals("none", d.metadata().get("mask_sha256"));
        assertEquals("unknown", d.metadata().get("criterion"));
        assertFalse(d.metadata().get("jprune_version").isEmpty());
        assertEquals(onnx.size(), onnx.toByteArray().length);
    }

    @Test
    void mlpInputIsFlattenedBeforeTheFirstGemmOnly() {
        ModelSpec m = Models.build("lenet-300-100", 3);
        OnnxDecoder.Model d = OnnxDecoder.decode(OnnxExporter.export(m.net(), m.sampleShape(),
                OnnxExportOptions.defaults()).toByteArray());
        assertEquals(List.of("Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"), d.opTypes());
        ModelSpec flat = Models.build("linear-regression", 3); // sample shape [10]: already 2-D, no Flatten
        assertEquals(List.of("Gemm"), OnnxDecoder.decode(OnnxExporter.export(flat.net(), flat.sampleShape(),
                OnnxExportOptions.defaults()).toByteArray()).opTypes());
    }

    @Test
    void metadataRecordsSparsityPerLayerAndAHashThatFollowsTheMasks() {
        ModelSpec m = Models.build("lenet-300-100", 3);
        ModelPruner p = new ModelPruner(m.net(), PruneSpec.global(Criterion.MAGNITUDE, 0.9));
        p.prune(0.9, p.scores(null));
        Map<String, String> meta = OnnxExporter.export(m.net(), m.sampleShape(), OnnxExportOptions.defaults()
                .withMetadata(Map.of("dataset", "mnist"))).metadata();
        com.google.gson.JsonObject sp = com.google.gson.JsonParser.parseString(meta.get("sparsity")).getAsJsonObject();
        double[] dens = p.densities();
        String[] names = p.names();
        for (int t = 0; t < names.length; t++) {
            assertEquals(1 - dens[t], sp.get(names[t]).getAsDouble(), 1e-6, names[t]);
        }
        assertEquals("mnist", meta.get("dataset"));
        assertEquals("unstructured", meta.get("granularity"));
        String hash = meta.get("mask_sha256");
        assertEquals(64, hash.length());
        byte[] mask = m.net().namedParameters().get("2.weight").mask;
        int i = 0;
        while (mask[i] == 0) i++;
        mask[i] = 0; // prune one more weight: a different pruning, a different hash
        m.net().namedParameters().get("2.weight").value.data[i] = 0f;
        assertFalse(hash.equals(OnnxExporter.maskHash(m.net())));
        assertThrows(IllegalArgumentException.class, () -> OnnxExporter.export(m.net(), m.sampleShape(),
                OnnxExportOptions.defaults().withMetadata(Map.of("producer", "me"))), "reserved key refused");
    }

    @Test
    void nmPatternIsRecognisedOnlyWhenEveryGroupKeepsExactlyN() {
        byte[] twoFour = {1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0};
        assertEquals("2:4", OnnxMetadata.nmPattern(twoFour, 8));
        assertEquals("1:2", OnnxMetadata.nmPattern(new byte[] {1, 0, 0, 1, 0, 1, 1, 0}, 4));
        byte[] unstructured = twoFour.clone();
        unstructured[0] = 0; // one group keeps 1 of 4
        assertNull(OnnxMetadata.nmPattern(unstructured, 8));
        assertNull(OnnxMetadata.nmPattern(new byte[8], 8), "all pruned is not N:M");
        // rows of 6 with 2:4: the last group of each row has 2 elements and keeps min(2, 2)
        assertEquals("2:4", OnnxMetadata.nmPattern(new byte[] {1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1}, 6));
    }

    /** A layer kind ONNX export does not know (jprune has none today). */
    private static final class Square implements Layer {
        @Override public Tensor forward(Tensor x, boolean training) { return x; }
        @Override public Tensor backward(Tensor dy) { return dy; }
        @Override public int[] outputShape(int[] s) { return s; }
        @Override public String describe() { return "Square"; }
    }

    @Test
    void anUnknownLayerIsRefusedByNameAndNothingIsWritten() {
        Sequential net = new Sequential(new Linear(4, 3, new Rng(1)), new Square(), new ReLU());
        Path out = dir.resolve("m.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExporter.write(out, net, new int[] {4}, OnnxExportOptions.defaults()));
        assertTrue(e.getMessage().contains("layer 1 Square"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void nonFiniteWeightIsRefusedByNameAndAnExistingFileIsKept() throws IOException {
        Sequential net = new Sequential(new Linear(4, 3, new Rng(1)), new ReLU(), new Linear(3, 2, new Rng(2)));
        Path out = dir.resolve("m.onnx");
        Files.writeString(out, "previous");
        net.namedParameters().get("2.weight").value.data[4] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExporter.write(out, net, new int[] {4}, OnnxExportOptions.defaults()));
        assertTrue(e.getMessage().contains("'2.weight' element 4 is NaN"), e.getMessage());
        net.namedParameters().get("2.weight").value.data[4] = Float.NEGATIVE_INFINITY;
        assertThrows(IllegalArgumentException.class, () -> OnnxExporter.write(out, net, new int[] {4},
                OnnxExportOptions.defaults()));
        assertEquals("previous", Files.readString(out));
        assertEquals(1, fileCount(), "no temporary file left");
    }

    @Test
    void prunedButNonzeroWeightIsRefused() {
        Sequential net = new Sequential(new Linear(4, 3, new Rng(1)));
        net.namedParameters().get("0.weight").mask = new byte[12]; // all pruned, values left nonzero
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExporter.export(net, new int[] {4}, OnnxExportOptions.defaults()));
        assertTrue(e.getMessage().contains("pruned (mask 0) but not zero"), e.getMessage());
    }

    @Test
    void wrongSampleShapeIsRefused() {
        ModelSpec m = Models.build("lenet-5", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExporter.export(m.net(), new int[] {3, 32, 32}, OnnxExportOptions.defaults()));
        assertTrue(e.getMessage().contains("sample shape [3, 32, 32] does not fit"), e.getMessage());
    }

    @Test
    void unwritablePathsFailNamingTheFileAndLeaveNothing() throws IOException {
        ModelSpec m = Models.build("linear-regression", 1);
        Path missing = dir.resolve("no-such-dir").resolve("m.onnx");
        IOException e = assertThrows(IOException.class, () -> OnnxExporter.write(missing, m.net(), m.sampleShape(),
                OnnxExportOptions.defaults()));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("does not exist"),
                e.getMessage());
        Path sub = Files.createDirectory(dir.resolve("sub"));
        e = assertThrows(IOException.class, () -> OnnxExporter.write(sub, m.net(), m.sampleShape(),
                OnnxExportOptions.defaults()));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        assertEquals(1, fileCount(), "only the directory 'sub'");
        Path ok = dir.resolve("ok.onnx");
        OnnxModel written = OnnxExporter.write(ok, m.net(), m.sampleShape(), OnnxExportOptions.defaults());
        assertArrayEquals(written.toByteArray(), Files.readAllBytes(ok));
    }

    @Test
    void aWriteThatFailsHalfwayLeavesTheOldFileAndNoTemporary() throws IOException {
        Path out = dir.resolve("m.onnx");
        Files.writeString(out, "previous");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(out, ch -> {
            ch.write(java.nio.ByteBuffer.allocate(4096));
            throw new IOException("No space left on device");
        }));
        assertEquals("No space left on device", e.getMessage());
        assertEquals("previous", Files.readString(out));
        assertEquals(1, fileCount(), "the temporary file is gone");
    }

    private long fileCount() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
