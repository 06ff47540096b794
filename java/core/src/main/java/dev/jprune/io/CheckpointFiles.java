package dev.jprune.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A checkpoint on disk, by its headers only: one {@code .safetensors} file, or a Hugging Face sharded checkpoint —
 * a {@code *.json} index ({@code {"metadata": {...}, "weight_map": {tensor: shard file}}}) with its shards beside it,
 * which is one checkpoint. Every file's header is read and validated ({@link SafeTensors#readHeader}); no tensor data
 * is read, so memory does not grow with the checkpoint. Tensors are in <em>checkpoint order</em>: shards by file
 * name, then by data offset within a shard. Immutable.
 */
public final class CheckpointFiles {
    /**
     * One tensor.
     *
     * @param name       its name
     * @param file       index of its file in {@link #files()}
     * @param dtype      element type
     * @param shape      row-major shape
     * @param fileOffset absolute offset of its data in the file
     * @param byteLength bytes of data
     */
    public record Tensor(String name, int file, DType dtype, int[] shape, long fileOffset, long byteLength) {
        /** Copies {@code shape}. */
        public Tensor {
            shape = shape.clone();
        }

        /** A copy of the shape. */
        @Override public int[] shape() { return shape.clone(); }

        /** Number of elements. */
        public long elementCount() { return byteLength / dtype.size(); }

        /** dtype and shape as the header writes them, e.g. "F32[300, 784]". */
        public String describe() { return dtype + Arrays.toString(shape); }
    }

    private final Path path;
    private final boolean sharded;
    private final List<Path> files;
    private final List<Map<String, String>> metadata;
    private final Map<String, Tensor> tensors;
    private final JsonObject index; // the parsed index (sharded only)

    private CheckpointFiles(Path path, boolean sharded, List<Path> files, List<Map<String, String>> metadata,
            Map<String, Tensor> tensors, JsonObject index) {
        this.path = path;
        this.sharded = sharded;
        this.files = List.copyOf(files);
        this.metadata = List.copyOf(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.index = index;
    }

    /**
     * Opens {@code path}: an index when its name ends in ".json", else one safetensors file. Reads headers only.
     *
     * @throws SafeTensorsException naming the file and the fault: a missing or malformed file, an index that is
     *     not {@code {"weight_map": {name: file}}}, a shard name with a folder in it, a shard listed but missing, a
     *     truncated or malformed shard, a tensor the index lists that its shard lacks, or one a shard holds that the
     *     index does not list under that shard
     */
    public static CheckpointFiles open(Path path) throws IOException {
        if (!path.getFileName().toString().endsWith(".json")) {
            SafeTensorHeader h = SafeTensors.readHeader(path);
            Map<String, Tensor> ts = new LinkedHashMap<>();
            for (SafeTensorHeader.Tensor t : h.tensors().values()) ts.put(t.name(), tensor(t, 0));
            return new CheckpointFiles(path, false, List.of(path), List.of(h.metadata()), ts, null);
        }
        JsonObject index = readIndex(path);
        JsonObject map = index.getAsJsonObject("weight_map");
        Map<String, String> shardOf = new LinkedHashMap<>();
        TreeSet<String> shardNames = new TreeSet<>();
        for (Map.Entry<String, JsonElement> e : map.entrySet()) {
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new SafeTensorsException(path, "weight_map entry '" + e.getKey() + "' is " + v
                        + ", not a file name");
            }
            String shard = v.getAsString();
            boolean folder = shard.contains("/") || shard.contains("\\") || shard.equals("..") || shard.equals(".");
            if (shard.isEmpty() || folder) {
                throw new SafeTensorsException(path, "tensor '" + e.getKey() + "' is in shard '" + shard
                        + "': expected a file name beside the index, without folders");
            }
            shardOf.put(e.getKey(), shard);
            shardNames.add(shard);
        }
        if (shardNames.isEmpty()) throw new SafeTensorsException(path, "weight_map lists no tensor");
        Path dir = path.toAbsolutePath().getParent();
        List<Path> files = new ArrayList<>();
        List<Map<String, String>> meta = new ArrayList<>();
        Map<String, Tensor> ts = new LinkedHashMap<>();
        for (String shard : shardNames) {
            Path f = dir.resolve(shard);
            if (!Files.isRegularFile(f)) {
                String first = shardOf.entrySet().stream().filter(e -> e.getValue().equals(shard)).findFirst()
                        .get().getKey();
                String why = Files.exists(f) ? "is not a regular file" : "missing";
                throw new SafeTensorsException(path, "shard '" + shard + "' (holding tensor '" + first
                        + "') is listed in the index but " + why + ": " + f);
            }
            SafeTensorHeader h = SafeTensors.readHeader(f);
            int fi = files.size();
            files.add(f);
            meta.add(h.metadata());
            for (SafeTensorHeader.Tensor t : h.tensors().values()) {
                String listed = shardOf.get(t.name());
                if (!shard.equals(listed)) {
                    throw new SafeTensorsException(f, "holds tensor '" + t.name() + "', which the index " + path
                            + (listed == null ? " does not list" : " puts in shard '" + listed + "'"));
                }
                ts.put(t.name(), tensor(t, fi));
            }
        }
        for (Map.Entry<String, String> e : shardOf.entrySet()) {
            if (!ts.containsKey(e.getKey())) {
                throw new SafeTensorsException(dir.resolve(e.getValue()), "has no tensor '" + e.getKey()
                        + "', which the index " + path + " puts there");
            }
        }
        return new CheckpointFiles(path, true, files, meta, ts, index);
    }

