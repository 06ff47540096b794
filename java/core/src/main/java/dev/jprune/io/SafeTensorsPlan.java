package dev.jprune.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A safetensors file fixed before its data is written: the header bytes and every tensor's absolute byte range, for
 * tensors in the order given (data in the same order). Lets a writer put each tensor's bytes at its offset in any
 * order, from several threads ({@link java.nio.channels.FileChannel#write(ByteBuffer, long)}), which is how pruned
 * checkpoints are streamed out of core. The header is what {@link SafeTensors#write} writes for the same order:
 * compact JSON, "__metadata__" first (keys sorted; omitted when empty), padded with spaces to a multiple of 8 bytes.
 * Immutable.
 */
public final class SafeTensorsPlan {
    /** A tensor to place: name, dtype, row-major shape. */
    public record Spec(String name, DType dtype, int[] shape) {
        /** Copies {@code shape}. */
        public Spec {
            shape = shape.clone();
        }

        /** A copy of the shape. */
        @Override public int[] shape() { return shape.clone(); }
    }

    /** A placed tensor: its data is {@code byteLength} bytes from {@code fileOffset} (absolute, in the file). */
    public record Placed(String name, DType dtype, long fileOffset, long byteLength) {}

    private final byte[] prefix;
    private final Map<String, Placed> placed;
    private final long fileSize;

    private SafeTensorsPlan(byte[] prefix, Map<String, Placed> placed, long fileSize) {
        this.prefix = prefix;
        this.placed = Collections.unmodifiableMap(placed);
        this.fileSize = fileSize;
    }

    /**
     * Places {@code tensors} in the given order with {@code metadata} (may be null).
     *
     * @throws IllegalArgumentException for a null, duplicate or reserved name, a bad shape, a name or metadata string
     *     that is not valid Unicode, or a header over {@link SafeTensors#MAX_HEADER_BYTES}
     */
    public static SafeTensorsPlan of(List<Spec> tensors, Map<String, String> metadata) {
        Map<String, String> meta = new TreeMap<>();
        if (metadata != null) {
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null || m.getValue() == null) {
                    throw new IllegalArgumentException("null metadata key or value");
                }
                meta.put(m.getKey(), m.getValue());
            }
        }
        StringBuilder json = new StringBuilder("{");
        if (!meta.isEmpty()) {
            appendString(json, SafeTensors.METADATA_KEY).append(":{");
            boolean first = true;
            for (Map.Entry<String, String> m : meta.entrySet()) {
                if (!first) json.append(',');
                first = false;
                appendString(json, m.getKey()).append(':');
                appendString(json, m.getValue());
            }
            json.append('}');
        }
        Set<String> names = new HashSet<>();
        List<long[]> ranges = new ArrayList<>();
        long offset = 0;
        for (Spec t : tensors) {
            if (t.name() == null) throw new IllegalArgumentException("null tensor name");
            if (t.name().equals(SafeTensors.METADATA_KEY)) {
                throw new IllegalArgumentException("tensor name " + SafeTensors.METADATA_KEY + " is reserved");
            }
            if (!names.add(t.name())) throw new IllegalArgumentException("tensor '" + t.name() + "' appears twice");
            int[] shape = t.shape;
            long size;
            try {
                size = Math.multiplyExact(TensorSource.elementCount(shape), t.dtype().size());
            } catch (ArithmeticException | IllegalArgumentException e) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' has bad shape " + Arrays.toString(shape),
                        e);
            }
            if (json.length() > 1) json.append(',');
            appendString(json, t.name()).append(":{\"dtype\":");
            appendString(json, t.dtype().name()).append(",\"shape\":[");
            for (int d = 0; d < shape.length; d++) json.append(d == 0 ? "" : ",").append(shape[d]);
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + size).append("]}");
            ranges.add(new long[] {offset, size});
            offset += size;
        }
        json.append('}');
        byte[] header;
        try { // strict: String.getBytes would silently turn an unpaired surrogate into '?'
            ByteBuffer enc = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(json));
            header = new byte[enc.remaining()];
            enc.get(header);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a tensor name or metadata string is not valid Unicode (unpaired"
                    + " surrogate)", e);
        }
        int padded = (header.length + 7) & ~7; // so the data section starts 8-byte aligned (8 + N ≡ 0 mod 8)
        if (padded > SafeTensors.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("header of " + padded + " bytes exceeds "
                    + SafeTensors.MAX_HEADER_BYTES);
        }
        byte[] prefix = new byte[8 + padded];
        ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).put(header);
        Arrays.fill(prefix, 8 + header.length, prefix.length, (byte) ' ');
        Map<String, Placed> placed = new LinkedHashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            Spec t = tensors.get(i);
            placed.put(t.name(), new Placed(t.name(), t.dtype(), prefix.length + ranges.get(i)[0], ranges.get(i)[1]));
        }
        return new SafeTensorsPlan(prefix, placed, prefix.length + offset);
    }

    /** The first bytes of the file: the 8-byte header length, the header and its padding (a copy). */
    public byte[] prefix() { return prefix.clone(); }

    /** Length of {@link #prefix}: where the data section starts. */
    public long dataStart() { return prefix.length; }

    /** The placed tensors by name, in data order (unmodifiable). */
    public Map<String, Placed> tensors() { return placed; }

    /**
     * The placed tensor {@code name}.
     *
     * @throws IllegalArgumentException when the plan has no such tensor
     */
    public Placed get(String name) {
        Placed p = placed.get(name);
        if (p == null) throw new IllegalArgumentException("no tensor '" + name + "' in the plan");
        return p;
    }

    /** Size of the whole file in bytes. */
    public long fileSize() { return fileSize; }

    /** JSON string with serde_json's escaping: quote, backslash and control characters only. */
    static StringBuilder appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"');
    }
}
