package dev.jprune.io;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * The tensors of a {@link CheckpointFiles} read through memory maps, never copied whole into the heap: each file is
 * mapped in windows of 1 GiB (a tensor larger than a window, or than the 2 GiB a Java map can hold, spans several),
 * and values are converted to float a block at a time into the caller's array. Reads are safe from several threads
 * at once. The files must not change while mapped (a file truncated under a map makes reads fail).
 *
 * <p>Windows overlap by {@value #OVERLAP} bytes, so an element that starts in a window ends in it whatever the
 * alignment of the tensor's offset; a read crossing a window boundary is split there.
 */
public final class MappedCheckpoint implements AutoCloseable {
    /** Bytes each window adds to the next one's start: larger than any element. */
    static final int OVERLAP = 16;
    /** Window size of {@link #open(CheckpointFiles)}. */
    static final long WINDOW = 1L << 30;

    private final CheckpointFiles files;
    private final long window;
    private final FileChannel[] channels;
    private final MappedByteBuffer[][] maps;  // [file][window], little-endian
    private final FloatBuffer[][] floats;     // views of maps: float k = bytes [4k, 4k + 4) of the window
    private final ShortBuffer[][] shorts;     // likewise for raw 2-, 4- and 8-byte elements
    private final IntBuffer[][] ints;
    private final LongBuffer[][] longs;
    private volatile boolean closed;

    private MappedCheckpoint(CheckpointFiles files, long window) throws IOException {
        if (window < 64 || window % 8 != 0 || window > Integer.MAX_VALUE - OVERLAP) {
            throw new IllegalArgumentException("MappedCheckpoint: window of " + window + " bytes");
        }
        this.files = files;
        this.window = window;
        int nf = files.files().size();
        channels = new FileChannel[nf];
        maps = new MappedByteBuffer[nf][];
        floats = new FloatBuffer[nf][];
        shorts = new ShortBuffer[nf][];
        ints = new IntBuffer[nf][];
        longs = new LongBuffer[nf][];
        try {
            for (int f = 0; f < nf; f++) {
                channels[f] = FileChannel.open(files.files().get(f), StandardOpenOption.READ);
                long size = channels[f].size();
                int nw = (int) Math.max(1, (size + window - 1) / window);
                maps[f] = new MappedByteBuffer[nw];
                floats[f] = new FloatBuffer[nw];
                shorts[f] = new ShortBuffer[nw];
                ints[f] = new IntBuffer[nw];
                longs[f] = new LongBuffer[nw];
                for (int w = 0; w < nw; w++) {
                    long base = w * window, len = Math.min(size - base, window + OVERLAP);
                    MappedByteBuffer m = channels[f].map(FileChannel.MapMode.READ_ONLY, base, Math.max(0, len));
                    m.order(ByteOrder.LITTLE_ENDIAN);
                    maps[f][w] = m;
                    floats[f][w] = m.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                    shorts[f][w] = m.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
                    ints[f][w] = m.duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
                    longs[f][w] = m.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
                }
            }
        } catch (IOException e) {
            close();
            throw new SafeTensorsException(files.path(), "cannot map: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Maps every file of {@code files} (read only).
     *
     * @throws SafeTensorsException when a file cannot be opened or mapped
     */
    public static MappedCheckpoint open(CheckpointFiles files) throws IOException {
        return new MappedCheckpoint(files, WINDOW);
    }

    /** {@link #open(CheckpointFiles)} with windows of {@code windowBytes} (tests cross windows with small files). */
    static MappedCheckpoint open(CheckpointFiles files, long windowBytes) throws IOException {
        return new MappedCheckpoint(files, windowBytes);
    }

    /** The checkpoint mapped. */
    public CheckpointFiles files() { return files; }

    /**
     * Converts elements {@code [from, from + n)} of {@code t} (F32, F16, BF16 or F64) to float into
     * {@code out[off, off + n)}, exactly (F64 rounds to the nearest float). Modifies {@code out} only.
     *
     * @throws IllegalArgumentException for a null argument, another dtype, a range outside the tensor, or
     *     {@code [off, off + n)} outside {@code out} (nothing is written then)
     */
    public void readFloats(CheckpointFiles.Tensor t, long from, int n, float[] out, int off) {
        checkRange(t, from, n);
        checkDestination(t, n, out == null ? -1 : out.length, off);
        int es = t.dtype().size();
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(t.name() + " is " + t.dtype() + ", not floating point");
        }
        long pos = t.fileOffset() + from * es;
        while (n > 0) {
            int w = (int) (pos / window);
            long base = w * window;
            int k = (int) Math.min(n, (base + window - pos + es - 1) / es); // elements that start in this window
            int rel = (int) (pos - base);
            convert(t.dtype(), t.file(), w, rel, k, out, off);
            pos += (long) k * es;
            off += k;
            n -= k;
        }
    }

    private void convert(DType dt, int f, int w, int rel, int k, float[] out, int off) {
        ByteBuffer b = maps[f][w];
        switch (dt) {
            case F32 -> {
                if ((rel & 3) == 0) {
                    floats[f][w].get(rel >> 2, out, off, k);
                } else {
                    for (int j = 0; j < k; j++) out[off + j] = b.getFloat(rel + 4 * j);
                }
            }
            case BF16 -> {
                for (int j = 0; j < k; j++) {
                    out[off + j] = Float.intBitsToFloat((b.getShort(rel + 2 * j) & 0xffff) << 16);
                }
            }
            case F16 -> {
                for (int j = 0; j < k; j++) out[off + j] = DType.halfToFloat(b.getShort(rel + 2 * j) & 0xffff);
            }
            case F64 -> { for (int j = 0; j < k; j++) out[off + j] = (float) b.getDouble(rel + 8 * j); }
            default -> throw new AssertionError(dt);
        }
    }

    /**
     * The raw bits of elements {@code [from, from + n)} of a tensor of a 2-byte dtype (F16, BF16, I16, U16) into
     * {@code dst[off, off + n)}, little-endian as stored. Modifies {@code dst} only.
     *
     * @throws IllegalArgumentException for a null argument, another element size, a range outside the tensor, or
     *     {@code [off, off + n)} outside {@code dst} (nothing is written then)
     */
    public void readRaw(CheckpointFiles.Tensor t, long from, int n, short[] dst, int off) {
        checkRange(t, from, n);
        checkDestination(t, n, dst == null ? -1 : dst.length, off);
        raw(t, from, n, 2, (f, w, rel, k, o) -> {
            if ((rel & 1) == 0) shorts[f][w].get(rel >> 1, dst, off + o, k);
            else for (int j = 0; j < k; j++) dst[off + o + j] = maps[f][w].getShort(rel + 2 * j);
        });
    }

    /** As {@link #readRaw(CheckpointFiles.Tensor, long, int, short[], int)} for 4-byte dtypes (F32, I32, U32). */
    public void readRaw(CheckpointFiles.Tensor t, long from, int n, int[] dst, int off) {
        checkRange(t, from, n);
        checkDestination(t, n, dst == null ? -1 : dst.length, off);
        raw(t, from, n, 4, (f, w, rel, k, o) -> {
            if ((rel & 3) == 0) ints[f][w].get(rel >> 2, dst, off + o, k);
            else for (int j = 0; j < k; j++) dst[off + o + j] = maps[f][w].getInt(rel + 4 * j);
        });
    }

    /** As {@link #readRaw(CheckpointFiles.Tensor, long, int, short[], int)} for 8-byte dtypes (F64, I64, U64). */
    public void readRaw(CheckpointFiles.Tensor t, long from, int n, long[] dst, int off) {
        checkRange(t, from, n);
        checkDestination(t, n, dst == null ? -1 : dst.length, off);
        raw(t, from, n, 8, (f, w, rel, k, o) -> {
            if ((rel & 7) == 0) longs[f][w].get(rel >> 3, dst, off + o, k);
            else for (int j = 0; j < k; j++) dst[off + o + j] = maps[f][w].getLong(rel + 8 * j);
        });
    }

    @FunctionalInterface
    private interface Segment {
        /** Elements {@code [o, o + k)} of the read start at byte {@code rel} of window {@code w} of file {@code f}. */
        void read(int f, int w, int rel, int k, int o);
    }

    private void raw(CheckpointFiles.Tensor t, long from, int n, int es, Segment s) {
        checkRange(t, from, n);
        if (t.dtype().size() != es) {
            throw new IllegalArgumentException(t.name() + " is " + t.dtype() + ", not " + es + " bytes an element");
        }
        long pos = t.fileOffset() + from * es;
        int o = 0;
        while (o < n) {
            int w = (int) (pos / window);
            long base = w * window;
            int k = (int) Math.min(n - o, (base + window - pos + es - 1) / es);
            s.read(t.file(), w, (int) (pos - base), k, o);
            pos += (long) k * es;
            o += k;
        }
    }

    /**
     * Copies the raw little-endian bytes of elements {@code [from, from + n)} of {@code t} into {@code dst} at its
     * position, advancing it. Modifies {@code dst} only.
     *
     * @throws IllegalArgumentException for a range outside the tensor
     * @throws java.nio.BufferOverflowException when {@code dst} has less room
     */
    public void readBytes(CheckpointFiles.Tensor t, long from, int n, ByteBuffer dst) {
        checkRange(t, from, n);
        long es = t.dtype().size();
        long pos = t.fileOffset() + from * es, left = n * es;
        if (left > dst.remaining()) throw new java.nio.BufferOverflowException();
        while (left > 0) {
            int w = (int) (pos / window);
            long base = w * window;
            int len = (int) Math.min(left, base + window - pos);
            dst.put(dst.position(), maps[t.file()][w], (int) (pos - base), len);
            dst.position(dst.position() + len);
            pos += len;
            left -= len;
        }
    }

    /**
     * Copies all of {@code t}'s bytes, unchanged, to {@code out} at {@code position} (through the file channels, not
     * the maps: the kernel may copy without user space). Sets {@code out}'s position; modifies {@code out} only.
     *
     * @throws IOException when reading or writing fails
     */
    public void copyTo(CheckpointFiles.Tensor t, FileChannel out, long position) throws IOException {
        requireOpen();
        FileChannel in = channels[t.file()];
        long done = 0, len = t.byteLength();
        out.position(position);
        while (done < len) {
            long n = in.transferTo(t.fileOffset() + done, len - done, out);
            if (n <= 0) {
                throw new SafeTensorsException(files.files().get(t.file()), "tensor '" + t.name()
                        + "' ended early (file changed while reading?)");
            }
            done += n;
        }
    }

    private void checkRange(CheckpointFiles.Tensor t, long from, int n) {
        requireOpen();
        if (t == null) throw new IllegalArgumentException("MappedCheckpoint of " + files.path() + ": null tensor");
        if (from < 0 || n < 0 || from + n > t.elementCount()) {
            throw new IllegalArgumentException(t.name() + ": elements [" + from + ", " + (from + n) + ") outside [0, "
                    + t.elementCount() + ")");
        }
    }

    /** {@code [off, off + n)} must lie in a destination of {@code length} elements (-1: a null destination). */
    private static void checkDestination(CheckpointFiles.Tensor t, int n, int length, int off) {
        if (length < 0) throw new IllegalArgumentException(t.name() + ": null destination array");
        if (off < 0 || (long) off + n > length) {
            throw new IllegalArgumentException(t.name() + ": destination range [" + off + ", " + ((long) off + n)
                    + ") outside the array of " + length);
        }
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("MappedCheckpoint of " + files.path() + " is closed");
    }

    /**
     * Closes the files and unmaps the windows now (rather than when the collector finds them), so the address space
     * and the page references go at once. Callers must not be reading from another thread. Idempotent.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (MappedByteBuffer[] ms : maps) {
            if (ms == null) continue;
            for (MappedByteBuffer m : ms) if (m != null) Unmapper.unmap(m);
        }
        for (FileChannel c : channels) {
            if (c == null) continue;
            try {
                c.close();
            } catch (IOException ignored) {
                // read-only: nothing to lose
            }
        }
    }

    /** Unmaps through sun.misc.Unsafe.invokeCleaner where available (best effort; the collector does it otherwise). */
    private static final class Unmapper {
        private static final Object UNSAFE;
        private static final Method INVOKE_CLEANER;

        static {
            Object u = null;
            Method m = null;
            try {
                Class<?> c = Class.forName("sun.misc.Unsafe");
                Field f = c.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                u = f.get(null);
                m = c.getMethod("invokeCleaner", ByteBuffer.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                u = null;
                m = null;
            }
            UNSAFE = u;
            INVOKE_CLEANER = m;
        }

        static void unmap(MappedByteBuffer b) {
            if (INVOKE_CLEANER == null) return;
            try {
                INVOKE_CLEANER.invoke(UNSAFE, b);
            } catch (ReflectiveOperationException | RuntimeException ignored) {
                // left to the collector
            }
        }
    }
}