    private static Tensor tensor(SafeTensorHeader.Tensor t, int file) {
        return new Tensor(t.name(), file, t.dtype(), t.shape(), t.fileOffset(), t.byteLength());
    }

    /** The largest index read: real ones are a few MiB at most (a name and a file name per tensor). */
    static final long MAX_INDEX_BYTES = 64L << 20;

    private static JsonObject readIndex(Path path) throws IOException {
        String text;
        try {
            if (!Files.isRegularFile(path)) {
                throw new SafeTensorsException(path, Files.exists(path) ? "is not a regular file" : "no such file");
            }
            long size = Files.size(path);
            if (size > MAX_INDEX_BYTES) {
                throw new SafeTensorsException(path, size + " bytes; an index is at most " + MAX_INDEX_BYTES
                        + " bytes (not a sharded-checkpoint index?)");
            }
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(path))).toString();
        } catch (SafeTensorsException e) {
            throw e;
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException(path, "the index is not UTF-8 text", e);
        } catch (IOException e) {
            throw new SafeTensorsException(path, "cannot read the index: " + e.getMessage(), e);
        }
        JsonElement root;
        try {
            root = StrictJson.parse(text);
        } catch (IOException | JsonParseException e) {
            String why = String.valueOf(e.getMessage())
                    .replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "")
                    .replaceAll("\\s*See https?://\\S+", "").trim();
            throw new SafeTensorsException(path, "the index is not valid JSON: " + why, e);
        }
        if (!root.isJsonObject() || !root.getAsJsonObject().has("weight_map")
                || !root.getAsJsonObject().get("weight_map").isJsonObject()) {
            throw new SafeTensorsException(path, "not a sharded-checkpoint index: expected"
                    + " {\"weight_map\": {tensor: shard file}}");
        }
        return root.getAsJsonObject();
    }

    /** The path opened: the safetensors file or the index. */
    public Path path() { return path; }

    /** Whether this is an index with shards. */
    public boolean sharded() { return sharded; }

    /** The safetensors files: the one file, or the shards in file-name order. */
    public List<Path> files() { return files; }

    /** The "__metadata__" of file {@code i} (unmodifiable, sorted by key). */
    public Map<String, String> metadata(int i) { return metadata.get(i); }

    /** Every tensor by name, in checkpoint order (unmodifiable). */
    public Map<String, Tensor> tensors() { return tensors; }

    /** The tensor called {@code name}, or null. */
    public Tensor get(String name) { return tensors.get(name); }

    /**
     * The index of a sharded checkpoint with this one's layout and new contents: every top-level entry and every
     * "metadata" entry of the input index kept, "metadata.total_size" (when present) set to {@code totalSize}, and
     * "weight_map" = {@code weightMap} sorted by name; pretty-printed with sorted top-level keys and a final newline,
     * as Hugging Face writes it.
     *
     * @throws IllegalStateException for a checkpoint that is not sharded
     */
    public String indexJson(Map<String, String> weightMap, long totalSize) {
        if (!sharded) throw new IllegalStateException("indexJson: " + path + " is not a sharded checkpoint");
        Map<String, JsonElement> top = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : index.entrySet()) top.put(e.getKey(), e.getValue().deepCopy());
        JsonElement m = top.get("metadata");
        if (m != null && m.isJsonObject() && m.getAsJsonObject().has("total_size")) {
            m.getAsJsonObject().add("total_size", new JsonPrimitive(totalSize));
        }
        JsonObject wm = new JsonObject();
        new TreeMap<>(weightMap).forEach(wm::addProperty);
        top.put("weight_map", wm);
        JsonObject out = new JsonObject();
        top.forEach(out::add);
        Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
        return gson.toJson(out) + "\n";
    }
}
