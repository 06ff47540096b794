package dev.jprune.sparse;

import dev.jprune.cpu.Gemm;
import dev.jprune.cpu.PackedB;
import dev.jprune.cpu.SparseKernels;

/**
 * Scratch memory for {@link SparseModel} forward passes: activation buffers, im2col columns, the cached shape plan.
 * Grown on demand and then reused, so a steady stream of calls with the same input shape allocates nothing.
 * <p>Not thread-safe: one workspace serves one call at a time. Create one per calling thread with
 * {@link SparseModel#newWorkspace()}, or let {@link SparseModel#forwardInto(dev.jprune.tensor.Tensor,
 * dev.jprune.tensor.Tensor)} use its per-thread pool. A workspace belongs to the model that made it.
 */
public final class Workspace {
    final SparseModel owner;
    /** Whether calls with this workspace may hand work to the shared thread pool (false: the calling thread only). */
    final boolean mayFork;

    // The plan: per-sample shape after each stage (index 0 = input), for the last input shape seen.
    int[][] sampleDims;
    int[] sampleFeatures;

    // Ping-pong activation buffers: flat [n][features] (N layout) and feature-major rows [features][n] (T layout).
    final float[][] flat = {new float[0], new float[0]};
    final float[][][] rows = {new float[0][], new float[0][]};
    // ... and lane blocks (LANES layout); each layout has its own pair, so a conversion never overwrites its source.
    final float[][] lanes = {new float[0], new float[0]};
    // Convolution scratch: packed im2col columns, GEMM output [F, cols], per-chunk sparse output rows.
    final PackedB[] cols = new PackedB[COL_SHAPES];
    float[] convOut = new float[0];

    // The caller's input, the output, and a converted copy (layout change) of the current activation.
    final Act input = new Act(), converted = new Act();
    final Act[] acts = {new Act(), new Act()};

    Workspace(SparseModel owner, boolean mayFork) {
        this.owner = owner;
        this.mayFork = mayFork;
    }

    /** True when a piece of work of this many multiply-adds should be split over the pool. */
    boolean fork(long work, long threshold) {
        return mayFork && work >= threshold && dev.jprune.util.Parallel.threads() > 1;
    }

    /** Activation in flat (sample-major) layout, converting another one; no allocation in steady state. */
    Act asFlat(Act a) {
        if (a.layout == Act.Layout.SAMPLES) return a;
        int c = a.convertBuf(), ld = SparseKernels.lanesStride(a.n);
        float[] f = flat(c, (long) a.n * a.features);
        if (a.layout == Act.Layout.LANES) {
            LaneCopy.fromLanes(a.flat, ld, a.n, a.features, f);
        } else {
            for (int j = 0; j < a.features; j++) {
                float[] r = a.rows[j];
                for (int s = 0; s < a.n; s++) f[s * a.features + j] = r[s];
            }
        }
        return converted.setFlat(a.n, a.features, f, 0, c);
    }

    /** Activation in feature-major rows, converting another one; no allocation in steady state. */
    Act asRows(Act a) {
        if (a.layout == Act.Layout.ROWS) return a;
        Act x = asFlat(a); // a LANES activation meets a ROWS stage only if a model mixes them; not on a hot path
        int c = x.convertBuf();
        float[][] r = rows(c, x.features, x.n);
        Spmm.transpose(x.flat, x.off, x.n, x.features, r);
        return converted.setRows(x.n, x.features, r, c);
    }

    /**
     * Activation in lane blocks ({@link Act.Layout#LANES}), converting another one; no allocation in steady state.
     * When {@code used} is not null only those features are converted (the others hold stale values): a layer whose
     * weight never reads a feature need not move it.
     */
    Act asLanes(Act a, int[] used) {
        if (a.layout == Act.Layout.LANES) return a;
        int c = a.convertBuf(), n = a.n, feats = a.features, ld = SparseKernels.lanesStride(n);
        float[] l = lanes(c, (long) feats * ld);
        if (a.layout == Act.Layout.ROWS) {
            if (used == null) for (int f = 0; f < feats; f++) System.arraycopy(a.rows[f], 0, l, f * ld, n);
            else for (int f : used) System.arraycopy(a.rows[f], 0, l, f * ld, n);
        } else {
            LaneCopy.toLanes(a.flat, a.off, n, feats, used, l, ld);
        }
        return converted.setLanes(n, feats, l, c);
    }

    /** lanes[which] with at least {@code floats} floats. */
    float[] lanes(int which, long floats) {
        if (lanes[which].length < floats) lanes[which] = new float[Math.toIntExact(floats)];
        return lanes[which];
    }

    float[] flat(int which, long floats) {
        if (flat[which].length < floats) flat[which] = new float[Math.toIntExact(floats)];
        return flat[which];
    }

    /** rows[which] with at least {@code count} rows of at least {@code Gemm.padded(n)} floats each. */
    float[][] rows(int which, int count, int n) {
        int len = Gemm.padded(Math.max(1, n));
        float[][] r = rows[which];
        if (r.length < count || (r.length > 0 && r[0].length < len)) {
            int width = Math.max(len, r.length > 0 ? r[0].length : 0);
            r = new float[Math.max(count, r.length)][width];
            rows[which] = r;
        }
        return r;
    }

    private float[] sample = new float[0];

    /** One sample's features, copied to index 0 for the one-sample kernel. */
    float[] sample(int floats) {
        if (sample.length < floats) sample = new float[floats];
        return sample;
    }

    /**
     * Packed im2col columns [k, n], in Gemm's layout when only a dense product reads them ({@code gemmOnly}), else
     * in the rows layout the sparse kernels read. The last {@link #COL_SHAPES} shapes are kept (one per convolution of
     * a model, plus a batch's last, shorter chunk), so a steady stream of calls reallocates nothing.
     */
    PackedB cols(int k, int n, boolean gemmOnly) {
        for (int i = 0; i < cols.length; i++) {
            PackedB pb = cols[i];
            // any matrix serves a dense product; the sparse kernels need the rows layout
            if (pb != null && pb.k() == k && pb.n() == n && (gemmOnly || pb.rowsLayout())) {
                System.arraycopy(cols, 0, cols, 1, i);
                cols[0] = pb;
                return pb;
            }
        }
        System.arraycopy(cols, 0, cols, 1, cols.length - 1);
        cols[0] = gemmOnly ? PackedB.allocateForGemm(k, n) : PackedB.allocate(k, n);
        return cols[0];
    }

    static final int COL_SHAPES = 12;

    private float[] padded = new float[0];

    /** Zero-padded images for {@link dev.jprune.cpu.DirectConv} (with its slack); no allocation in steady state. */
    float[] padded(long floats) {
        if (padded.length < floats) padded = new float[Math.toIntExact(floats)];
        return padded;
    }

    float[] convOut(long floats) {
        if (convOut.length < floats) convOut = new float[Math.toIntExact(floats)];
        return convOut;
    }
}
