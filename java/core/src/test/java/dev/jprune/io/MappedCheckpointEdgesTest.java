package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.*;

import java.io.IOException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MappedCheckpoint} at its edges: element-aligned reads across windows into an offset destination, a file
 * one byte short of whole windows, range checks of every read, copyTo of a file that shrank, and resources released
 * at close (checked in /proc/self/maps and /proc/self/fd, so Linux only).
 */
class MappedCheckpointEdgesTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmpdirExists() throws IOException {
        StBytes.ensureTmpdir();
    }

    private static final int N64 = 21, N32 = 37, N16 = 45;

    /** F64[21], F32[37], F16[45] as the writer lays them out: every tensor aligned to its element size. */
    private Path alignedFile(String name, long[] d, int[] w, short[] h) throws IOException {
        for (int i = 0; i < N64; i++) d[i] = Double.doubleToRawLongBits(i * 1.25 - 3);
        for (int i = 0; i < N32; i++) w[i] = Float.floatToRawIntBits(i * -0.75f + 1);
        for (int i = 0; i < N16; i++) h[i] = (short) (0x3c00 + 17 * i);
        ByteBuffer bd = ByteBuffer.allocate(8 * N64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long v : d) bd.putLong(v);
        Map<String, TensorSource> ts = new LinkedHashMap<>();
        ts.put("d", TensorEntry.raw(DType.F64, bd.array(), N64));
        ts.put("w", TensorEntry.raw(DType.F32, StBytes.i32(w), N32));
        int[] hu = new int[N16];
        for (int i = 0; i < N16; i++) hu[i] = h[i] & 0xffff;
        ts.put("h", TensorEntry.raw(DType.F16, StBytes.u16(hu), N16));
        Path p = dir.resolve(name);
        SafeTensors.write(p, ts, null);
        return p;
    }

    /** Reads into dst[3, 3 + n) with poison around: element-aligned tensors, windows of 64 bytes, ranges crossing. */
    @Test
    void alignedRawReadsAcrossWindowsLandAtTheDestinationOffset() throws IOException {
        long[] d = new long[N64];
        int[] w = new int[N32];
        short[] h = new short[N16];
        CheckpointFiles files = CheckpointFiles.open(alignedFile("aligned.safetensors", d, w, h));
        for (CheckpointFiles.Tensor t : files.tensors().values()) {
            assertEquals(0, t.fileOffset() % t.dtype().size(), t.name() + " is element-aligned");
        }
        int[][] ranges = {{0, N16}, {3, 30}, {10, 11}, {0, N32}, {1, N64 - 1}};
        try (MappedCheckpoint m = MappedCheckpoint.open(files, 64)) {
            for (int[] r : ranges) {
                int from = r[0];
                int nd = Math.min(r[1], N64 - from), nw = Math.min(r[1], N32 - from), nh = Math.min(r[1], N16 - from);
                long[] gd = new long[nd + 4];
                int[] gw = new int[nw + 4];
                short[] gh = new short[nh + 4];
                java.util.Arrays.fill(gd, -1L);
                java.util.Arrays.fill(gw, -1);
                java.util.Arrays.fill(gh, (short) -1);
                m.readRaw(files.get("d"), from, nd, gd, 3);
                m.readRaw(files.get("w"), from, nw, gw, 3);
                m.readRaw(files.get("h"), from, nh, gh, 3);
                for (int k : new int[] {0, 1, 2}) {
                    assertEquals(-1L, gd[k]);
                    assertEquals(-1, gw[k]);
                    assertEquals(-1, gh[k]);
                }
                assertEquals(-1L, gd[nd + 3]);
                assertEquals(-1, gw[nw + 3]);
                assertEquals(-1, gh[nh + 3]);
                for (int i = 0; i < nd; i++) assertEquals(d[from + i], gd[3 + i], "d element " + (from + i));
                for (int i = 0; i < nw; i++) assertEquals(w[from + i], gw[3 + i], "w element " + (from + i));
                for (int i = 0; i < nh; i++) assertEquals(h[from + i], gh[3 + i], "h element " + (from + i));
            }
        }
    }

    /** A file whose size is one byte short of a whole number of windows maps, and its last byte reads back. */
    @Test
    void aFileOneByteShortOfWholeWindowsMapsAndReadsToItsLastByte() throws IOException {
        Path p = null;
        byte[] data = null;
        for (int len = 100; len < 200 && p == null; len++) {
            data = new byte[len];
            for (int i = 0; i < len; i++) data[i] = (byte) (31 * i + 5);
            Path q = dir.resolve("u8-" + len + ".safetensors");
            SafeTensors.write(q, Map.of("u", TensorEntry.u8(data, len)), null);
            if (Files.size(q) % 64 == 63) p = q;
        }
        assertNotNull(p, "some length gives a size of 63 mod 64");
        CheckpointFiles files = CheckpointFiles.open(p);
        try (MappedCheckpoint m = MappedCheckpoint.open(files, 64)) {
            ByteBuffer b = ByteBuffer.allocate(data.length);
            m.readBytes(files.get("u"), 0, data.length, b);
            assertArrayEquals(data, b.array());
        }
    }

    /** Every read checks its range against the tensor (before touching memory), and refuses to run once closed. */
    @Test
    void everyReadChecksItsRangeAndRefusesAfterClose() throws IOException {
        CheckpointFiles files = CheckpointFiles.open(alignedFile("ranges.safetensors", new long[N64], new int[N32],
                new short[N16]));
        CheckpointFiles.Tensor d = files.get("d"), w = files.get("w"), h = files.get("h");
        MappedCheckpoint m = MappedCheckpoint.open(files, 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.readFloats(w, 30, 8, new float[8], 0));
        assertEquals("w: elements [30, 38) outside [0, 37)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.readRaw(h, 40, 6, new short[6], 0));
        assertThrows(IllegalArgumentException.class, () -> m.readRaw(w, 30, 8, new int[8], 0));
        assertThrows(IllegalArgumentException.class, () -> m.readRaw(d, 20, 2, new long[2], 0));
        assertThrows(IllegalArgumentException.class, () -> m.readBytes(w, 30, 8, ByteBuffer.allocate(64)));
        ByteBuffer exact = ByteBuffer.allocate(4 * 5);
        m.readBytes(w, 2, 5, exact); // a buffer with exactly the room needed is enough
        assertEquals(20, exact.position());
        assertThrows(BufferOverflowException.class, () -> m.readBytes(w, 2, 5, ByteBuffer.allocate(19)));
        m.close();
        assertThrows(IllegalStateException.class, () -> m.readRaw(h, 0, 1, new short[1], 0));
        assertThrows(IllegalStateException.class, () -> m.readRaw(w, 0, 1, new int[1], 0));
        assertThrows(IllegalStateException.class, () -> m.readRaw(d, 0, 1, new long[1], 0));
        assertThrows(IllegalStateException.class, () -> m.readBytes(w, 0, 1, ByteBuffer.allocate(4)));
        try (FileChannel out = FileChannel.open(dir.resolve("out"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            assertThrows(IllegalStateException.class, () -> m.copyTo(w, out, 0));
        }
    }

    /** copyTo writes the tensor's bytes at the position; a file cut short under it is reported, never looped on. */
    @Test
    @Timeout(10)
    void copyToCopiesTheBytesAndReportsAFileThatShrank() throws IOException {
        float[] a = new float[64], b = new float[1000];
        for (int i = 0; i < a.length; i++) a[i] = i + 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = -i;
        Map<String, TensorSource> ts = new LinkedHashMap<>();
        ts.put("a", TensorEntry.f32(a, 64));
        ts.put("b", TensorEntry.f32(b, 1000));
        Path p = dir.resolve("copy.safetensors");
        SafeTensors.write(p, ts, null);
        CheckpointFiles files = CheckpointFiles.open(p);
        CheckpointFiles.Tensor tb = files.get("b");
        try (MappedCheckpoint m = MappedCheckpoint.open(files, 64);
                FileChannel out = FileChannel.open(dir.resolve("out"), StandardOpenOption.CREATE,
                        StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            m.copyTo(files.get("a"), out, 5);
            ByteBuffer got = ByteBuffer.allocate(256);
            out.read(got, 5);
            assertArrayEquals(StBytes.f32(a), got.array());
            assertEquals(tb.fileOffset() + 4000, Files.size(p), "b ends the file");
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.truncate(tb.fileOffset() + 2000);
            }
            // a transfer of 0 bytes must end the loop; @Timeout interrupts (closes the channel) if it would not
            SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> m.copyTo(tb, out, 0));
            assertEquals(p + ": tensor 'b' ended early (file changed while reading?)", e.getMessage());
        }
    }

    private static boolean mapped(Path real) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.endsWith(" " + real));
    }

    private static boolean openFile(Path real) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : s.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).equals(real)) return true;
                } catch (IOException gone) {
                    // the listing's own descriptor, closed by now
                }
            }
        }
        return false;
    }

    /** close() unmaps every window and closes every file at once, not when the collector gets round to it. */
    @Test
    void closeUnmapsEveryWindowAndClosesEveryFileAtOnce() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")) && Files.isDirectory(Path.of("/proc/self/fd")));
        Path p = alignedFile("close.safetensors", new long[N64], new int[N32], new short[N16]).toRealPath();
        MappedCheckpoint m = MappedCheckpoint.open(CheckpointFiles.open(p), 64);
        assertTrue(mapped(p) && openFile(p), "open: the file is mapped and open (the checks can see it)");
        m.close();
        assertFalse(mapped(p), "no window left mapped");
        assertFalse(openFile(p), "no descriptor left open");
    }

    /** When a later shard cannot be opened, the shards already mapped are released before the error propagates. */
    @Test
    void aShardThatCannotBeOpenedReleasesTheShardsAlreadyMapped() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")) && Files.isDirectory(Path.of("/proc/self/fd")));
        Path s1 = dir.resolve("s1.safetensors").toAbsolutePath(), s2 = dir.resolve("s2.safetensors");
        SafeTensors.write(s1, Map.of("a", TensorEntry.f32(new float[300], 300)), null);
        SafeTensors.write(s2, Map.of("b", TensorEntry.f32(new float[3], 3)), null);
        Path index = Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}");
        CheckpointFiles files = CheckpointFiles.open(index);
        assertEquals(s1.toRealPath(), files.files().get(0).toRealPath(), "s1 is mapped first");
        Path real1 = s1.toRealPath();
        Files.delete(s2);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> MappedCheckpoint.open(files, 64));
        assertTrue(e.getMessage().startsWith(index + ": cannot map: "), e.getMessage());
        assertFalse(mapped(real1), "s1's windows are unmapped");
        assertFalse(openFile(real1), "s1 is closed");
    }
}
