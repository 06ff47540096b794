package dev.jprune.sparse;

import dev.jprune.cpu.Epilogue;
import dev.jprune.cpu.Gemm;
import dev.jprune.cpu.PackedB;
import dev.jprune.cpu.SparseKernels;
import dev.jprune.util.Parallel;
import java.util.Arrays;

/**
 * A Linear layer of a {@link SparseModel}: y = x·Wᵀ + b (then ReLU when the next layer is a ReLU, fused), with W
 * kept in CSR and, where the cost model says dense can be faster, also packed dense for {@link Gemm}. Which one runs is
 * fixed per batch size when the stage is built ({@link KernelChoice}); both give the same bits for finite inputs
 * (see {@link SparseKernels}), so the choice never changes a result. Immutable; safe from any number of threads.
 */
final class LinearStage implements SparseModel.WeightStage {
    private final String name;
    private final Csr w;          // [out, in]
    private final float[] b;      // [out]
    private final boolean relu;
    private final int denseFrom;  // batches of at least this many samples run dense ...
    private final boolean smallLanes; // ... except GATHER_BELOW..LANES_MAX for a small layer (KernelChoice)
    private final PackedB dense;  // Wᵀ [in, out], null when denseFrom is unreachable
    private final int[] parts;    // nonzero-balanced row ranges for the threads
    private final int[] usedCols; // the input features some nonzero reads, ascending; null when that is all of them
    /**
     * Batches smaller than this run the one-sample kernel per sample: the feature-major kernel's vectors over the
     * batch are mostly empty for 2 or 3 samples (measured at batch 2: 0.6-1.0x of two one-sample calls).
     */
    static final int GATHER_BELOW = 4;

    LinearStage(String name, Csr w, float[] b, boolean relu, KernelChoice.Mode mode) {
        this.name = name;
        this.w = w;
        this.b = b;
        this.relu = relu;
        this.denseFrom = KernelChoice.denseFromBatch(mode, w.density(), w.colIdx16 != null);
        this.smallLanes = denseFrom <= SparseKernels.LANES_MAX
                && KernelChoice.smallRunsLanes(mode, (long) w.rows * w.cols, w.density(), w.colIdx16 != null);
        this.dense = denseFrom == Integer.MAX_VALUE ? null
                : PackedB.pack(true, w.cols, w.rows, w.toDense(), 0, Math.max(1, w.cols));
        this.parts = w.balancedRowParts(4 * Parallel.threads());
        this.usedCols = usedColumns(w);
    }

    /** The columns with at least one nonzero, ascending, or null when every column has one. */
    static int[] usedColumns(Csr w) {
        boolean[] used = new boolean[w.cols];
        int count = 0;
        for (int c : w.colIdx) if (!used[c]) { used[c] = true; count++; }
        if (count == w.cols) return null;
        int[] cols = new int[count];
        for (int c = 0, i = 0; c < w.cols; c++) if (used[c]) cols[i++] = c;
        return cols;
    }

    private int batchOf(int[] s) {
        long f = 1;
        for (int i = 1; i < s.length; i++) f *= s[i];
        boolean ok = s.length == 1 ? s[0] == w.cols : s.length >= 1 && f == w.cols;
        if (!ok) {
            throw new IllegalArgumentException(describe() + ": expected input [N, " + w.cols + "] (or [N, ...] with "
                    + w.cols + " features) but got " + Arrays.toString(s));
        }
        return s.length == 1 ? 1 : s[0];
    }

