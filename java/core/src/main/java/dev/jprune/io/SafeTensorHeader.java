package dev.jprune.io;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The validated header of a safetensors file, without the tensors' data ({@link SafeTensors#readHeader}): each
 * tensor's name, dtype, shape and byte range in the file, and the string metadata. Read the values of one tensor
 * with {@link SafeTensors#streamFloats}.
 */
public final class SafeTensorHeader {
    /** One tensor: its data is {@code byteLength} bytes from {@code fileOffset} (absolute, in the file). */
    public record Tensor(String name, DType dtype, int[] shape, long fileOffset, long byteLength) {
        /** Copies {@code shape}. */
        public Tensor {
            shape = shape.clone();
        }

        /** A copy of the shape. */
        @Override public int[] shape() { return shape.clone(); }

        /** Number of elements. */
        public long elementCount() { return byteLength / dtype.size(); }
    }

    private final Path file;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    SafeTensorHeader(Path file, List<Tensor> tensors, Map<String, String> metadata) {
        this.file = file;
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : tensors) m.put(t.name(), t);
        this.tensors = Collections.unmodifiableMap(m);
        this.metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
    }

    /** The file this header was read from. */
    public Path file() { return file; }

    /** Unmodifiable, ordered by data offset. */
    public Map<String, Tensor> tensors() { return tensors; }

    /** Unmodifiable, sorted by key; empty when the file has no "__metadata__". */
    public Map<String, String> metadata() { return metadata; }
}
