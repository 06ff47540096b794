package dev.jprune.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.jprune.util.HeapExhaustedError;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and writes safetensors files (see the package documentation for the layout).
 *
 * <p>Reading accepts any tensor order and a header padded with trailing whitespace, and rejects, with a
 * {@link SafeTensorsException} naming the file and the fault: files shorter than 8 bytes, header lengths over
 * {@value #MAX_HEADER_BYTES} bytes or past the end of the file, headers that are not UTF-8, do not start with
 * '{', or are not strict JSON, duplicate names or keys, entries missing or adding keys, unknown dtypes,
 * negative or non-integer dimensions, offsets whose span does not match shape × dtype size, overlaps, gaps,
 * data past the end of the file, uncovered trailing bytes, and BOOL bytes other than 0/1.
 *
 * <p>Writing follows the reference writer byte for byte except for metadata key order (sorted here, hash
 * order there): compact JSON with "__metadata__" first (omitted when empty), tensors ordered by dtype
 * (declaration order of {@link DType}, descending) then name, data in the same order, header padded with
 * spaces to a multiple of 8 bytes. Writes are atomic ({@link AtomicFiles}): a temporary file in the target's
 * folder is written, forced to disk, then renamed over the target (through a symbolic link to its target, keeping
 * the existing file's permissions, refusing directories and devices); on any failure the target is untouched.
 */
public final class SafeTensors {
    /** Largest header accepted or written (the reference crate's limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** The reserved header key holding string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    private SafeTensors() {}

    private record Info(String name, DType dtype, int[] shape, long begin, long end) {}

    // ------------------------------------------------------------------------------------------------ read

    /** A validated header: tensors in data order, metadata, where the data section starts, the file's size. */
    private record Layout(List<Info> ordered, Map<String, String> metadata, long dataStart, long size) {}

    /**
     * Reads and validates the whole file (header, layout and every tensor's data). Does not modify the file.
     *
     * @throws SafeTensorsException naming the file when it is missing, not a regular file, unreadable or malformed
     * @throws OutOfMemoryError whose message names the file and the heap its data needs, when it does not fit
     */
    public static SafeTensorFile read(Path file) throws IOException {
        try (FileChannel ch = openForRead(file)) {
            ChunkReader in = new ChunkReader(file, ch);
            Layout layout = readLayout(file, ch, in, true);
            long dataBytes = layout.size() - layout.dataStart();
            LinkedHashMap<String, TensorEntry> tensors = new LinkedHashMap<>();
            try {
                for (Info t : layout.ordered()) tensors.put(t.name, readTensor(file, in, layout.dataStart(), t));
            } catch (OutOfMemoryError e) {
                tensors.clear();
                throw tooLarge(file, dataBytes, e);
            }
            return new SafeTensorFile(tensors, layout.metadata());
        } catch (SafeTensorsException e) {
            throw e;
        } catch (IOException e) {
            throw new SafeTensorsException(file, "cannot read: " + reason(e), e);
        }
    }

    /**
     * Reads and validates the header and layout only (as {@link #read} does), not the tensors' data: memory use
     * does not grow with the tensors' size. Unlike {@link #read} it accepts tensors too large for one Java array (they
     * are read in pieces: {@link #streamFloats}, {@link MappedCheckpoint}). Does not modify the file.
     *
     * @throws SafeTensorsException as {@link #read}, for faults of the header and layout
     */
    public static SafeTensorHeader readHeader(Path file) throws IOException {
        try (FileChannel ch = openForRead(file)) {
            Layout layout = readLayout(file, ch, new ChunkReader(file, ch), false);
            List<SafeTensorHeader.Tensor> list = new ArrayList<>();
            for (Info t : layout.ordered()) {
                long offset = layout.dataStart() + t.begin;
                list.add(new SafeTensorHeader.Tensor(t.name, t.dtype, t.shape, offset, t.end - t.begin));
            }
            return new SafeTensorHeader(file, list, layout.metadata());
        } catch (SafeTensorsException e) {
            throw e;
        } catch (IOException e) {
            throw new SafeTensorsException(file, "cannot read: " + reason(e), e);
        }
    }

    /** Receives a tensor's values converted to float, in order, a chunk at a time ({@code values[0..count)}). */
    @FunctionalInterface
    public interface FloatChunks {
        /** Receives the next {@code count} values in {@code values[0, count)} (the array is reused by the caller). */
        void accept(float[] values, int count);
    }

    /**
     * Streams tensor {@code t} of {@code header} as floats (any dtype, converted as {@link TensorEntry#toFloats})
     * to {@code sink} in chunks of at most 256 Ki values, reusing one buffer: memory use is constant.
     *
     * @throws SafeTensorsException naming the file when it cannot be read or has changed since the header was read
     */
    public static void streamFloats(SafeTensorHeader header, SafeTensorHeader.Tensor t, FloatChunks sink)
            throws IOException {
        Path file = header.file();
        int size = t.dtype().size();
        float[] values = new float[(int) Math.min(1 << 18, Math.max(1, t.byteLength() / size))];
        ByteBuffer raw = ByteBuffer.allocate(values.length * size).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = openForRead(file)) {
            long pos = t.fileOffset(), end = t.fileOffset() + t.byteLength();
            while (pos < end) {
                int n = (int) Math.min(values.length, (end - pos) / size);
                raw.clear().limit(n * size);
                while (raw.hasRemaining()) {
                    if (ch.read(raw, pos + raw.position()) < 0) {
                        throw new SafeTensorsException(file, "unexpected end of file in tensor '" + t.name()
                                + "' (file changed while reading?)");
                    }
                }
                raw.flip();
                t.dtype().toFloats(raw, values, 0, n);
                sink.accept(values, n);
                pos += (long) n * size;
            }
        } catch (SafeTensorsException e) {
            throw e;
        } catch (IOException e) {
            throw new SafeTensorsException(file, "cannot read: " + reason(e), e);
        }
    }

    /** Opens a file for reading, saying what is wrong when it is missing, a folder or not a regular file. */
    private static FileChannel openForRead(Path file) throws IOException {
        String fault = InputFiles.fault(file);
        if (fault != null) throw new SafeTensorsException(file, fault + "; expected a .safetensors file");
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    /** @param arrays whether every tensor must fit one Java array ({@link #read}; a header-only reader streams) */
    private static Layout readLayout(Path file, FileChannel ch, ChunkReader in, boolean arrays) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new SafeTensorsException(file, "file is " + size + " bytes, shorter than the 8-byte header length");
        }
        byte[] lenBytes = new byte[8];
        in.readBytes(0, lenBytes, 0, 8);
        long n = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new SafeTensorsException(file, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes (not a safetensors file?)");
        }
        if (n > size - 8) {
            throw new SafeTensorsException(file, "header length " + n + " exceeds the " + (size - 8)
                    + " bytes after the length field (file truncated?)");
        }
        byte[] header;
        try {
            header = new byte[(int) n];
        } catch (OutOfMemoryError e) {
            throw tooLarge(file, n, e);
        }
        in.readBytes(8, header, 0, header.length);
        Map<String, String> metadata = new TreeMap<>();
        List<Info> infos = parseHeader(file, header, metadata);
        long dataStart = 8 + n;
        return new Layout(validateLayout(file, infos, size - dataStart, arrays), metadata, dataStart, size);
    }

    private static TensorEntry readTensor(Path file, ChunkReader in, long dataStart, Info t) throws IOException {
        int count = (int) ((t.end - t.begin) / t.dtype.size()); // validated to fit an int
        if (t.dtype == DType.F32) {
            float[] f = new float[count];
            in.readFloats(dataStart + t.begin, f);
            return TensorEntry.f32(f, t.shape);
        }
        byte[] b = new byte[(int) (t.end - t.begin)];
        in.readBytes(dataStart + t.begin, b, 0, b.length);
        if (t.dtype == DType.BOOL) {
            for (int i = 0; i < b.length; i++) {
                if (b[i] != 0 && b[i] != 1) {
                    throw new SafeTensorsException(file, "BOOL tensor '" + t.name + "' element " + i + " is byte "
                            + (b[i] & 0xff) + ", not 0 or 1");
                }
            }
        }
        return TensorEntry.raw(t.dtype, b, t.shape);
    }

    /** An OutOfMemoryError that says which file needed how much heap. */
    private static OutOfMemoryError tooLarge(Path file, long bytes, OutOfMemoryError cause) {
        String mib = String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
        return new HeapExhaustedError(file + ": reading " + mib + " of tensor data", bytes, cause);
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file";
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * Positional reads through one 1 MiB direct buffer (a heap buffer would make the JDK allocate a direct copy as
     * large as the read).
     */
    private static final class ChunkReader {
        private final Path file;
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(TensorSink.BUFFER_BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);

        ChunkReader(Path file, FileChannel ch) {
            this.file = file;
            this.ch = ch;
        }

        private void fill(long pos, int bytes) throws IOException {
            buf.clear().limit(bytes);
            while (buf.hasRemaining()) {
                int r = ch.read(buf, pos + buf.position());
                if (r < 0) throw new SafeTensorsException(file,
                        "unexpected end of file at byte " + (pos + buf.position()) + " (file changed while reading?)");
            }
            buf.flip();
        }

        void readBytes(long pos, byte[] dst, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, buf.capacity());
                fill(pos, n);
                buf.get(dst, off, n);
                pos += n;
                off += n;
                len -= n;
            }
        }

        void readFloats(long pos, float[] dst) throws IOException {
            int off = 0;
            while (off < dst.length) {
                int n = Math.min(dst.length - off, buf.capacity() / 4);
                fill(pos, 4 * n);
                buf.asFloatBuffer().get(dst, off, n);
                pos += 4L * n;
                off += n;
            }
        }
    }

    private static List<Info> parseHeader(Path file, byte[] header, Map<String, String> metadata) throws IOException {
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException(file, "header is not valid UTF-8", e);
        }
        if (json.isEmpty() || json.charAt(0) != '{') {
            throw new SafeTensorsException(file, "header does not start with '{' (found "
                    + (json.isEmpty() ? "nothing" : "'" + snippet(json) + "'") + ")");
        }
        List<Info> infos = new ArrayList<>();
        Set<String> names = new HashSet<>();
        JsonReader r = new JsonReader(new StringReader(json));
        r.setStrictness(Strictness.STRICT);
        try {
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!names.add(name)) throw new SafeTensorsException(file, "duplicate name \"" + name + "\" in header");
                if (name.equals(METADATA_KEY)) {
                    readMetadata(file, r, metadata);
                } else {
                    infos.add(readInfo(file, r, name));
                }
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) throw new SafeTensorsException(file,
                    "unexpected content after the header's JSON object");
        } catch (SafeTensorsException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new SafeTensorsException(file, "header is not valid JSON: " + gsonMessage(e), e);
        }
        return infos;
    }

    private static void readMetadata(Path file, JsonReader r, Map<String, String> metadata) throws IOException {
        if (r.peek() == JsonToken.NULL) { // the reference type is Option<HashMap<String, String>>
            r.nextNull();
            return;
        }
        if (r.peek() != JsonToken.BEGIN_OBJECT) throw new SafeTensorsException(file,
                "\"" + METADATA_KEY + "\" is not an object");
        r.beginObject();
        while (r.hasNext()) {
            String k = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw new SafeTensorsException(file,
                        "\"" + METADATA_KEY + "\" value of \"" + k + "\" is " + r.peek() + ", not a string");
            }
            if (metadata.put(k, r.nextString()) != null) {
                throw new SafeTensorsException(file, "duplicate key \"" + k + "\" in \"" + METADATA_KEY + "\"");
            }
        }
        r.endObject();
    }

    private static Info readInfo(Path file, JsonReader r, String name) throws IOException {
        String what = "tensor '" + name + "'";
        if (r.peek() != JsonToken.BEGIN_OBJECT) throw new SafeTensorsException(file,
                what + ": entry is " + r.peek() + ", not an object");
        r.beginObject();
        String dtypeName = null;
        long[] shape = null, offsets = null;
        Set<String> keys = new HashSet<>();
        while (r.hasNext()) {
            String k = r.nextName();
            if (!keys.add(k)) throw new SafeTensorsException(file, what + ": duplicate key \"" + k + "\"");
            switch (k) {
                case "dtype" -> {
                    if (r.peek() != JsonToken.STRING) throw new SafeTensorsException(file,
                            what + ": dtype is " + r.peek() + ", not a string");
                    dtypeName = r.nextString();
                }
                case "shape" -> shape = readNonNegativeInts(file, r, what + " shape");
                case "data_offsets" -> offsets = readNonNegativeInts(file, r, what + " data_offsets");
                default -> throw new SafeTensorsException(file,
                        what + ": unknown key \"" + k + "\" (expected dtype, shape, data_offsets)");
            }
        }
        r.endObject();
        if (dtypeName == null) throw new SafeTensorsException(file, what + ": missing \"dtype\"");
        if (shape == null) throw new SafeTensorsException(file, what + ": missing \"shape\"");
        if (offsets == null) throw new SafeTensorsException(file, what + ": missing \"data_offsets\"");
        DType dtype = DType.fromName(dtypeName);
        if (dtype == null) {
            throw new SafeTensorsException(file,
                    what + ": unknown or unsupported dtype \"" + dtypeName + "\" (supported: "
                    + Arrays.toString(DType.values()) + ")");
        }
        if (offsets.length != 2) throw new SafeTensorsException(file,
                what + ": data_offsets has " + offsets.length + " numbers, not 2 [begin, end]");
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) throw new SafeTensorsException(file,
                    what + ": dimension " + shape[i] + " is too large");
            dims[i] = (int) shape[i];
        }
        return new Info(name, dtype, dims, offsets[0], offsets[1]);
    }

    private static long[] readNonNegativeInts(Path file, JsonReader r, String what) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) throw new SafeTensorsException(file,
                what + " is " + r.peek() + ", not an array");
        r.beginArray();
        List<Long> out = new ArrayList<>();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) throw new SafeTensorsException(file,
                    what + " holds " + r.peek() + ", not a number");
            String lit = r.nextString();
            if (lit.startsWith("-")) throw new SafeTensorsException(file, what + " holds negative value " + lit);
            if (!lit.matches("[0-9]+")) throw new SafeTensorsException(file,
                    what + " holds " + lit + ", not an integer");
            try {
                out.add(Long.parseLong(lit));
            } catch (NumberFormatException e) {
                throw new SafeTensorsException(file, what + " holds " + lit + ", too large");
            }
        }
        r.endArray();
        long[] a = new long[out.size()];
        for (int i = 0; i < a.length; i++) a[i] = out.get(i);
        return a;
    }

    /** Checks sizes, then contiguity over the data section; returns the tensors in data order. */
    private static List<Info> validateLayout(Path file, List<Info> infos, long dataBytes, boolean arrays)
            throws IOException {
        for (Info t : infos) {
            String what = "tensor '" + t.name + "' (" + t.dtype + Arrays.toString(t.shape) + ", data_offsets ["
                    + t.begin + ", " + t.end + "])";
            if (t.end < t.begin) throw new SafeTensorsException(file, what + ": end is before begin");
            long need;
            try {
                need = Math.multiplyExact(TensorSource.elementCount(t.shape), t.dtype.size());
            } catch (ArithmeticException e) {
                throw new SafeTensorsException(file, what + ": shape size overflows");
            }
            if (t.end - t.begin != need) {
                throw new SafeTensorsException(file,
                        what + ": spans " + (t.end - t.begin) + " bytes but shape and dtype need " + need);
            }
            // F32 is held as float[], every other dtype as byte[]: both must fit a Java array
            long arrayLength = t.dtype == DType.F32 ? need / 4 : need;
            if (arrays && arrayLength > Integer.MAX_VALUE - 8) {
                throw new SafeTensorsException(file, what + ": " + need + " bytes do not fit a Java array");
            }
        }
        List<Info> ordered = new ArrayList<>(infos);
        ordered.sort(Comparator.comparingLong(Info::begin).thenComparingLong(Info::end));
        long expect = 0;
        Info prev = null;
        for (Info t : ordered) {
            if (t.begin < expect) {
                throw new SafeTensorsException(file,
                        "tensor '" + t.name + "' data_offsets [" + t.begin + ", " + t.end + "] overlap tensor '"
                        + prev.name + "' [" + prev.begin + ", " + prev.end + "]");
            }
            if (t.begin > expect) {
                throw new SafeTensorsException(file,
                        "gap of " + (t.begin - expect) + " bytes before tensor '" + t.name + "' at data offset "
                        + t.begin + " (tensors must be contiguous from offset 0)");
            }
            if (t.end > dataBytes) {
                throw new SafeTensorsException(file,
                        "tensor '" + t.name + "' data_offsets [" + t.begin + ", " + t.end + "] extend past the "
                        + dataBytes + " data bytes in the file (file truncated?)");
            }
            expect = t.end;
            prev = t;
        }
        if (expect != dataBytes) {
            throw new SafeTensorsException(file,
                    (dataBytes - expect) + " bytes after the last tensor (data offset " + expect
                    + ") are not covered by any tensor");
        }
        return ordered;
    }

    /** Gson's message without its advice to switch to lenient parsing, which would be wrong here. */
    private static String gsonMessage(Exception e) {
        String m = String.valueOf(e.getMessage());
        m = m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON");
        return m.replaceAll("\\s*See https?://\\S+", "").trim();
    }

    private static String snippet(String s) {
        String t = s.length() > 20 ? s.substring(0, 20) + "..." : s;
        StringBuilder sb = new StringBuilder();
        for (char c : t.toCharArray()) sb.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        return sb.toString();
    }

    // ----------------------------------------------------------------------------------------------- write

    /**
     * Writes {@code tensors} and {@code metadata} to {@code file} atomically (see the class documentation),
     * replacing any existing file. Reads but does not modify the arguments; each source's data is streamed
     * through a 1 MiB buffer, so memory use does not grow with tensor size.
     *
     * @throws IllegalArgumentException for a null or reserved name, a bad shape, or null metadata entries
     * @throws SafeTensorsException if writing fails or a source writes the wrong number of bytes
     */
    public static void write(Path file, Map<String, ? extends TensorSource> tensors, Map<String, String> metadata)
            throws IOException {
        List<Map.Entry<String, ? extends TensorSource>> entries = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, ? extends TensorSource> e : entries) {
            if (e.getKey() == null) throw new IllegalArgumentException("SafeTensors.write " + file
                    + ": null tensor name");
            if (e.getKey().equals(METADATA_KEY)) throw new IllegalArgumentException("SafeTensors.write " + file
                    + ": tensor name " + METADATA_KEY + " is reserved");
            if (e.getValue() == null) throw new IllegalArgumentException("SafeTensors.write " + file + ": tensor '"
                    + e.getKey() + "' is null");
        }
        if (metadata != null) {
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null || m.getValue() == null) throw new IllegalArgumentException("SafeTensors.write "
                        + file + ": null metadata key or value");
            }
        }
        // Reference order: dtype descending, then name (code point order = Rust's byte-wise UTF-8 order).
        entries.sort((a, b) -> {
            int c = Integer.compare(b.getValue().dtype().ordinal(), a.getValue().dtype().ordinal());
            return c != 0 ? c : compareCodePoints(a.getKey(), b.getKey());
        });
        int count = entries.size();
        List<SafeTensorsPlan.Spec> specs = new ArrayList<>(count);
        for (Map.Entry<String, ? extends TensorSource> e : entries) {
            specs.add(new SafeTensorsPlan.Spec(e.getKey(), e.getValue().dtype(), e.getValue().shape()));
        }
        SafeTensorsPlan plan;
        try {
            plan = SafeTensorsPlan.of(specs, metadata);
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith("header of ")) throw new SafeTensorsException(file, e.getMessage());
            throw new IllegalArgumentException("SafeTensors.write " + file + ": " + e.getMessage(), e);
        }
        byte[] prefix = plan.prefix();
        long[] sizes = new long[count];
        for (int i = 0; i < count; i++) sizes[i] = plan.get(entries.get(i).getKey()).byteLength();

        try {
            AtomicFiles.write(file, out -> {
                TensorSink sink = new TensorSink(out);
                sink.begin("(header)", prefix.length);
                sink.putBytes(prefix, 0, prefix.length);
                for (int i = 0; i < count; i++) {
                    String name = entries.get(i).getKey();
                    sink.begin(name, sizes[i]);
                    entries.get(i).getValue().writeData(sink);
                    if (sink.remaining() != 0) {
                        throw new SafeTensorsException(file,
                                "tensor '" + name + "' wrote " + (sizes[i] - sink.remaining()) + " of its "
                                + sizes[i] + " bytes");
                    }
                }
                sink.flush();
            });
        } catch (SafeTensorsException e) {
            throw e;
        } catch (FileSystemException e) {
            boolean samePath = file.toString().equals(e.getFile()) && e.getReason() != null;
            String fault = samePath ? e.getReason() : e.getMessage();
            throw new SafeTensorsException(file, fault, e);
        } catch (IOException e) {
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            throw new SafeTensorsException(file, "write failed: " + why, e);
        }
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

}
