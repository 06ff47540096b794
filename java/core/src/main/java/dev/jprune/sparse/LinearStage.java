package dev.jprune.sparse;

import dev.jprune.cpu.Epilogue;
import dev.jprune.cpu.Gemm;
import dev.jprune.cpu.PackedB;
import dev.jprune.cpu.SparseKernels;
import dev.jprune.util.Parallel;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A Linear layer of a {@link SparseModel}: y = x·Wᵀ + b (then ReLU when the next layer is a ReLU, fused), with W
 * kept in CSR and, where the cost model says dense can be faster, also packed dense for {@link Gemm}. Which one runs is
 * fixed per batch size when the stage is built ({@link KernelChoice}); both give the same bits for finite inputs
 * (see {@link SparseKernels}), so the choice never changes a result. Immutable; safe from any number of threads.
 */
final class LinearStage implements SparseModel.WeightStage, SpinTeam.Split {
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
    /**
     * A team workspace splits a layer of at least this many multiply-adds: a split costs about 0.4 µs on the 2-core
     * machine (a cache-line round trip between its cores is 0.33 µs), a layer this size 3-4 µs on one thread.
     */
    static final long TEAM_MACS = 1L << 15;
    /** How a team of t threads splits this layer, at index t (made at first use). */
    private final AtomicReferenceArray<TeamPlan> teamPlans = new AtomicReferenceArray<>(SparseModel.MAX_TEAM + 1);

