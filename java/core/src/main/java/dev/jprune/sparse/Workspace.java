package dev.jprune.sparse;

import dev.jprune.cpu.Gemm;
import dev.jprune.cpu.PackedB;
import dev.jprune.cpu.SparseKernels;
import java.lang.ref.Cleaner;

/**
 * Scratch memory for {@link SparseModel} forward passes: activation buffers, im2col columns, the cached shape plan.
 * Grown on demand and then reused, so a steady stream of calls with the same input shape allocates nothing.
 * <p>Not thread-safe: one workspace serves one call at a time. Create one per calling thread with
 * {@link SparseModel#newWorkspace()}, or let {@link SparseModel#forwardInto(dev.jprune.tensor.Tensor,
 * dev.jprune.tensor.Tensor)} use its per-thread pool. A workspace belongs to the model that made it.
 * <p>A workspace from {@link SparseModel#newTeamWorkspace(int)} owns helper threads: {@link #close()} stops them
 * (and a workspace nobody references any more stops them when it is garbage-collected). Closing any other workspace
 * only makes it refuse further calls.
 */
public final class Workspace implements AutoCloseable {
    final SparseModel owner;
    /**
     * Whether calls with this workspace may hand work to the shared thread pool (false: the calling thread only, or
     * the team's threads).
     */
    final boolean mayFork;
    /** The helper threads of a team workspace, null otherwise. */
    final SpinTeam team;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean closed;

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
        this.team = null;
        this.cleanable = null;
    }

    /** A team workspace: the caller and {@code threads - 1} helpers ({@code threads >= 2}); never the pool. */
    Workspace(SparseModel owner, int threads) {
        this.owner = owner;
        this.mayFork = false;
        this.team = new SpinTeam(threads, SpinTeam.SPIN_NANOS, "jprune-team");
        SpinTeam t = team; // the cleaning action must not reference this workspace
        this.cleanable = Cleaners.CLEANER.register(this, t::close);
    }

    /** Created at the first team workspace: a Cleaner starts a thread. */
    private static final class Cleaners {
        static final Cleaner CLEANER = Cleaner.create();
    }

    /**
     * Stops this workspace's helper threads, if it has any; later calls with it are refused. Idempotent; must not be
     * called while a call with this workspace runs.
     */
    @Override
    public void close() {
        closed = true;
        if (cleanable != null) cleanable.clean();
    }

    /** Threads a call with this workspace splits its layers over itself: the team's size, 1 for other workspaces. */
    public int teamThreads() { return team == null ? 1 : team.size(); }

    /** @throws IllegalStateException when this workspace was closed */
    void requireOpen(String op) {
        if (closed) throw new IllegalStateException(op + "the workspace was closed");
    }

    /** True when a piece of this many multiply-adds should be split over this workspace's team. */
    boolean teamSplit(long work, long threshold) {
        return team != null && work >= threshold;
    }

    /** Pieces of work this workspace's calls have split over its team (tests). */
    long splits;
    // The call a team is running (written by the caller before the team starts, read by every part).
    Act partIn;
    float[] partOut;
    float[][] partOutRows;
    int partPath;
    // Per-part scratch: each part converts the input it reads itself (reading lane blocks another core just wrote
    // cost more than the layer: D75).
    private float[][] partLanes = new float[0][];
    private float[][] partSamples = new float[0][];
    private float[][][] partRows = new float[0][][];

    /** Part p's own lane blocks, at least {@code floats} floats (called by the thread running part p). */
    float[] partLanes(int part, long floats) {
        return partBuffer(partLanes, part, floats);
    }

    /** Part p's own copy of one sample, at least {@code floats} floats (called by the thread running part p). */
    float[] partSample(int part, long floats) {
        return partBuffer(partSamples, part, floats);
    }

    /** Part p's own feature-major rows, count rows of at least n floats (called by the thread running part p). */
    float[][] partRows(int part, int count, int n) {
        float[][] r = partRows[part];
        if (r == null || r.length < count || (r.length > 0 && r[0].length < n)) {
            r = new float[count][Gemm.padded(Math.max(1, n))];
            partRows[part] = r;
        }
        return r;
    }

    private static float[] partBuffer(float[][] buffers, int part, long floats) {
        if (buffers[part] == null || buffers[part].length < floats) buffers[part] = new float[Math.toIntExact(floats)];
        return buffers[part];
    }

    /** Sizes the per-part scratch tables for a team (caller, before the team starts). */
    void partTables(int parts) {
        if (partLanes.length < parts) {
            partLanes = java.util.Arrays.copyOf(partLanes, parts);
            partSamples = java.util.Arrays.copyOf(partSamples, parts);
            partRows = java.util.Arrays.copyOf(partRows, parts);
        }
    }

    /**
     * True when a piece of work of this many multiply-adds should be split ({@link #forRange}): over the pool, or over
     * this workspace's team.
     */
    boolean fork(long work, long threshold) {
        if (team != null) return work >= threshold;
        return mayFork && work >= threshold && dev.jprune.util.Parallel.threads() > 1;
    }

    /** Threads a {@link #forRange} splits over: the team's, else the pool's. */
    int forkThreads() { return team != null ? team.size() : dev.jprune.util.Parallel.threads(); }

    /**
     * {@link dev.jprune.util.Parallel#forRange} on this workspace's team (one contiguous range per thread), or on the
     * shared pool; every index once, each output written by one piece.
     */
    void forRange(int n, int grain, dev.jprune.util.Parallel.RangeBody body) {
        if (team == null) {
            dev.jprune.util.Parallel.forRange(n, grain, body);
            return;
        }
        splits++;
        team.run((part, parts, ws) -> {
            int from = (int) ((long) n * part / parts), to = (int) ((long) n * (part + 1) / parts);
            if (from < to) body.run(from, to);
        }, this);
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
        toLanes(a, used, l);
        return converted.setLanes(n, feats, l, c);
    }

    /**
     * Writes a (SAMPLES or ROWS layout) into lane blocks l with stride {@code lanesStride(a.n)}: the features in
     * {@code used}, all when null. Modifies only those blocks of l.
     */
    static void toLanes(Act a, int[] used, float[] l) {
        int n = a.n, feats = a.features, ld = SparseKernels.lanesStride(n);
        if (a.layout == Act.Layout.ROWS) {
            if (used == null) for (int f = 0; f < feats; f++) System.arraycopy(a.rows[f], 0, l, f * ld, n);
            else for (int f : used) System.arraycopy(a.rows[f], 0, l, f * ld, n);
        } else {
            LaneCopy.toLanes(a.flat, a.off, n, feats, used, l, ld);
        }
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
