package dev.jprune.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The contents of a safetensors file: tensors by name (in file data order) and the string metadata. */
public final class SafeTensorFile {
    private final Map<String, TensorEntry> tensors;
    private final Map<String, String> metadata;

    SafeTensorFile(LinkedHashMap<String, TensorEntry> tensors, Map<String, String> metadata) {
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
    }

    /** Unmodifiable, ordered by data offset. */
    public Map<String, TensorEntry> tensors() { return tensors; }

    /** Unmodifiable, sorted by key; empty when the file has no "__metadata__". */
    public Map<String, String> metadata() { return metadata; }

    /** The tensor called {@code name}, or {@code null}. */
    public TensorEntry get(String name) { return tensors.get(name); }
}