    /**
     * Row ranges balanced by nonzeros ({@link Csr#balancedRowParts}) and, per part, the input features its rows read
     * (null: all), which is what that part converts into its own lane blocks.
     */
    private record TeamPlan(int[] rows, int[][] used) {}
    // How a split call runs (Workspace.partPath).
    private static final int DENSE = 0, ONE_SAMPLE = 1, LANES = 2, ROWS = 3;

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
        return usedColumns(w, 0, w.rows);
    }

    /** The columns with at least one nonzero in rows [r0, r1), ascending, or null when every column has one. */
    static int[] usedColumns(Csr w, int r0, int r1) {
        boolean[] used = new boolean[w.cols];
        int count = 0;
        for (int k = w.rowPtr[r0]; k < w.rowPtr[r1]; k++) {
            int c = w.colIdx[k];
            if (!used[c]) {
                used[c] = true;
                count++;
            }
        }
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
    // SparseKernels.LANES_MAX samples), ROWS (sparse, larger batches). A team workspace splits the rows (sparse) or
    // the columns (dense) of a layer over its threads (runPart); other workspaces fork larger layers on the pool.
    @Override
    public Act run(Act in, int[] inDims, Workspace ws) {
        int n = in.n, out = w.rows, o = in.outBuf();
        if (n >= denseFrom && !(smallLanes && n >= GATHER_BELOW && n <= SparseKernels.LANES_MAX)) {
            float[] y = ws.flat(o, (long) n * out);
            Act x = in.layout == Act.Layout.LANES ? in : ws.asFlat(in); // lane blocks are x transposed: [in, ld]
            long macs = (long) n * w.rows * w.cols;
            if (ws.teamSplit(macs, TEAM_MACS)) {
                split(DENSE, x, y, null, ws);
            } else {
                dense(x, y, ws.mayFork, 0, out);
            }
            return ws.acts[o].setFlat(n, out, y, 0, o);
        }
        if (n < GATHER_BELOW || w.colIdx16 == null) {
            Act x = ws.asFlat(in);
            float[] y = ws.flat(o, (long) n * out);
            if (w.colIdx16 != null && ws.teamSplit((long) w.nnz() * n, TEAM_MACS)) {
                split(ONE_SAMPLE, x, y, null, ws);
            } else {
                for (int s = 0; s < n; s++) vector(x, s, y, ws);
            }
            return ws.acts[o].setFlat(n, out, y, 0, o);
        }
        long macs = (long) w.nnz() * n;
        if (n <= SparseKernels.LANES_MAX) {
            float[] yl = ws.lanes(o, (long) out * SparseKernels.lanesStride(n));
            if (ws.teamSplit(macs, TEAM_MACS)) {
                split(LANES, in, yl, null, ws); // each part converts the input itself
            } else if (ws.fork(macs, Spmm.PARALLEL_MACS)) {
                float[] xl = ws.asLanes(in, usedCols).flat;
                ws.forRange(parts.length - 1, 1, (p0, p1) -> SparseKernels.csrLanes(w.rowPtr, w.colIdx16,
                        w.values, xl, n, b, relu, yl, parts[p0], parts[p1]));
            } else {
                SparseKernels.csrLanes(w.rowPtr, w.colIdx16, w.values, ws.asLanes(in, usedCols).flat, n, b, relu, yl,
                        0, out);
            }
            return ws.acts[o].setLanes(n, out, yl, o);
        }
        float[][] yt = ws.rows(o, out, n);
        if (ws.teamSplit(macs, TEAM_MACS)) {
            split(ROWS, in.layout == Act.Layout.LANES ? ws.asFlat(in) : in, null, yt, ws); // parts convert the rest
        } else if (ws.fork(macs, Spmm.PARALLEL_MACS)) {
            float[][] xr = ws.asRows(in).rows;
            ws.forRange(parts.length - 1, 1, (p0, p1) -> SparseKernels.csrRows(w.rowPtr, w.colIdx16, w.values, xr,
                    n, b, relu, yt, parts[p0], parts[p1]));
        } else {
            SparseKernels.csrRows(w.rowPtr, w.colIdx16, w.values, ws.asRows(in).rows, n, b, relu, yt, 0, out);
        }
        return ws.acts[o].setRows(n, out, yt, o);
    }

    /** Runs this layer on x into y or yt split over ws's team ({@link #runPart}). */
    private void split(int path, Act x, float[] y, float[][] yt, Workspace ws) {
        ws.partTables(ws.team.size());
        ws.splits++;
        ws.partPath = path;
        ws.partIn = x;
        ws.partOut = y;
        ws.partOutRows = yt;
        try {
            ws.team.run(this, ws);
        } finally {
            ws.partIn = null;
            ws.partOut = null;
            ws.partOutRows = null;
        }
    }

    /** Part {@code part} of a split call (see {@link #split}); writes only that part's rows or columns. */
    @Override
    public void runPart(int part, int parts, Workspace ws) {
        Act x = ws.partIn;
        int n = x.n;
        if (ws.partPath == DENSE) { // whole vectors of columns each, the epilogue included: C's lines stay local
            int vectors = (w.rows + Gemm.PAD - 1) / Gemm.PAD;
            int j0 = Math.min(w.rows, (vectors * part + parts - 1) / parts * Gemm.PAD);
            int j1 = Math.min(w.rows, (vectors * (part + 1) + parts - 1) / parts * Gemm.PAD);
            if (j0 < j1) dense(x, ws.partOut, false, j0, j1);
            return;
        }
        TeamPlan plan = teamPlan(parts);
        int r0 = plan.rows[part], r1 = plan.rows[part + 1];
        if (r0 == r1) return;
        if (ws.partPath == ONE_SAMPLE) {
            float[] y = ws.partOut;
            for (int s = 0; s < n; s++) {
                int xo = x.off + s * w.cols;
                float[] sample = x.flat;
                if (xo != 0) { // the one-sample kernel reads x from index 0
                    sample = ws.partSample(part, w.cols);
                    System.arraycopy(x.flat, xo, sample, 0, w.cols);
                }
                SparseKernels.csrVector(w.rowPtr, w.colIdx16, w.values, sample, b, relu, y, s * w.rows, r0, r1);
            }
        } else if (ws.partPath == LANES) {
            float[] xl = x.flat;
            if (x.layout != Act.Layout.LANES) { // this part's own lane blocks: no lines shared with another core
                xl = ws.partLanes(part, (long) w.cols * SparseKernels.lanesStride(n));
                Workspace.toLanes(x, plan.used[part], xl);
            }
            SparseKernels.csrLanes(w.rowPtr, w.colIdx16, w.values, xl, n, b, relu, ws.partOut, r0, r1);
        } else {
            float[][] xr = x.rows;
            if (x.layout != Act.Layout.ROWS) { // SAMPLES: this part's own transposed copy, as for lane blocks
                xr = ws.partRows(part, w.cols, n);
                Spmm.transpose(x.flat, x.off, n, w.cols, xr);
            }
            SparseKernels.csrRows(w.rowPtr, w.colIdx16, w.values, xr, n, b, relu, ws.partOutRows, r0, r1);
        }
    }

    /**
     * Columns [j0, j1) of y [n, out] = relu(x·Wᵀ + b) from x in SAMPLES or LANES layout (the whole product when that
     * is every column, on the pool when mayFork and it is large; else {@link Gemm#gemmColumns}).
     */
    private void dense(Act x, float[] y, boolean mayFork, int j0, int j1) {
        boolean lanes = x.layout == Act.Layout.LANES;
        int n = x.n, out = w.rows, lda = lanes ? SparseKernels.lanesStride(n) : w.cols, off = lanes ? 0 : x.off;
        if (j0 == 0 && j1 == out) Gemm.gemm(lanes, n, 1f, x.flat, off, lda, dense, 0f, y, 0, out, mayFork);
        else Gemm.gemmColumns(lanes, n, 1f, x.flat, off, lda, dense, 0f, y, 0, out, j0, j1);
        for (int s = 0; s < n; s++) Epilogue.biasRow(y, s * out + j0, b, j0, j1 - j0, relu);
    }

    private TeamPlan teamPlan(int t) {
        TeamPlan plan = teamPlans.get(t);
        if (plan == null) { // racing threads make equal plans; either may win
            int[] rows = w.balancedRowParts(t);
            int[][] used = new int[t][];
            for (int p = 0; p < t; p++) used[p] = usedColumns(w, rows[p], rows[p + 1]);
            plan = new TeamPlan(rows, used);
            teamPlans.set(t, plan);
        }
        return plan;
    }

    /** Sample s of x (SAMPLES layout): y[s·out .. (s + 1)·out). */
    private void vector(Act x, int s, float[] y, Workspace ws) {
        int xo = x.off + s * w.cols, yOff = s * w.rows;
        if (w.colIdx16 == null) {
            Spmm.wideRows(w, x.flat, xo, b, y, yOff);
            if (relu) for (int j = 0; j < w.rows; j++) y[yOff + j] = Epilogue.relu(y[yOff + j]);
            return;
        }
        float[] sample = x.flat;
        if (xo != 0) { // the one-sample kernel reads x from index 0 (see SparseKernels.csrVector)
            sample = ws.sample(w.cols);
            System.arraycopy(x.flat, xo, sample, 0, w.cols);
        }
        if (!ws.fork(w.nnz(), Spmm.PARALLEL_GATHER)) {
            SparseKernels.csrVector(w.rowPtr, w.colIdx16, w.values, sample, b, relu, y, yOff, 0, w.rows);
        } else {
            float[] xs = sample;
            ws.forRange(parts.length - 1, 1, (p0, p1) -> SparseKernels.csrVector(w.rowPtr, w.colIdx16, w.values,
                    xs, b, relu, y, yOff, parts[p0], parts[p1]));
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
