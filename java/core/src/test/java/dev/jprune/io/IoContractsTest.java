package dev.jprune.io;

import static dev.jprune.io.StBytes.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small contracts of the io package's value types, and mask storage in checkpoints. */
class IoContractsTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmpdirExists() throws IOException {
        StBytes.ensureTmpdir();
    }

    /** A size mismatch names the elements and bytes the shape needs (n x dtype size) and the bytes given. */
    @Test
    void tensorEntrySizeMismatchNamesTheBytesTheShapeNeeds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TensorEntry.raw(DType.I32, new byte[6], 2));
        assertEquals("TensorEntry I32[2]: needs 2 elements (8 bytes) but data has 6 bytes", e.getMessage());
    }

    /** A BOOL byte other than 0/1 is named by its unsigned value. */
    @Test
    void tensorEntryBoolNamesABadByteUnsigned() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TensorEntry.bool(bytes(0, 200), 2));
        assertEquals("TensorEntry.bool: element 1 is 200, not 0 or 1", e.getMessage());
    }

    /** raw(F32, bytes) decodes the little-endian bytes into floats(). */
    @Test
    void rawF32DecodesItsBytes() {
        float[] v = {1.5f, -2f, 3e-5f, Float.MIN_VALUE};
        assertArrayEquals(v, TensorEntry.raw(DType.F32, f32(v), 2, 2).floats());
    }

    /** Layout names parse case-insensitively; anything else is refused naming the accepted values. */
    @Test
    void layoutParsesItsCliNamesOnly() {
        for (Layout l : Layout.values()) {
            assertSame(l, Layout.parse(l.cliName()));
            assertSame(l, Layout.parse(l.cliName().toUpperCase(java.util.Locale.ROOT)));
        }
        assertSame(Layout.TORCH_PRUNE, Layout.parse("Torch-Prune"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Layout.parse("pruned"));
        assertEquals("--layout must be masked, torch-prune or plain, got 'pruned'", e.getMessage());
    }

    /** A header tensor's element count is its byte length over its element size. */
    @Test
    void headerTensorCountsElementsByDtypeSize() {
        assertEquals(6, new SafeTensorHeader.Tensor("d", DType.F64, new int[] {3, 2}, 8, 48).elementCount());
        assertEquals(5, new SafeTensorHeader.Tensor("h", DType.BF16, new int[] {5}, 8, 10).elementCount());
    }

    /** A plan spec keeps a copy of the shape and hands out copies. */
    @Test
    void planSpecShapeIsACopy() {
        int[] shape = {2, 3};
        SafeTensorsPlan.Spec s = new SafeTensorsPlan.Spec("a", DType.F32, shape);
        shape[0] = 9;
        assertArrayEquals(new int[] {2, 3}, s.shape());
        s.shape()[1] = 9;
        assertArrayEquals(new int[] {2, 3}, s.shape());
    }

    /** JSON strings escape control characters (below U+0020) only: a space stays a space. */
    @Test
    void jsonStringsKeepSpacesAndEscapeControlCharacters() {
        assertEquals("\"a b\\u001f~\"", SafeTensorsPlan.appendString(new StringBuilder(), "a b\u001f~").toString());
    }

    /** An index path that is missing, or a folder, is refused saying which. */
    @Test
    void anIndexThatIsMissingOrAFolderIsRefusedSayingWhich() throws IOException {
        Path missing = dir.resolve("missing.index.json");
        assertEquals(missing + ": no such file",
                assertThrows(SafeTensorsException.class, () -> CheckpointFiles.open(missing)).getMessage());
        Path folder = Files.createDirectory(dir.resolve("folder.index.json"));
        assertEquals(folder + ": is not a regular file",
                assertThrows(SafeTensorsException.class, () -> CheckpointFiles.open(folder)).getMessage());
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin
                + "," + end + "]}";
    }

    /** Masks stored as F16, BF16 or F64 0/1 load as the same 0/1 mask as F32 ones. */
    @Test
    void masksStoredAsHalfBfloatOrDoubleLoad() throws IOException {
        Object[][] kinds = {
            {"F16", u16(0x3c00, 0, 0x3c00, 0, 0x3c00, 0x3c00), 12},
            {"BF16", u16(0x3f80, 0, 0x3f80, 0, 0x3f80, 0x3f80), 12},
            {"F64", f64(1, 0, 1, 0, 1, 1), 48}};
        for (Object[] k : kinds) {
            String dtype = (String) k[0];
            int maskBytes = (Integer) k[2];
            String json = "{" + entry("0.weight", "F32", "[2,3]", 0, 24) + "," + entry("0.bias", "F32", "[2]", 24, 32)
                    + "," + entry("1.weight", "F32", "[1,2]", 32, 40) + "," + entry("1.bias", "F32", "[1]", 40, 44)
                    + "," + entry("0.weight_mask", dtype, "[2,3]", 44, 44 + maskBytes) + "}";
            Path p = Files.write(dir.resolve("mask-" + dtype + ".safetensors"),
                    file(json, f32(1, 0, 2, 0, 3, 4), f32(5, 6), f32(7, 8), f32(9), (byte[]) k[1]));
            Sequential m = new Sequential(new TinyDense(3, 2), new TinyDense(2, 1));
            Checkpoint.load(p, m);
            assertArrayEquals(bytes(1, 0, 1, 0, 1, 1), m.namedParameters().get("0.weight").mask, dtype);
        }
    }

    /** A mask longer than one 64 Ki chunk (and not a multiple of it) is written as F32 0/1, every element. */
    @Test
    void aMaskLongerThanOneChunkIsSavedWhole() throws IOException {
        Sequential m = new Sequential(new TinyDense(300, 250)); // 75000 weights: 65536 + 9464
        Parameter w = m.namedParameters().get("0.weight");
        int n = w.value.data.length;
        byte[] mask = new byte[n];
        for (int i = 0; i < n; i++) {
            mask[i] = (byte) (i % 3 == 0 ? 0 : 1);
            w.value.data[i] = mask[i] == 0 ? 0f : 1f + i;
        }
        w.mask = mask;
        Path p = dir.resolve("big-mask.safetensors");
        Checkpoint.save(p, m);
        float[] saved = SafeTensors.read(p).get("0.weight" + Checkpoint.MASK_SUFFIX).floats();
        assertEquals(n, saved.length);
        for (int i = 0; i < n; i++) assertEquals(mask[i], saved[i], "mask element " + i);
    }

    /** A parameter with no elements saves its (empty) mask and loads back. */
    @Test
    void anEmptyMaskIsSaved() throws IOException {
        Sequential m = new Sequential(new TinyDense(0, 2));
        m.namedParameters().get("0.weight").mask = new byte[0];
        Path p = dir.resolve("empty-mask.safetensors");
        Checkpoint.save(p, m); // a chunk loop that never advances (0-length chunks) would hang here
        assertEquals(0, SafeTensors.read(p).get("0.weight" + Checkpoint.MASK_SUFFIX).floats().length);
    }
}
