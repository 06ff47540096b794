package dev.jprune.io;

import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import java.io.IOException;
import java.nio.file.Path;
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
 * Model checkpoints as safetensors with PyTorch state_dict names.
 *
 * <p>File layout written by {@link #save}, one of three {@link Layout}s (docs/PYTORCH.md): every parameter of
 * {@link Sequential#namedParameters()} as F32 with the parameter's shape, and for every parameter with a mask
 * <ul>
 *   <li>{@link Layout#MASKED} (jprune's own): "NAME" (pruned entries 0) and "NAME_mask", F32 0/1 (the buffer name
 *   torch.nn.utils.prune registers); for every score given, "NAME_score" as F32;</li>
 *   <li>{@link Layout#TORCH_PRUNE}: "NAME_orig" and "NAME_mask" (F32, the weight's dtype) instead of "NAME", what a
 *   module pruned by torch.nn.utils.prune holds;</li>
 *   <li>{@link Layout#PLAIN}: "NAME" only; the masks, when wanted, as "NAME_mask" in a second file.</li>
 * </ul>
 * Metadata: "format" = "pt" unless the caller sets it, "layout" = the layout's name.
 *
 * <p>{@link #load} accepts, per parameter NAME: "NAME" (plain value) or "NAME_orig" + "NAME_mask" (PyTorch
 * pruning reparametrisation; value = orig where mask is 1, +0 where 0); "NAME_mask" as F32, F16, BF16, F64,
 * U8 or BOOL holding only 0/1 (in the file, or in a second masks file); "NAME_score" as a floating dtype. Values may
 * be F32, F16, BF16 or F64. Any other tensor in the file is an error, so a checkpoint of a different model is not
 * half-loaded. It reports the layout it found.
 */
public final class Checkpoint {
    /** Suffix of a parameter's mask tensor (torch.nn.utils.prune's buffer name). */
    public static final String MASK_SUFFIX = "_mask";
    /** Suffix of a parameter's score tensor. */
    public static final String SCORE_SUFFIX = "_score";
    /** Suffix of a parameter's unmasked values in PyTorch's pruning reparametrisation. */
    public static final String ORIG_SUFFIX = "_orig";

    private Checkpoint() {}

    /** The metadata key recording the layout a checkpoint was written in. */
    public static final String LAYOUT_KEY = "layout";
    /** The metadata "format" of a CSR export (dev.jprune.sparse.CsrFiles), which {@link #load} refuses. */
    public static final String CSR_FORMAT = "jprune-csr";

    /**
     * What {@link #load} found besides parameters and masks.
     *
     * @param scores "NAME_score" tensors, keyed by NAME
     * @param metadata the file's metadata
     * @param layout the layout found: {@link Layout#TORCH_PRUNE} when a parameter is stored as "NAME_orig",
     *     {@link Layout#MASKED} when the file holds a "NAME_mask" beside "NAME", else {@link Layout#PLAIN} (masks, if
     *     any, from a second file)
     * @param masks parameters loaded with a mask
     */
    public record Loaded(Map<String, float[]> scores, Map<String, String> metadata, Layout layout, int masks) {
        /** Wraps the maps unmodifiable. */
        public Loaded {
            scores = Collections.unmodifiableMap(scores);
            metadata = Collections.unmodifiableMap(metadata);
        }
    }

    /** Saves the model's parameters and masks with metadata {"format": "pt"}. Does not modify the model. */
    public static void save(Path file, Sequential model) throws IOException {
        save(file, model, Map.of(), Map.of());
    }

    /**
     * Saves parameters and masks in {@code layout}, atomically; for {@link Layout#PLAIN} the masks go to
     * {@code masksFile} ("NAME_mask", F32 0/1, metadata layout "masks") when it is not null, and nowhere when it is.
     * Each file is written atomically, the masks file first: a failure between the two leaves the new masks beside
     * the previous checkpoint.
     * Validates first (as {@link #save(Path, Sequential, Map, Map)}) and writes nothing when the model is invalid.
     * Does not modify the model or the map.
     *
     * @throws IllegalArgumentException when {@code masksFile} is given for another layout, or is {@code file} itself
     * @throws CheckpointException when a value is not finite, a mask is not 0/1, or a pruned value is non-zero
     */
    public static void save(Path file, Sequential model, Layout layout, Path masksFile, Map<String, String> metadata)
            throws IOException {
        if (masksFile != null && layout != Layout.PLAIN) {
            throw new IllegalArgumentException("a masks file is written for layout plain only, not "
                    + layout.cliName());
        }
        if (masksFile != null && masksFile.toAbsolutePath().normalize().equals(file.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("the masks file must differ from the checkpoint " + file);
        }
        Map<String, TensorSource> masks = new LinkedHashMap<>();
        Map<String, TensorSource> out = tensors(file, model, Map.of(), layout, masks);
        Map<String, String> meta = new TreeMap<>(metadata);
        meta.putIfAbsent("format", "pt");
        meta.put(LAYOUT_KEY, layout.cliName());
        if (masksFile != null) {
            Map<String, String> maskMeta = new TreeMap<>(meta);
            maskMeta.put(LAYOUT_KEY, "masks");
            SafeTensors.write(masksFile, masks, maskMeta);
        }
        SafeTensors.write(file, out, meta);
    }

    /** The layout of a file with these tensor names (see {@link Loaded#layout}; masks from elsewhere not counted). */
    public static Layout layoutOf(java.util.Collection<String> tensorNames) {
        boolean masked = false;
        for (String n : tensorNames) {
            if (n.endsWith(ORIG_SUFFIX)) return Layout.TORCH_PRUNE;
            if (n.endsWith(MASK_SUFFIX)) masked = true;
        }
        return masked ? Layout.MASKED : Layout.PLAIN;
    }

    /**
     * Saves parameters, masks and {@code scores} (parameter name → one score per element), atomically.
     * Validates first and writes nothing when a value or score is not finite, a mask is not 0/1 or has the
     * wrong length, a pruned value is non-zero, or a score's name or length does not match a parameter.
     * Does not modify the model or the maps; arrays are streamed, not copied.
     */
    public static void save(Path file, Sequential model, Map<String, float[]> scores, Map<String, String> metadata)
            throws IOException {
        Map<String, TensorSource> out = tensors(file, model, scores, Layout.MASKED, null);
        Map<String, String> meta = new TreeMap<>(metadata);
        meta.putIfAbsent("format", "pt");
        SafeTensors.write(file, out, meta);
    }

    /**
     * The validated tensors of {@code model} in {@code layout} (scores only in MASKED); PLAIN's masks into
     * {@code masksOut} when it is not null. Throws before anything is written.
     */
    private static Map<String, TensorSource> tensors(Path file, Sequential model, Map<String, float[]> scores,
            Layout layout, Map<String, TensorSource> masksOut) throws IOException {
        Map<String, Parameter> params = model.namedParameters();
        for (String s : scores.keySet()) {
            if (!params.containsKey(s)) throw new CheckpointException(file,
                    "score for '" + s + "', which is not a parameter of the model");
        }
        Map<String, TensorSource> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            int[] shape = p.value.shape();
            float[] v = p.value.data;
            requireFinite(file, name, v, shape);
            boolean orig = layout == Layout.TORCH_PRUNE && p.mask != null;
            out.put(orig ? name + ORIG_SUFFIX : name, TensorEntry.f32(v, shape));
            if (p.mask != null) {
                byte[] m = p.mask;
                if (m.length != v.length) {
                    throw new CheckpointException(file, "refusing to save: mask of '" + name + "' has " + m.length
                            + " entries for " + v.length + " values");
                }
                for (int i = 0; i < m.length; i++) {
                    if (m[i] != 0 && m[i] != 1) throw new CheckpointException(file,
                            "refusing to save: '" + name + "' mask" + at(i, shape) + " is " + m[i] + ", not 0 or 1");
                    if (m[i] == 0 && v[i] != 0f) {
                        throw new CheckpointException(file, "refusing to save: '" + name + "'" + at(i, shape) + " = "
                                + v[i] + " is pruned (mask 0) but not zero");
                    }
                }
                if (layout != Layout.PLAIN) out.put(name + MASK_SUFFIX, new MaskAsF32(m, shape));
                else if (masksOut != null) masksOut.put(name + MASK_SUFFIX, new MaskAsF32(m, shape));
            }
            float[] s = scores.get(name);
            if (s != null) {
                if (s.length != v.length) {
                    throw new CheckpointException(file, "refusing to save: score of '" + name + "' has " + s.length
                            + " entries for " + v.length + " values");
                }
                requireFinite(file, name + SCORE_SUFFIX, s, shape);
                out.put(name + SCORE_SUFFIX, TensorEntry.f32(s, shape));
            }
        }
        return out;
    }

    /** Streams a 0/1 byte mask as F32 0.0/1.0 without a float[] copy. */
    private record MaskAsF32(byte[] mask, int[] shape) implements TensorSource {
        @Override public DType dtype() { return DType.F32; }

        @Override public int[] shape() { return shape; }

        @Override
        public void writeData(TensorSink sink) throws IOException {
            float[] chunk = new float[Math.min(mask.length, 1 << 16)];
            for (int off = 0; off < mask.length; off += chunk.length) {
                int n = Math.min(chunk.length, mask.length - off);
                for (int i = 0; i < n; i++) chunk[i] = mask[off + i];
                sink.putFloats(chunk, 0, n);
            }
        }
    }

    /**
     * Loads a checkpoint into {@code model}: every parameter's value, and its mask (set to {@code null} when
     * the file has none). Everything is validated before anything is copied, so on any exception the model
     * is unchanged. Gradients are not touched. Modifies {@code model}'s parameter values and masks.
     *
     * @return scores found ("NAME_score", keyed by NAME) and the file's metadata
     * @throws CheckpointException naming the file and tensor when the file is a CSR export, a parameter is missing,
     *     present both plain and as "_orig", of the wrong shape or dtype, not finite (with the element), a mask is
     *     not 0/1, a plain value is non-zero where its mask is 0, or the file holds a tensor the model does not know
     * @throws SafeTensorsException when the file is not valid safetensors
     */
    public static Loaded load(Path file, Sequential model) throws IOException {
        return load(file, null, model);
    }

    /**
     * As {@link #load(Path, Sequential)}, with the masks ("NAME_mask") from {@code masksFile} when it is not null (a
     * {@link Layout#PLAIN} checkpoint and its masks file): a mask in both files, or any other tensor in the masks file,
     * is an error naming it. Modifies {@code model}'s parameter values and masks, only when everything is valid.
     *
     * @throws CheckpointException as {@link #load(Path, Sequential)}, naming the file the fault is in
     * @throws SafeTensorsException when a file is not valid safetensors
     */
    public static Loaded load(Path file, Path masksFile, Sequential model) throws IOException {
        SafeTensorFile f = SafeTensors.read(file);
        if (CSR_FORMAT.equals(f.metadata().get("format"))) {
            throw new CheckpointException(file, "is a CSR export (jprune export --format csr), not a checkpoint; give"
                    + " the checkpoint it was exported from (CsrFiles.read reads CSR exports)");
        }
        Map<String, TensorEntry> extraMasks = masksFile == null ? Map.of() : SafeTensors.read(masksFile).tensors();
        Map<String, Parameter> params = model.namedParameters();
        Set<String> used = new HashSet<>(), usedExtra = new HashSet<>();
        List<float[]> newValues = new ArrayList<>();
        List<byte[]> newMasks = new ArrayList<>();
        Map<String, float[]> scores = new LinkedHashMap<>();

        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue().value.shape();
            TensorEntry plain = f.get(name), orig = f.get(name + ORIG_SUFFIX), maskT = f.get(name + MASK_SUFFIX),
                    scoreT = f.get(name + SCORE_SUFFIX), extraMask = extraMasks.get(name + MASK_SUFFIX);
            if (extraMask != null && maskT != null) {
                throw new CheckpointException(masksFile, "mask '" + name + MASK_SUFFIX + "' is also in " + file);
            }
            boolean maskFromExtra = maskT == null && extraMask != null;
            Path maskFile = maskFromExtra ? masksFile : file;
            if (maskFromExtra) maskT = extraMask;
            if (plain != null && orig != null) {
                throw new CheckpointException(file,
                        "both '" + name + "' and '" + name + ORIG_SUFFIX + "' present; expected one");
            }
            if (plain == null && orig == null) {
                throw new CheckpointException(file, "missing tensor '" + name + "' (model " + model.describe()
                        + " has parameters " + params.keySet() + ")");
            }
            if (orig != null && maskT == null) {
                throw new CheckpointException(file,
                        "'" + name + ORIG_SUFFIX + "' without '" + name + MASK_SUFFIX + "'");
            }
            String valueName = plain != null ? name : name + ORIG_SUFFIX;
            float[] v = floatValues(file, valueName, plain != null ? plain : orig, shape);
            byte[] mask = null;
            if (maskT != null) {
                mask = maskValues(maskFile, name + MASK_SUFFIX, maskT, shape);
                for (int i = 0; i < v.length; i++) {
                    if (mask[i] != 0) continue;
                    // weight = orig * mask; +0 keeps Parameter's "pruned == 0" invariant without -0
                    if (orig != null) v[i] = 0f;
                    else if (v[i] != 0f) {
                        throw new CheckpointException(file, "'" + name + "'" + at(i, shape) + " = " + v[i]
                                + " but its mask is 0 (pruned values must be zero)");
                    }
                }
            }
            if (scoreT != null) scores.put(name, floatValues(file, name + SCORE_SUFFIX, scoreT, shape));
            used.add(valueName);
            if (maskT != null) (maskFromExtra ? usedExtra : used).add(name + MASK_SUFFIX);
            if (scoreT != null) used.add(name + SCORE_SUFFIX);
            newValues.add(v);
            newMasks.add(mask);
        }
        List<String> unknown = new ArrayList<>();
        for (String n : f.tensors().keySet()) if (!used.contains(n)) unknown.add(n);
        if (!unknown.isEmpty()) {
            throw new CheckpointException(file,
                    "tensors not in the model: " + unknown + " (model has parameters " + params.keySet()
                    + "; only NAME, NAME" + ORIG_SUFFIX + ", NAME" + MASK_SUFFIX + ", NAME" + SCORE_SUFFIX
                    + " are accepted)");
        }
        List<String> unknownMasks = new ArrayList<>();
        for (String n : extraMasks.keySet()) if (!usedExtra.contains(n)) unknownMasks.add(n);
        if (!unknownMasks.isEmpty()) {
            throw new CheckpointException(masksFile, "tensors that are not masks of the model's parameters: "
                    + unknownMasks + " (expected NAME" + MASK_SUFFIX + " for NAME in " + params.keySet() + ")");
        }
        // Commit: nothing below can fail.
        int i = 0;
        for (Parameter p : params.values()) {
            System.arraycopy(newValues.get(i), 0, p.value.data, 0, p.value.data.length);
            p.mask = newMasks.get(i);
            i++;
        }
        int masks = 0;
        for (byte[] m : newMasks) if (m != null) masks++;
        return new Loaded(scores, new TreeMap<>(f.metadata()), layoutOf(f.tensors().keySet()), masks);
    }

    private static float[] floatValues(Path file, String name, TensorEntry t, int[] shape) throws CheckpointException {
        if (!t.dtype().isFloatingPoint()) throw new CheckpointException(file,
                "tensor '" + name + "' is " + t.dtype() + "; expected a floating-point dtype (F32, F16, BF16, F64)");
        requireShape(file, name, t, shape);
        float[] v = t.dtype() == DType.F32 ? t.floats() : t.toFloats(); // F32: the freshly read array, owned here
        requireFinite(file, name, v, shape);
        return v;
    }

    private static byte[] maskValues(Path file, String name, TensorEntry t, int[] shape) throws CheckpointException {
        requireShape(file, name, t, shape);
        byte[] m = new byte[t.size()];
        if (t.dtype() == DType.U8 || t.dtype() == DType.BOOL) {
            byte[] b = t.bytes();
            for (int i = 0; i < b.length; i++) {
                if (b[i] != 0 && b[i] != 1) throw new CheckpointException(file,
                        "mask '" + name + "'" + at(i, shape) + " is " + (b[i] & 0xff) + ", not 0 or 1");
                m[i] = b[i];
            }
        } else if (t.dtype().isFloatingPoint()) {
            float[] f = t.dtype() == DType.F32 ? t.floats() : t.toFloats();
            for (int i = 0; i < f.length; i++) {
                if (f[i] == 1f) m[i] = 1;
                else if (f[i] != 0f) throw new CheckpointException(file,
                        "mask '" + name + "'" + at(i, shape) + " is " + f[i] + ", not 0 or 1");
            }
        } else {
            throw new CheckpointException(file,
                    "mask '" + name + "' is " + t.dtype() + "; expected F32, F16, BF16, F64, U8 or BOOL");
        }
        return m;
    }

    private static void requireShape(Path file, String name, TensorEntry t, int[] shape) throws CheckpointException {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(file, "tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + " but the model expects " + Arrays.toString(shape));
        }
    }

    private static void requireFinite(Path file, String name, float[] v, int[] shape) throws CheckpointException {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) throw new CheckpointException(file,
                    "tensor '" + name + "'" + at(i, shape) + " is " + v[i]);
        }
    }

    /** " element 5 [1, 2]": flat index and row-major coordinates. */
    static String at(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        int r = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) break;
            idx[d] = r % shape[d];
            r /= shape[d];
        }
        return " element " + flat + " " + Arrays.toString(idx);
    }
}
