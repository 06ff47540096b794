package dev.jprune.onnx;

import com.google.gson.Gson;
import dev.jprune.Version;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.sparse.StructuredShrink;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The metadata_props the exporter writes; see {@link OnnxExporter} for the keys. */
final class OnnxMetadata {
    private OnnxMetadata() {}

    /** Group sizes tried, smallest first, when recognising an N:M pattern. */
    private static final int[] NM_GROUPS = {2, 4, 8, 16, 32};

    static Map<String, String> build(Sequential source, OnnxExportOptions o, List<StructuredShrink.LayerChange> shrunk,
                                     List<OnnxModel.Initializer> written) {
        Map<String, String> m = new TreeMap<>(o.metadata());
        for (String k : OnnxExporter.RESERVED_KEYS) {
            if (m.containsKey(k)) {
                throw new IllegalArgumentException("ONNX export: metadata key '" + k + "' is the exporter's own");
            }
        }
        Gson gson = new Gson();
        m.put("producer", "jprune");
        m.put("jprune_version", Version.get());
        if (o.modelName() != null) m.put("model", o.modelName());
        m.put("criterion", o.criterion() == null ? "unknown" : o.criterion());
        Map<String, Double> sparsity = new LinkedHashMap<>();
        String nm = null;
        boolean anyMask = false, anyPruned = false, allNm = true, allRowUniform = true, anyPrunedRow = false;
        for (Map.Entry<String, Parameter> e : source.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (p.kind != Parameter.Kind.WEIGHT) continue;
            sparsity.put(e.getKey(), Math.round((1 - p.nonzeroMaskCount() / (double) p.size()) * 1e6) / 1e6);
            if (p.mask == null) continue;
            anyMask = true;
            anyPruned |= p.nonzeroMaskCount() < p.size();
            int rowLength = p.size() / p.value.dim(0);
            String pattern = nmPattern(p.mask, rowLength);
            if (pattern == null || (nm != null && !nm.equals(pattern))) allNm = false;
            else nm = pattern;
            int uniform = rowUniform(p.mask, rowLength);
            if (uniform < 0) allRowUniform = false;
            else if (uniform > 0) anyPrunedRow = true;
        }
        m.put("sparsity", gson.toJson(sparsity));
        String granularity = !anyPruned ? "dense" : allNm ? "n:m"
                : allRowUniform && anyPrunedRow ? "structured" : "unstructured";
        m.put("granularity", granularity);
        if (granularity.equals("n:m")) {
            m.put("nm_pattern", nm);
            m.put("nm_layout", "each weight row ([out, in] of Gemm B with transB=1; [F, C*kh*kw] of Conv W, row-major) "
                    + "in aligned groups of " + nm.substring(nm.indexOf(':') + 1)
                    + " consecutive elements along the reduction dimension, each with exactly "
                    + nm.substring(0, nm.indexOf(':')) + " nonzeros (a shorter last group keeps at most that many)");
        }
        if (!shrunk.isEmpty()) {
            Map<String, int[]> s = new LinkedHashMap<>();
            for (StructuredShrink.LayerChange c : shrunk) {
                s.put(Integer.toString(c.layer()), new int[] {c.unitsBefore(), c.unitsAfter()});
            }
            m.put("shrunk_units", gson.toJson(s));
        }
        List<String> sparseNames = new ArrayList<>();
        for (OnnxModel.Initializer i : written) if (i.sparse()) sparseNames.add(i.name());
        if (!sparseNames.isEmpty()) m.put("sparse_initializers", gson.toJson(sparseNames));
        m.put("mask_sha256", anyMask ? maskHash(source) : "none");
        return m;
    }

    /**
     * SHA-256 (hex) over every masked parameter in state_dict order: its UTF-8 name, a 0 byte, the mask length as a
     * little-endian int32, then the mask bytes (0 or 1). Identifies the pruning a file came from.
     */
    static String maskHash(Sequential source) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, Parameter> e : source.namedParameters().entrySet()) {
                byte[] mask = e.getValue().mask;
                if (mask == null) continue;
                d.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(mask.length).array());
                d.update(mask);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /**
     * "N:M" when every aligned group of M consecutive elements of each row keeps exactly N (a shorter last group
     * keeps min(N, its length)), 0 &lt; N &lt; M, for the smallest such M of {@link #NM_GROUPS}; null when none fits.
     */
    static String nmPattern(byte[] mask, int rowLength) {
        for (int m : NM_GROUPS) {
            if (rowLength < m) break;
            int n = 0;
            for (int j = 0; j < m; j++) n += mask[j];
            if (n == 0 || n >= m || !everyGroupKeeps(mask, rowLength, n, m)) continue;
            return n + ":" + m;
        }
        return null;
    }

    private static boolean everyGroupKeeps(byte[] mask, int rowLength, int n, int m) {
        for (int row = 0; row < mask.length; row += rowLength) {
            for (int g = 0; g < rowLength; g += m) {
                int r = Math.min(m, rowLength - g), kept = 0;
                for (int j = 0; j < r; j++) kept += mask[row + g + j];
                if (kept != Math.min(n, r)) return false;
            }
        }
        return true;
    }

    /** -1 when some row mixes kept and pruned entries; otherwise the number of wholly pruned rows. */
    private static int rowUniform(byte[] mask, int rowLength) {
        int pruned = 0;
        for (int row = 0; row < mask.length; row += rowLength) {
            int kept = 0;
            for (int j = 0; j < rowLength; j++) kept += mask[row + j];
            if (kept == 0) pruned++;
            else if (kept != rowLength) return -1;
        }
        return pruned;
    }
}
