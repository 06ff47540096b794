package dev.jprune.io;

import static dev.jprune.io.StBytes.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact messages of the reader's and writer's refusals (the boundaries of each check, the OS reason of an I/O error
 * passed through) and the refusals of tensors too large for a Java array or for the heap (sparse files: no disk used).
 */
class SafeTensorsFaultsTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmpdirExists() throws IOException {
        StBytes.ensureTmpdir();
    }

    private Path put(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static String readFault(Path p) {
        return assertThrows(SafeTensorsException.class, () -> SafeTensors.read(p)).getMessage();
    }

    /** An 8-byte file (the length field alone) declaring an empty header fails on the empty header, not its size. */
    @Test
    void anEightByteFileWithAZeroLengthHeaderIsRefusedForItsEmptyHeader() throws IOException {
        Path p = put("empty-header.safetensors", le64(0));
        assertEquals(p + ": header does not start with '{' (found nothing)", readFault(p));
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.readHeader(p));
        assertEquals(p, e.file(), "the exception names the file it refuses");
        Path seven = put("seven.safetensors", new byte[7]);
        assertEquals(seven + ": file is 7 bytes, shorter than the 8-byte header length", readFault(seven));
    }

    /** A header length of exactly MAX_HEADER_BYTES is within the limit (checked against the file), one more is not. */
    @Test
    void aHeaderLengthAtTheLimitIsCheckedAgainstTheFileAndOneMoreIsOverTheLimit() throws IOException {
        Path at = put("at.safetensors", concat(le64(SafeTensors.MAX_HEADER_BYTES), new byte[8]));
        assertEquals(at + ": header length 100000000 exceeds the 8 bytes after the length field (file truncated?)",
                readFault(at));
        Path over = put("over.safetensors", concat(le64(SafeTensors.MAX_HEADER_BYTES + 1), new byte[8]));
        assertTrue(readFault(over).endsWith(": header length 100000001 exceeds the limit of 100000000 bytes"
                + " (not a safetensors file?)"));
    }

    /** A header that is not JSON is quoted: its first 20 characters, "..." when longer, control characters escaped. */
    @Test
    void aNonJsonHeaderIsQuotedByItsFirstTwentyCharactersWithControlCharactersEscaped() throws IOException {
        String twenty = "A \u0001" + "b".repeat(17);
        assertEquals(20, twenty.length());
        Path exact = put("twenty.safetensors", fileWithPadding(twenty, 0));
        assertEquals(exact + ": header does not start with '{' (found 'A \\u0001" + "b".repeat(17) + "')",
                readFault(exact));
        Path longer = put("longer.safetensors", fileWithPadding(twenty + "c", 0));
        assertEquals(longer + ": header does not start with '{' (found 'A \\u0001" + "b".repeat(17) + "...')",
                readFault(longer));
    }

    /** Headers are parsed as strict JSON: Gson's legacy leniencies (\' escape, raw control chars, NULL) are refused. */
    @Test
    void headerJsonIsStrictNotGsonsLegacyStrict() throws IOException {
        String[] bad = {"{\"__metadata__\":{\"k\":\"it\\'s\"}}", "{\"__metadata__\":{\"k\":\"a\tb\"}}",
                "{\"__metadata__\":NULL}"};
        for (int i = 0; i < bad.length; i++) {
            Path p = put("lenient" + i + ".safetensors", file(bad[i]));
            assertTrue(readFault(p).startsWith(p + ": header is not valid JSON: "), bad[i]);
        }
        Path ok = put("strict.safetensors", file("{\"__metadata__\":{\"k\":\"it's\"}}"));
        assertEquals(Map.of("k", "it's"), SafeTensors.read(ok).metadata(), "the same content, valid JSON, is read");
    }

    /** A BOOL byte other than 0/1 is named as its unsigned value (200, not -56). */
    @Test
    void aBadBoolByteIsReportedAsItsUnsignedValue() throws IOException {
        Path p = put("bool.safetensors",
                file("{\"b\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}", bytes(1, 200, 0)));
        assertEquals(p + ": BOOL tensor 'b' element 1 is byte 200, not 0 or 1", readFault(p));
    }

    /** A span that disagrees with shape x dtype is reported with the span's own length (end - begin). */
    @Test
    void aWrongSpanIsReportedAsEndMinusBegin() throws IOException {
        Path p = put("span.safetensors", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,16]}}", new byte[16]));
        assertEquals(p + ": tensor 'b' (F32[2], data_offsets [4, 16]): spans 12 bytes but shape and dtype need 8",
                readFault(p));
    }

    /** An open the OS refuses reaches the user as "permission denied" (root: /proc/sys/vm/drop_caches, mode 0200). */
    @Test
    void aFileTheOsWillNotOpenIsReportedAsPermissionDenied() throws IOException {
        Path p = put("locked.safetensors", file("{}"));
        try {
            Files.setPosixFilePermissions(p, java.util.Set.of());
        } catch (UnsupportedOperationException e) {
            assumeTrue(false, "no POSIX permissions here");
        }
        if (Files.isReadable(p)) p = Path.of("/proc/sys/vm/drop_caches"); // root reads any mode-000 file
        assumeTrue(Files.isRegularFile(p) && !Files.isReadable(p), "no file this process is refused here");
        Path refused = p;
        assertEquals(refused + ": cannot read: permission denied", readFault(refused));
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.readHeader(refused));
        assertInstanceOf(java.nio.file.AccessDeniedException.class, e.getCause());
    }

    /** An I/O error that is not a FileSystemException (EIO reading /proc/self/mem at 0) keeps the OS's message. */
    @Test
    void aPlainReadErrorWhileStreamingKeepsTheOsMessage() throws IOException {
        Path mem = Path.of("/proc/self/mem");
        assumeTrue(Files.isRegularFile(mem) && Files.isReadable(mem));
        String osMessage = null;
        try (FileChannel ch = FileChannel.open(mem, StandardOpenOption.READ)) {
            ch.read(ByteBuffer.allocate(8), 0);
        } catch (IOException e) {
            assumeFalse(e instanceof FileSystemException);
            osMessage = e.getMessage();
        }
        assumeTrue(osMessage != null, "address 0 of this process is readable here");
        SafeTensorHeader.Tensor t = new SafeTensorHeader.Tensor("t", DType.F32, new int[] {2}, 0, 8);
        SafeTensorHeader h = new SafeTensorHeader(mem, List.of(t), Map.of());
        SafeTensorsException e = assertThrows(SafeTensorsException.class,
                () -> SafeTensors.streamFloats(h, t, (v, n) -> fail("no values")));
        assertEquals(mem + ": cannot read: " + osMessage, e.getMessage());
    }

    /** Writing over a folder reports the folder's path once, then the fault (no "FILE: FILE: ..."). */
    @Test
    void writingOverAFolderNamesItOnceWithTheFault() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("folder.safetensors"));
        SafeTensorsException e = assertThrows(SafeTensorsException.class,
                () -> SafeTensors.write(folder, Map.of(), null));
        assertEquals(folder + ": is a directory; expected a regular file to write", e.getMessage());
    }

    /** A source's I/O error is reported by its message, or by its class when it has none. */
    @Test
    void aFailingSourceIsReportedByItsMessageOrItsClass() throws IOException {
        Path p = dir.resolve("w.safetensors");
        for (String msg : new String[] {"disk on fire", null}) {
            TensorSource bad = new TensorSource() {
                @Override public DType dtype() { return DType.F32; }
                @Override public int[] shape() { return new int[] {1}; }
                @Override public void writeData(TensorSink sink) throws IOException { throw new IOException(msg); }
            };
            SafeTensorsException e = assertThrows(SafeTensorsException.class,
                    () -> SafeTensors.write(p, Map.of("t", bad), null));
            assertEquals(p + ": write failed: " + (msg != null ? msg : "java.io.IOException"), e.getMessage());
        }
    }

    /** Header length, header and padding of a file holding one tensor of {@code bytes} bytes, then a sparse hole. */
    private Path sparse(String name, String dtype, long elements, long bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, file("{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + elements + "],\"data_offsets\":[0,"
                + bytes + "]}}"));
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), ch.size() + bytes - 1); // extends the file without writing the hole
        }
        return p;
    }

    /** The largest array the reader allows (2^31 - 9 floats) is read; a heap too small says how much it needs. */
    @Test
    void theLargestAllowedF32TensorIsAttemptedAndAHeapTooSmallSaysWhatItNeeds() throws IOException {
        long elements = Integer.MAX_VALUE - 8, bytes = 4 * elements;
        assumeTrue(Runtime.getRuntime().maxMemory() < bytes, "heap large enough to hold it");
        Path p = sparse("huge.safetensors", "F32", elements, bytes);
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> SafeTensors.read(p));
        dev.jprune.util.HeapExhaustedError h = assertInstanceOf(dev.jprune.util.HeapExhaustedError.class, e);
        assertEquals(bytes, h.bytesNeeded(), "the data section's size");
        assertTrue(e.getMessage().startsWith(p + ": reading 8192.0 MiB of tensor data"), e.getMessage());
    }

    /** One byte past the array limit: read refuses it up front, readHeader (which streams) accepts it. */
    @Test
    void aTensorOneElementPastTheArrayLimitIsRefusedByReadButNotByReadHeader() throws IOException {
        long bytes = Integer.MAX_VALUE - 7;
        Path p = sparse("toolong.safetensors", "U8", bytes, bytes);
        assertTrue(readFault(p).endsWith(": " + bytes + " bytes do not fit a Java array"));
        SafeTensorHeader h = SafeTensors.readHeader(p);
        assertEquals(bytes, h.tensors().get("t").byteLength());
        assertEquals(bytes, h.tensors().get("t").elementCount());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
