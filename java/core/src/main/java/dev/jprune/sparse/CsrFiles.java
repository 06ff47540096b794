package dev.jprune.sparse;

import dev.jprune.io.DType;
import dev.jprune.io.SafeTensorFile;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CSR exports of a model's weights as .safetensors files: every weight W of shape [rows, ...] is stored over its
 * [rows, rowLength] view as {@code W.crow_indices} (I32 [rows+1]), {@code W.col_indices} (I32 [nnz]) and
 * {@code W.values} (F32 [nnz]) — the three arrays of {@code torch.sparse_csr_tensor} — and biases as they are (F32);
 * metadata {@code "format": "jprune-csr"}, the model's name under "model", and each weight's dense shape under
 * {@code "W.shape"} (e.g. "[300, 784]"). The file is written by {@link SafeTensors#write} (atomically).
 */
public final class CsrFiles {
    private CsrFiles() {}

    /** The metadata "format" value of a CSR export. */
    public static final String FORMAT = dev.jprune.io.Checkpoint.CSR_FORMAT;

    /**
     * What {@link #read} found.
     *
     * @param weights   CSR weights by parameter name ("0.weight"), [rows, rowLength] views
     * @param shapes    the dense shape of every weight, by name
     * @param biases    dense parameters (biases) by name
     * @param metadata  the file's metadata
     */
    public record CsrFile(Map<String, Csr> weights, Map<String, int[]> shapes, Map<String, float[]> biases,
            Map<String, String> metadata) {
        /** Wraps the maps unmodifiable. */
        public CsrFile {
            weights = Collections.unmodifiableMap(weights);
            shapes = Collections.unmodifiableMap(shapes);
            biases = Collections.unmodifiableMap(biases);
            metadata = Collections.unmodifiableMap(metadata);
        }
    }

    /**
     * Writes the CSR export of {@code net}'s parameters (masked weights are 0 and so not stored) to {@code out}.
     * Does not modify the model.
     *
     * @param modelName recorded under the metadata key "model"
     * @throws IllegalArgumentException for a null argument, or a parameter that holds a NaN or infinity, has a mask of
     *     another length, or is non-zero where its mask prunes (as ONNX export and checkpoints; nothing is written)
     * @throws IOException when the file cannot be written (nothing is left half-written)
     */
    public static void write(Path out, Sequential net, String modelName) throws IOException {
        if (out == null || net == null || modelName == null) {
            throw new IllegalArgumentException("CsrFiles.write: null argument");
        }
        Map<String, Parameter> params = net.namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            e.getValue().requireWritable("CsrFiles.write", e.getKey());
        }
        Map<String, TensorEntry> t = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", modelName);
        meta.put("format", FORMAT);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            if (p.kind == Parameter.Kind.BIAS) {
                t.put(e.getKey(), TensorEntry.f32(p.value.data.clone(), p.value.shape())); continue;
            }
            int rows = p.value.dim(0), cols = p.size() / rows;
            Csr c = Csr.fromDense(p.value.data, rows, cols);
            t.put(e.getKey() + ".crow_indices", TensorEntry.raw(DType.I32, littleEndian(c.rowPtr()), rows + 1));
            t.put(e.getKey() + ".col_indices", TensorEntry.raw(DType.I32, littleEndian(c.colIdx()), c.nnz()));
            t.put(e.getKey() + ".values", TensorEntry.f32(c.values(), c.nnz()));
            meta.put(e.getKey() + ".shape", Arrays.toString(p.value.shape()));
        }
        SafeTensors.write(out, t, meta);
    }

    /**
     * Reads a CSR export written by {@link #write} (or by anything that follows the same layout).
     *
     * @throws IOException naming the file and tensor when it is not valid safetensors, is not a {@value #FORMAT} file,
     *     a weight lacks one of its three arrays or its shape, an array has the wrong dtype, or the arrays do not form
     *     a valid CSR matrix of that shape
     */
    public static CsrFile read(Path in) throws IOException {
        SafeTensorFile f = SafeTensors.read(in);
        if (!FORMAT.equals(f.metadata().get("format"))) {
            throw new IOException(in + ": not a CSR export (metadata format is '" + f.metadata().get("format")
                    + "', expected '" + FORMAT + "')");
        }
        Map<String, Csr> weights = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> biases = new LinkedHashMap<>();
        for (Map.Entry<String, TensorEntry> e : f.tensors().entrySet()) {
            String key = e.getKey();
            if (key.endsWith(".crow_indices")) {
                String name = key.substring(0, key.length() - ".crow_indices".length());
                int[] shape = parseShape(in, name, f.metadata().get(name + ".shape"));
                int rows = shape[0], cols = shape[0] == 0 ? 0 : (int) (count(shape) / rows);
                int[] rowPtr = ints(in, key, e.getValue());
                int[] colIdx = ints(in, name + ".col_indices", need(in, f, name + ".col_indices"));
                TensorEntry v = need(in, f, name + ".values");
                if (v.dtype() != DType.F32) throw new IOException(in + ": tensor '" + name + ".values' is " + v.dtype()
                        + "; expected F32");
                try {
                    weights.put(name, new Csr(rows, cols, rowPtr, colIdx, v.floats()));
                } catch (IllegalArgumentException bad) {
                    throw new IOException(in + ": weight '" + name + "' of shape " + Arrays.toString(shape) + ": "
                            + bad.getMessage(), bad);
                }
                shapes.put(name, shape);
            } else if (!key.endsWith(".col_indices") && !key.endsWith(".values")) {
                if (!e.getValue().dtype().isFloatingPoint()) throw new IOException(in + ": tensor '" + key + "' is "
                        + e.getValue().dtype() + "; expected F32");
                biases.put(key, e.getValue().toFloats());
            }
        }
        for (String key : f.tensors().keySet()) {
            String base = key.endsWith(".col_indices") ? key.substring(0, key.length() - 12)
                    : key.endsWith(".values") ? key.substring(0, key.length() - 7) : null;
            if (base != null && !weights.containsKey(base)) throw new IOException(in + ": tensor '" + key
                    + "' without '" + base + ".crow_indices'");
        }
        return new CsrFile(weights, shapes, biases, new LinkedHashMap<>(f.metadata()));
    }

    private static TensorEntry need(Path in, SafeTensorFile f, String name) throws IOException {
        TensorEntry t = f.get(name);
        if (t == null) throw new IOException(in + ": missing tensor '" + name + "'");
        return t;
    }

    private static int[] ints(Path in, String name, TensorEntry t) throws IOException {
        if (t.dtype() != DType.I32) throw new IOException(in + ": tensor '" + name + "' is " + t.dtype()
                + "; expected I32");
        ByteBuffer b = ByteBuffer.wrap(t.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = b.getInt();
        return out;
    }

    private static int[] parseShape(Path in, String name, String text) throws IOException {
        if (text == null) throw new IOException(in + ": no metadata '" + name + ".shape' for weight '" + name + "'");
        String body = text.trim();
        if (!body.startsWith("[") || !body.endsWith("]")) throw new IOException(in + ": metadata '" + name
                + ".shape' is '" + text + "'; expected e.g. [300, 784]");
        String[] parts = body.substring(1, body.length() - 1).split(",");
        int[] shape = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) shape[i] = Integer.parseInt(parts[i].trim());
        } catch (NumberFormatException e) {
            throw new IOException(in + ": metadata '" + name + ".shape' is '" + text + "'; expected e.g. [300, 784]");
        }
        for (int d : shape) if (d < 0) throw new IOException(in + ": metadata '" + name
                + ".shape' has a negative dimension: " + text);
        if (shape.length == 0 || count(shape) > Integer.MAX_VALUE) throw new IOException(in + ": metadata '" + name
                + ".shape' is not a weight shape: " + text);
        return shape;
    }

    private static long count(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    private static byte[] littleEndian(int[] a) {
        ByteBuffer b = ByteBuffer.allocate(4 * a.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : a) b.putInt(v);
        return b.array();
    }
}