    // x [n, in] in any layout -> y [n, out]: SAMPLES (dense, fewer than GATHER_BELOW samples), LANES (sparse, up to
    // SparseKernels.LANES_MAX samples), ROWS (sparse, larger batches)
    @Override
    public Act run(Act in, int[] inDims, Workspace ws) {
        int n = in.n, out = w.rows, o = in.outBuf();
        if (n >= denseFrom && !(smallLanes && n >= GATHER_BELOW && n <= SparseKernels.LANES_MAX)) {
            float[] y = ws.flat(o, (long) n * out);
            if (in.layout == Act.Layout.LANES) { // lane blocks are x stored transposed: [in, ld], no copy out of them
                Gemm.gemm(true, n, 1f, in.flat, 0, SparseKernels.lanesStride(n), dense, 0f, y, 0, out, ws.mayFork);
            } else {
                Act x = ws.asFlat(in);
                Gemm.gemm(false, n, 1f, x.flat, x.off, w.cols, dense, 0f, y, 0, out, ws.mayFork);
            }
            for (int s = 0; s < n; s++) Epilogue.biasRow(y, s * out, b, out, relu);
            return ws.acts[o].setFlat(n, out, y, 0, o);
        }
        if (n < GATHER_BELOW || w.colIdx16 == null) {
            Act x = ws.asFlat(in);
            float[] y = ws.flat(o, (long) n * out);
            for (int s = 0; s < n; s++) {
                int xo = x.off + s * w.cols;
                float[] sample = x.flat;
                if (xo != 0) { // the one-sample kernel reads x from index 0 (see SparseKernels.csrVector)
                    sample = ws.sample(w.cols);
                    System.arraycopy(x.flat, xo, sample, 0, w.cols);
                }
                vector(sample, y, s * out, ws);
            }
            return ws.acts[o].setFlat(n, out, y, 0, o);
        }
        if (n <= SparseKernels.LANES_MAX) {
            Act x = ws.asLanes(in, usedCols);
            float[] xl = x.flat, yl = ws.lanes(o, (long) out * SparseKernels.lanesStride(n));
            if (!ws.fork((long) w.nnz() * n, Spmm.PARALLEL_MACS)) {
                SparseKernels.csrLanes(w.rowPtr, w.colIdx16, w.values, xl, n, b, relu, yl, 0, out);
            } else {
                Parallel.forRange(parts.length - 1, 1, (p0, p1) -> SparseKernels.csrLanes(w.rowPtr, w.colIdx16,
                        w.values, xl, n, b, relu, yl, parts[p0], parts[p1]));
            }
            return ws.acts[o].setLanes(n, out, yl, o);
        }
        Act x = ws.asRows(in);
        float[][] yt = ws.rows(o, out, n);
        if (!ws.fork((long) w.nnz() * n, Spmm.PARALLEL_MACS)) {
            SparseKernels.csrRows(w.rowPtr, w.colIdx16, w.values, x.rows, n, b, relu, yt, 0, out);
        } else {
            float[][] xr = x.rows;
            Parallel.forRange(parts.length - 1, 1, (p0, p1) -> SparseKernels.csrRows(w.rowPtr, w.colIdx16, w.values, xr,
                    n, b, relu, yt, parts[p0], parts[p1]));
        }
        return ws.acts[o].setRows(n, out, yt, o);
    }

    /** One sample: y[yOff .. yOff + out) from x[0 .. in). */
    private void vector(float[] x, float[] y, int yOff, Workspace ws) {
        if (w.colIdx16 == null) {
            Spmm.wideRows(w, x, 0, b, y, yOff);
            if (relu) for (int j = 0; j < w.rows; j++) y[yOff + j] = Epilogue.relu(y[yOff + j]);
        } else if (!ws.fork(w.nnz(), Spmm.PARALLEL_GATHER)) {
            SparseKernels.csrVector(w.rowPtr, w.colIdx16, w.values, x, b, relu, y, yOff, 0, w.rows);
        } else {
            Parallel.forRange(parts.length - 1, 1, (p0, p1) -> SparseKernels.csrVector(w.rowPtr, w.colIdx16, w.values,
                    x, b, relu, y, yOff, parts[p0], parts[p1]));
        }
    }

    @Override public int[] outputShape(int[] in) { return new int[] {batchOf(in), w.rows}; }

    @Override
    public String describe() {
        return name + ": SparseLinear(" + w.cols + " -> " + w.rows + ", nnz " + w.nnz() + (relu ? ", ReLU fused" : "")
                + ", " + KernelChoice.describe(denseFrom)
                + (smallLanes ? ", sparse lane kernel at batches " + GATHER_BELOW + "-" + SparseKernels.LANES_MAX
                        + " (small layer)" : "") + ")";
    }

    @Override public String name() { return name; }
    @Override public Csr weight() { return w; }
    @Override public float[] bias() { return b; }
    @Override public long positions(int[] inputShape) { return 1; }
    @Override public int[] denseWeightShape() { return new int[] {w.rows, w.cols}; }
    @Override public int denseFromBatch() { return denseFrom; }
}
