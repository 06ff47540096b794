package dev.jprune.sparse;

import dev.jprune.nn.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Size and cost of a sparse model, per weighted layer and in total, for one sample of a given shape.
 * <ul>
 *   <li>params: weight + bias entries of the dense layer; nonzeros: exactly nonzero weights + nonzero bias entries</li>
 *   <li>FLOPs per sample = 2·multiply-adds of the weight product (bias adds not counted): dense 2·out·in, sparse
 *   2·nnz(W); for a convolution times the output spatial size OH·OW</li>
 *   <li>dense bytes = 4·params; sparse bytes = CSR bytes of the weight (rowPtr + colIdx + values) + 4·bias entries</li>
 * </ul>
 *
 * @param sampleShape shape of one input sample without the batch dimension
 */
public record SparseReport(int[] sampleShape, List<Row> layers, Row total) {

    /** One weighted layer (or the total, named "total"). */
    public record Row(String name, String kind, long params, long nonzeros, long denseFlops, long sparseFlops,
                      long denseBytes, long sparseBytes) {
        /** nonzeros / params (0 when there are no parameters). */
        public double density() { return params == 0 ? 0 : (double) nonzeros / params; }
        /** 1 − density. */
        public double sparsity() { return params == 0 ? 0 : 1 - density(); }
    }

    /** Copies the lists. */
    public SparseReport {
        sampleShape = sampleShape.clone();
        layers = List.copyOf(layers);
    }

    @Override public int[] sampleShape() { return sampleShape.clone(); }

    /** Report for {@code model} (not modified) exported to CSR; see {@link #of(SparseModel, int[])}. */
    public static SparseReport of(Sequential model, int[] sampleShape) {
        return of(SparseModel.export(model), sampleShape);
    }

    /**
     * Report for {@code model} on samples of shape {@code sampleShape} (no batch dimension, e.g. {1, 28, 28}).
     *
     * @throws IllegalArgumentException when the sample shape does not fit the model
     */
    public static SparseReport of(SparseModel model, int[] sampleShape) {
        if (sampleShape == null) throw new IllegalArgumentException("SparseReport: null sample shape");
        int[] s = new int[sampleShape.length + 1];
        s[0] = 1;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        List<Row> rows = new ArrayList<>();
        long p = 0, nz = 0, df = 0, sf = 0, db = 0, sb = 0;
        for (SparseModel.Stage st : model.stages()) {
            if (st instanceof SparseModel.WeightStage) {
                SparseModel.WeightStage ws = (SparseModel.WeightStage) st;
                Csr w = ws.weight();
                float[] b = ws.bias();
                long pos = ws.positions(s);
                long biasNz = 0;
                for (float v : b) if (v != 0f) biasNz++;
                long params = (long) w.rows * w.cols + b.length;
                Row r = new Row(ws.name(), kindOf(ws), params, w.nnz() + biasNz, 2L * w.rows * w.cols * pos,
                        2L * w.nnz() * pos, 4L * params, w.bytes() + 4L * b.length);
                rows.add(r);
                p += r.params; nz += r.nonzeros; df += r.denseFlops; sf += r.sparseFlops;
                db += r.denseBytes; sb += r.sparseBytes;
            }
            s = st.outputShape(s);
        }
        return new SparseReport(sampleShape, rows, new Row("total", "", p, nz, df, sf, db, sb));
    }

    private static String kindOf(SparseModel.WeightStage ws) {
        int[] d = ws.denseWeightShape();
        return (d.length == 2 ? "Linear " : "Conv2d ") + Arrays.toString(d);
    }

    /** A plain-text table, one line per weighted layer and a total line; ends with a newline. */
    public String toTable() {
        String[] head = {"layer", "kind", "params", "nonzeros", "density", "dense FLOPs", "sparse FLOPs", "dense bytes",
                "CSR bytes"};
        List<String[]> cells = new ArrayList<>();
        cells.add(head);
        for (Row r : layers) cells.add(cells(r));
        cells.add(cells(total));
        int[] width = new int[head.length];
        for (String[] c : cells) for (int i = 0; i < c.length; i++) width[i] = Math.max(width[i], c[i].length());
        StringBuilder sb = new StringBuilder();
        sb.append("sparse report for samples of shape ").append(Arrays.toString(sampleShape))
                .append(" (FLOPs per sample = 2·MACs)\n");
        for (int k = 0; k < cells.size(); k++) {
            if (k == 1 || k == cells.size() - 1) rule(sb, width);
            String[] c = cells.get(k);
            for (int i = 0; i < c.length; i++) {
                if (i > 0) sb.append("  ");
                String pad = " ".repeat(width[i] - c[i].length());
                sb.append(i < 2 ? c[i] + pad : pad + c[i]); // text left, numbers right
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static void rule(StringBuilder sb, int[] width) {
        int n = 2 * (width.length - 1);
        for (int w : width) n += w;
        sb.append("-".repeat(n)).append('\n');
    }

    private static String[] cells(Row r) {
        return new String[] {r.name, r.kind, Long.toString(r.params), Long.toString(r.nonzeros),
                String.format(Locale.ROOT, "%.4f", r.density()), Long.toString(r.denseFlops),
                Long.toString(r.sparseFlops), Long.toString(r.denseBytes), Long.toString(r.sparseBytes)};
    }
}
