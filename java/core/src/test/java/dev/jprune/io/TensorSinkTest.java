package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link TensorSink} buffers: the channel sees full 1 MiB writes (the last one may be shorter), whatever mix of
 * puts filled them, the bytes are the little-endian values in order, and a tensor cannot exceed its declared size.
 */
class TensorSinkTest {
    private static final int MIB = TensorSink.BUFFER_BYTES;

    /** Records every write the sink makes, and the bytes. */
    private static final class Recorder implements WritableByteChannel {
        final List<Integer> writes = new ArrayList<>();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override public int write(ByteBuffer b) {
            int n = b.remaining();
            byte[] a = new byte[n];
            b.get(a);
            bytes.writeBytes(a);
            writes.add(n);
            return n;
        }

        @Override public boolean isOpen() { return true; }

        @Override public void close() {}

        /** The write sizes, shortened when there are many (a failure message stays readable). */
        String sizes() {
            return writes.size() <= 4 ? writes.toString() : writes.size() + " writes " + writes.subList(0, 4) + "...";
        }
    }

    /** Exactly one buffer of putFloat calls reaches the channel as one 1 MiB write, bytes little-endian in order. */
    @Test
    void oneBufferOfSingleFloatsIsOneFullWrite() throws IOException {
        Recorder r = new Recorder();
        TensorSink sink = new TensorSink(r);
        int n = MIB / 4;
        sink.begin("f", 4L * n);
        for (int i = 0; i < n; i++) sink.putFloat(i - 0.25f);
        assertEquals(0, sink.remaining());
        sink.flush();
        assertEquals(List.of(MIB).toString(), r.sizes());
        float[] expect = new float[n];
        for (int i = 0; i < n; i++) expect[i] = i - 0.25f;
        assertArrayEquals(StBytes.f32(expect), r.bytes.toByteArray());
    }

    /** putFloats that starts with 4 bytes of room fills the buffer before flushing: writes of 1 MiB, then the rest. */
    @Test
    void putFloatsFillsTheLastFourBytesBeforeFlushing() throws IOException {
        Recorder r = new Recorder();
        TensorSink sink = new TensorSink(r);
        byte[] head = new byte[MIB - 4];
        for (int i = 0; i < head.length; i++) head[i] = (byte) i;
        sink.begin("head", head.length);
        sink.putBytes(head, 0, head.length);
        sink.begin("f", 12);
        sink.putFloats(new float[] {9f, 1.5f, -2f, 3f}, 1, 3);
        sink.flush();
        assertEquals(List.of(MIB, 8).toString(), r.sizes());
        byte[] all = r.bytes.toByteArray();
        assertArrayEquals(head, java.util.Arrays.copyOf(all, head.length));
        assertArrayEquals(StBytes.f32(1.5f, -2f, 3f), java.util.Arrays.copyOfRange(all, head.length, all.length));
    }

    /** putByte past one buffer: a 1 MiB write, then the rest at flush, every byte in order. */
    @Test
    void singleBytesAreBufferedAMebibyteAtATime() throws IOException {
        Recorder r = new Recorder();
        TensorSink sink = new TensorSink(r);
        int n = MIB + 3;
        sink.begin("b", n);
        for (int i = 0; i < n; i++) sink.putByte((byte) (i * 7));
        sink.flush();
        assertEquals(List.of(MIB, 3).toString(), r.sizes());
        byte[] all = r.bytes.toByteArray();
        assertEquals(n, all.length);
        for (int i = 0; i < n; i++) assertEquals((byte) (i * 7), all[i], "byte " + i);
    }

    /** A byte beyond the declared size is refused naming the tensor, whichever put brings it. */
    @Test
    void bytesBeyondTheDeclaredSizeAreRefusedNamingTheTensor() throws IOException {
        TensorSink sink = new TensorSink(new Recorder());
        sink.begin("w", 2);
        sink.putByte((byte) 1);
        assertEquals(1, sink.remaining());
        sink.putByte((byte) 2);
        IOException e = assertThrows(IOException.class, () -> sink.putByte((byte) 3));
        assertEquals("tensor 'w' wrote more bytes than its shape and dtype declare", e.getMessage());
        sink.begin("v", 4);
        assertThrows(IOException.class, () -> sink.putFloats(new float[2], 0, 2));
        sink.putFloat(1f);
        assertThrows(IOException.class, () -> sink.putFloat(1f));
    }
}
