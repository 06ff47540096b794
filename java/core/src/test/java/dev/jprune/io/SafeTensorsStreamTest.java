package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SafeTensors#streamFloats}: the values of the whole-file reader, in chunks, and a file that shrank. */
class SafeTensorsStreamTest {
    private static final int CHUNK = 1 << 18;

    @TempDir Path dir;

    @BeforeAll
    static void tmpdirExists() throws IOException {
        StBytes.ensureTmpdir();
    }

    /** Streams {@code t} into one array, checking the chunk contract (one reused buffer, at most 256 Ki values). */
    private static float[] stream(SafeTensorHeader h, SafeTensorHeader.Tensor t) throws IOException {
        float[] all = new float[(int) t.elementCount()];
        int[] done = {0};
        float[][] buffer = {null};
        SafeTensors.streamFloats(h, t, (values, count) -> {
            if (buffer[0] == null) buffer[0] = values;
            assertSame(buffer[0], values, "one buffer, reused");
            assertTrue(count > 0 && count <= CHUNK, "chunk of " + count);
            System.arraycopy(values, 0, all, done[0], count);
            done[0] += count;
        });
        assertEquals(all.length, done[0], t.name() + ": every value once");
        return all;
    }

    /**
     * A tensor of 2 chunks + 5 values, followed by other tensors (so a read past its end would see their bytes),
     * streams exactly the whole-file reader's values; so do the small tensors after it.
     */
    @Test
    void streamingAcrossChunksGivesTheWholeFileReadersValues() throws IOException {
        float[] big = new float[2 * CHUNK + 5];
        for (int i = 0; i < big.length; i++) big[i] = i * 0.5f - 7f;
        byte[] bf16 = StBytes.u16(0x3f80, 0xc040, 0x4049); // 1, -3, 3.140625
        byte[] i16 = StBytes.u16(7, 0xfffe);                // 7, -2
        Map<String, TensorSource> ts = new LinkedHashMap<>();
        ts.put("big", TensorEntry.f32(big, big.length));
        ts.put("half", TensorEntry.raw(DType.BF16, bf16, 3));
        ts.put("short", TensorEntry.raw(DType.I16, i16, 2));
        Path p = dir.resolve("chunks.safetensors");
        SafeTensors.write(p, ts, null);
        SafeTensorFile whole = SafeTensors.read(p);
        SafeTensorHeader h = SafeTensors.readHeader(p);
        assertEquals(big.length, h.tensors().get("big").elementCount(), "elements = bytes / 4");
        assertEquals(3, h.tensors().get("half").elementCount(), "elements = bytes / 2");
        for (SafeTensorHeader.Tensor t : h.tensors().values()) {
            float[] expect = whole.get(t.name()).toFloats();
            float[] got = stream(h, t);
            for (int i = 0; i < expect.length; i++) {
                assertEquals(Float.floatToRawIntBits(expect[i]), Float.floatToRawIntBits(got[i]),
                        t.name() + " element " + i);
            }
        }
        assertArrayEquals(big, stream(h, h.tensors().get("big")), "and the values written");
        assertArrayEquals(new float[] {1f, -3f, 3.140625f}, stream(h, h.tensors().get("half")));
        assertArrayEquals(new float[] {7f, -2f}, stream(h, h.tensors().get("short")));
    }

    /** A file truncated inside a tensor after its header was read: the stream stops with a clear error. */
    @Test
    void aFileTruncatedAfterItsHeaderWasReadIsReportedNotReadFromElsewhere() throws IOException {
        float[] a = new float[64], b = new float[1000];
        Arrays.fill(a, 1f);
        for (int i = 0; i < b.length; i++) b[i] = i;
        Map<String, TensorSource> ts = new LinkedHashMap<>();
        ts.put("a", TensorEntry.f32(a, 64));
        ts.put("b", TensorEntry.f32(b, 1000));
        Path p = dir.resolve("shrinks.safetensors");
        SafeTensors.write(p, ts, null);
        SafeTensorHeader h = SafeTensors.readHeader(p);
        SafeTensorHeader.Tensor tb = h.tensors().get("b");
        assertEquals(h.tensors().get("a").fileOffset() + 256, tb.fileOffset(), "b follows a");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(tb.fileOffset() + 2000); // half of b's 4000 bytes remain
        }
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> stream(h, tb));
        assertEquals(p + ": unexpected end of file in tensor 'b' (file changed while reading?)", e.getMessage());
    }
}
