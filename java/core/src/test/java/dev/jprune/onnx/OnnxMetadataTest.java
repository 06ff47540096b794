package dev.jprune.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.jprune.nn.Linear;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.util.Rng;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The metadata_props the exporter derives from the masks: granularity per layer mix, the N:M layout text, which
 * optional keys appear, and mask_sha256 against its documented byte format.
 */
class OnnxMetadataTest {
    /** Two Linear layers (in → hidden → out) with ReLU between, seed-fixed weights. */
    private static Sequential mlp(int in, int hidden, int out) {
        return new Sequential(new Linear(in, hidden, new Rng(11)), new ReLU(), new Linear(hidden, out, new Rng(12)));
    }

    /** Sets {@code p}'s mask and zeroes the pruned values (the exporter refuses pruned nonzeros). */
    private static void prune(Parameter p, int... mask) {
        byte[] m = new byte[mask.length];
        for (int i = 0; i < mask.length; i++) {
            m[i] = (byte) mask[i];
            if (mask[i] == 0) p.value.data[i] = 0f;
        }
        p.mask = m;
    }

    private static int[] ones(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    private static Map<String, String> meta(Sequential net, int in, OnnxExportOptions o) {
        return OnnxDecoder.decode(OnnxExporter.export(net, new int[] {in}, o).toByteArray()).metadata();
    }

    private static final OnnxExportOptions NO_SHRINK = OnnxExportOptions.defaults().withShrink(false);

    @Test
    void masksThatPruneNothingReportADenseModel() {
        Sequential net = mlp(8, 4, 2);
        prune(net.namedParameters().get("0.weight"), ones(32));
        prune(net.namedParameters().get("2.weight"), ones(8));
        Map<String, String> m = meta(net, 8, NO_SHRINK);
        // masks are attached but keep every weight: nothing was pruned, so neither "unstructured" nor a structure
        assertEquals("dense", m.get("granularity"));
        assertNull(m.get("nm_pattern"));
        assertNotEquals("none", m.get("mask_sha256"), "the masks exist, so they are still hashed");
        assertEquals("{\"0.weight\":0.0,\"2.weight\":0.0}", m.get("sparsity"));
    }

    @Test
    void wholeRowsPrunedInOneLayerAndNoneInAnotherIsStructured() {
        Sequential net = mlp(8, 4, 3);
        int[] rows = ones(32);
        for (int j = 0; j < 8; j++) { rows[8 + j] = 0; rows[24 + j] = 0; } // rows 1 and 3 of [4, 8]
        prune(net.namedParameters().get("0.weight"), rows);
        prune(net.namedParameters().get("2.weight"), ones(12)); // masked, nothing pruned: still row-uniform
        Map<String, String> m = meta(net, 8, NO_SHRINK);
        assertEquals("structured", m.get("granularity"));
        assertEquals("{\"0.weight\":0.5,\"2.weight\":0.0}", m.get("sparsity"));
    }

    @Test
    void aRowMixingKeptAndPrunedEntriesMakesTheModelUnstructured() {
        Sequential net = mlp(8, 4, 3);
        int[] rows = ones(32);
        for (int j = 0; j < 8; j++) rows[8 + j] = 0; // layer 0 prunes row 1 whole
        prune(net.namedParameters().get("0.weight"), rows);
        // layer 2 [3, 4]: row 0 keeps 1 of 4, row 1 all, row 2 three: neither row-uniform nor N:M
        prune(net.namedParameters().get("2.weight"), 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1);
        Map<String, String> m = meta(net, 8, NO_SHRINK);
        assertEquals("unstructured", m.get("granularity"));
        assertNull(m.get("nm_layout"));
    }

    @Test
    void nmLayoutNamesTheGroupSizeAndTheKeptCount() {
        Sequential net = mlp(8, 4, 3);
        int[] a = new int[32], b = new int[12];
        for (int i = 0; i < 32; i++) a[i] = i % 4 < 2 ? 1 : 0; // 2 of every 4 (pairs keep 2 or 0: not 1:2)
        for (int i = 0; i < 12; i++) b[i] = i % 4 >= 2 ? 1 : 0;
        prune(net.namedParameters().get("0.weight"), a);
        prune(net.namedParameters().get("2.weight"), b);
        Map<String, String> m = meta(net, 8, NO_SHRINK);
        assertEquals("n:m", m.get("granularity"));
        assertEquals("2:4", m.get("nm_pattern"));
        String layout = m.get("nm_layout");
        assertTrue(layout.contains("in aligned groups of 4 consecutive elements along the reduction dimension, each "
                + "with exactly 2 nonzeros"), layout);
    }

    @Test
    void nmPatternTakesAGroupAsLongAsTheRowAndNeverAGroupKeptWhole() {
        // rows of exactly 4: one group of 4 per row (1:2 is skipped: the first pair keeps both)
        assertEquals("2:4", OnnxMetadata.nmPattern(new byte[] {1, 1, 0, 0, 0, 1, 1, 0}, 4));
        // every element kept: N = M is no pattern at any M
        assertNull(OnnxMetadata.nmPattern(new byte[] {1, 1, 1, 1, 1, 1, 1, 1}, 8));
        // rows shorter than a group: only the smaller groups are tried
        assertEquals("1:2", OnnxMetadata.nmPattern(new byte[] {0, 1, 1, 0, 1}, 5));
        assertNull(OnnxMetadata.nmPattern(new byte[] {1}, 1));
    }

    @Test
    void shrunkUnitsAppearExactlyWhenUnitsWereDropped() {
        Sequential net = mlp(6, 4, 3);
        int[] rows = ones(24);
        for (int j = 0; j < 6; j++) rows[12 + j] = 0; // neuron 2 of layer 0: no inputs ...
        prune(net.namedParameters().get("0.weight"), rows);
        net.namedParameters().get("0.bias").value.data[2] = 0f; // ... and no bias: a constant 0, droppable
        OnnxModel shrunk = OnnxExporter.export(net, new int[] {6}, OnnxExportOptions.defaults());
        assertEquals("{\"0\":[4,3]}", shrunk.metadata().get("shrunk_units"));
        assertEquals(1, shrunk.shrinkChanges().size());
        assertEquals(0, shrunk.shrinkChanges().get(0).layer());
        assertEquals(List.of(2), java.util.Arrays.stream(shrunk.shrinkChanges().get(0).dropped()).boxed().toList());
        assertEquals(3, shrunk.shrinkChanges().get(0).unitsAfter());

        OnnxModel kept = OnnxExporter.export(net, new int[] {6}, NO_SHRINK);
        assertFalse(kept.metadata().containsKey("shrunk_units"));
        assertTrue(kept.shrinkChanges().isEmpty());
        net.namedParameters().get("0.bias").value.data[2] = 0.5f; // constant relu(0.5) feeds layer 2: not droppable
        OnnxModel none = OnnxExporter.export(net, new int[] {6}, OnnxExportOptions.defaults());
        assertFalse(none.metadata().containsKey("shrunk_units"), none.metadata().get("shrunk_units"));
        assertTrue(none.shrinkChanges().isEmpty());
    }

    @Test
    void sparseInitializersListsOnlyTheWeightsWrittenSparse() {
        Sequential net = mlp(6, 4, 3);
        int[] few = new int[24];
        few[0] = 1; few[7] = 1; few[23] = 1; // 3 of 24 kept: sparse
        prune(net.namedParameters().get("0.weight"), few);
        OnnxExportOptions sparse = NO_SHRINK.withSparseInitializers(true);
        Map<String, String> m = meta(net, 6, sparse);
        assertEquals("[\"0.weight\"]", m.get("sparse_initializers"));
        assertFalse(meta(net, 6, NO_SHRINK).containsKey("sparse_initializers"), "dense export: no key");
        Sequential dense = mlp(6, 4, 3);
        assertFalse(meta(dense, 6, sparse).containsKey("sparse_initializers"), "nothing sparse enough: no key");
    }

    /** mask_sha256 recomputed from its Javadoc: per masked parameter, UTF-8 name, 0, int32 LE length, mask bytes. */
    private static String documentedHash(Map<String, byte[]> masks) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        for (Map.Entry<String, byte[]> e : masks.entrySet()) {
            d.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            d.update(new byte[] {0});
            d.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(e.getValue().length).array());
            d.update(e.getValue());
        }
        return HexFormat.of().formatHex(d.digest());
    }

    @Test
    void maskHashIsTheDocumentedDigestOfNamesLengthsAndMasks() throws Exception {
        Sequential net = new Sequential(new Linear(5, 3, new Rng(1)), new ReLU(), new Linear(3, 3, new Rng(2)),
                new ReLU(), new Linear(3, 2, new Rng(3)));
        prune(net.namedParameters().get("0.weight"), 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1);
        prune(net.namedParameters().get("4.weight"), 0, 1, 1, 1, 0, 1); // 2.weight has no mask: not hashed
        String hash = OnnxExporter.maskHash(net);
        Map<String, byte[]> masks = new java.util.LinkedHashMap<>();
        masks.put("0.weight", net.namedParameters().get("0.weight").mask);
        masks.put("4.weight", net.namedParameters().get("4.weight").mask);
        assertEquals(documentedHash(masks), hash);
        assertEquals(hash, meta(net, 5, NO_SHRINK).get("mask_sha256"));
    }

    @Test
    void maskHashChangesWhenTheSameMaskSitsOnAnotherLayer() {
        Sequential a = new Sequential(new Linear(4, 4, new Rng(1)), new ReLU(), new Linear(4, 4, new Rng(2)));
        Sequential b = new Sequential(new Linear(4, 4, new Rng(1)), new ReLU(), new Linear(4, 4, new Rng(2)));
        int[] mask = {1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1};
        prune(a.namedParameters().get("0.weight"), mask);
        prune(b.namedParameters().get("2.weight"), mask);
        assertNotEquals(OnnxExporter.maskHash(a), OnnxExporter.maskHash(b));
        String before = OnnxExporter.maskHash(a);
        prune(a.namedParameters().get("2.weight"), ones(16)); // one more masked parameter, nothing pruned in it
        assertNotEquals(before, OnnxExporter.maskHash(a));
    }
}
