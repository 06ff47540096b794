package dev.jprune.gpu;

import java.util.List;

/**
 * Deterministic reductions (native/reduce.cu): sums of squares over one or many tensors, in double, and the
 * clip-by-norm factor computed on the device for a {@link NormTable}.
 */
public final class GpuReductions extends GpuOpFamily {
    private final ReduceKernels k;

    GpuReductions(GpuContext ctx) {
        super(ctx);
        this.k = new ReduceKernels(ctx);
    }

    /** Σ x[off + i]² for i in [0, n), in double, deterministic (fixed order for given n). */
    @CpuTwin(CPU + "sumSquares")
    public double sumSquares(DeviceBuffer x, int off, int n) {
        nonNegative("sumSquares", "off", off);
        nonNegative("sumSquares", "n", n);
        need("sumSquares", "x", x, DeviceBuffer.Type.FLOAT, (long) off + n);
        return sumSquaresImpl(new DeviceBuffer[] {x}, new long[] {off}, new long[] {n}, null);
    }

    /**
     * Σ over all tensors of Σ x², one pass over many tensors (e.g. every gradient, for clip-by-norm), in double,
     * deterministic, no float atomics. When {@code perTensor} is non-null (length ≥ tensors) it receives each
     * tensor's sum. Each buffer counts with its full length. Modifies only {@code perTensor}.
     */
    @CpuTwin(CPU + "sumSquares")
    public double sumSquares(List<DeviceBuffer> tensors, double[] perTensor) {
        int t = tensors.size();
        if (t == 0) return 0.0;
        if (perTensor != null && perTensor.length < t) {
            throw new IllegalArgumentException(where("sumSquares") + ": perTensor has " + perTensor.length
                    + " slots for " + t + " tensors");
        }
        Views v = whole("sumSquares", tensors);
        return sumSquaresImpl(v.bufs, v.offs, v.lens, perTensor);
    }

    /** Views of buffers for the sum-of-squares table: tensor i is bufs[i][offs[i], offs[i] + lens[i]). */
    private record Views(DeviceBuffer[] bufs, long[] offs, long[] lens) { }

    /** Each of {@code tensors} whole (offset 0, its full length), checked as a FLOAT buffer of this context. */
    private Views whole(String op, List<DeviceBuffer> tensors) {
        int t = tensors.size();
        Views v = new Views(new DeviceBuffer[t], new long[t], new long[t]);
        for (int i = 0; i < t; i++) {
            v.bufs[i] = tensors.get(i);
            need(op, "tensor " + i, v.bufs[i], DeviceBuffer.Type.FLOAT, 0);
            v.lens[i] = v.bufs[i].length();
        }
        return v;
    }

    /**
     * {@link #sumSquares(List, double[])} over views of one buffer (a flat parameter or gradient buffer): tensor i is
     * {@code flat[offsets[i], offsets[i] + lengths[i])}; views may overlap. Same pass, same order, same results as
     * separate buffers of those contents. Modifies only {@code perTensor}.
     */
    @CpuTwin(CPU + "sumSquares")
    public double sumSquares(DeviceBuffer flat, long[] offsets, long[] lengths, double[] perTensor) {
        if (offsets == null || lengths == null || offsets.length != lengths.length) {
            throw new IllegalArgumentException(where("sumSquares") + ": " + (offsets == null ? "null" : offsets.length)
                    + " offsets for " + (lengths == null ? "null" : lengths.length) + " lengths");
        }
        int t = offsets.length;
        if (perTensor != null && perTensor.length < t) {
            throw new IllegalArgumentException(where("sumSquares") + ": perTensor has " + perTensor.length
                    + " slots for " + t + " tensors");
        }
        need("sumSquares", "flat", flat, DeviceBuffer.Type.FLOAT, 0);
        for (int i = 0; i < t; i++) {
            if (offsets[i] < 0 || lengths[i] < 0 || offsets[i] + lengths[i] > flat.length()) {
                throw new IllegalArgumentException(where("sumSquares") + ": view " + i + " [" + offsets[i] + ", "
                        + (offsets[i] + lengths[i]) + ") outside a buffer of " + flat.length() + " elements");
            }
        }
        if (t == 0) return 0.0;
        DeviceBuffer[] bufs = new DeviceBuffer[t];
        java.util.Arrays.fill(bufs, flat);
        return sumSquaresImpl(bufs, offsets.clone(), lengths.clone(), perTensor);
    }

    /** Most blocks one tensor gets: 1024 x 256 threads fill any current GPU several times over. */
    static final int MAX_SUMSQ_BLOCKS = 1024;

    /** Blocks of one tensor: about 16 elements per thread, 1..1024. A function of the length only, so the summation
     *  order (and result) is reproducible. */
    static int sumSquaresBlocks(long len) {
        long b = (len + KernelLauncher.THREADS * 16L - 1) / (KernelLauncher.THREADS * 16L);
        return (int) Math.max(1, Math.min(MAX_SUMSQ_BLOCKS, b));
    }

    /** Table rows of reduce.cu's JpTensorRef: pointer, length, first block, blocks (4 longs per tensor). */
    static final int SUMSQ_ROW_LONGS = 4;

    /** reduce.cu's table for the given views; the total of the blocks column goes to blocks[0]. */
    private static long[] encodeSumSquares(DeviceBuffer[] bufs, long[] offs, long[] lens, long[] blocks) {
        int t = bufs.length;
        long[] table = new long[SUMSQ_ROW_LONGS * t];
        long total = 0;
        for (int i = 0; i < t; i++) {
            int nb = sumSquaresBlocks(lens[i]);
            table[SUMSQ_ROW_LONGS * i] = bufs[i].address(offs[i]);
            table[SUMSQ_ROW_LONGS * i + 1] = lens[i];
            table[SUMSQ_ROW_LONGS * i + 2] = total;
            table[SUMSQ_ROW_LONGS * i + 3] = nb;
            total += nb;
        }
        blocks[0] = total;
        return table;
    }

    private double sumSquaresImpl(DeviceBuffer[] bufs, long[] offs, long[] lens, double[] perTensor) {
        int t = bufs.length;
        long[] nb = new long[1];
        long[] table = encodeSumSquares(bufs, offs, lens, nb);
        long blocks = nb[0];
        try (DeviceBuffer tab = ctx.allocLong((long) SUMSQ_ROW_LONGS * t);
             DeviceBuffer partials = ctx.allocDouble(blocks);
             DeviceBuffer per = perTensor == null ? null : ctx.allocDouble(t);
             DeviceBuffer total = ctx.allocDouble(1)) {
            tab.upload(table);
            k.sumsqPartials(tab, t, blocks, partials);
            k.sumsqFinish(tab, partials, t, blocks, per, total);
            double[] r = new double[1];
            double[] p = per == null ? null : new double[t];
            if (per == null) ctx.download(total.into(r)); else ctx.download(total.into(r), per.into(p));
            if (p != null) System.arraycopy(p, 0, perTensor, 0, t);
            return r[0];
        }
    }

    /**
     * The device side of clip-by-norm for one list of gradient buffers (a model's), kept between steps: the
     * sum-of-squares table (uploaded again only when a buffer changes), its partial sums, and the results that
     * {@link #clipScaleAsync} writes and the optimizer steps read: the scale (FLOAT[1]), the last norm (DOUBLE[1]) and
     * the first step with a non-finite norm (LONG[1], −1 when none). So a training step with clip-by-norm allocates,
     * uploads and waits for nothing. Owns device memory; not shared between threads.
     */
    public static final class NormTable implements AutoCloseable {
        final GpuContext ctx;
        private long[] rows = new long[0];
        private long blocks;
        private DeviceBuffer dev, partials;
        final DeviceBuffer scale, norm, fault, total;

        private NormTable(GpuContext ctx) {
            this.ctx = ctx;
            DeviceBuffer s = null, n = null, f = null, t = null;
            try {
                s = ctx.allocFloat(1);
                n = ctx.allocDouble(1);
                f = ctx.allocLong(1);
                t = ctx.allocDouble(1);
            } catch (RuntimeException e) {
                for (DeviceBuffer b : new DeviceBuffer[] {s, n, f, t}) if (b != null) b.close();
                throw e;
            }
            scale = s;
            norm = n;
            fault = f;
            total = t;
            norm.upload(new double[] {Double.NaN});
            resetFault();
        }

        /** Forgets a recorded non-finite norm (queued: no wait), so that the following steps update again. */
        public void resetFault() { fault.upload(new long[] {-1L}); }

        /** Pending copies of the last norm (the faulting one after a fault) and the faulting step (−1: none), for
         *  {@link GpuContext#download} with the other values the host reads at the end of an epoch. */
        public DeviceBuffer.Transfer normInto(double[] dst) { return norm.into(dst); }
        public DeviceBuffer.Transfer faultInto(long[] dst) { return fault.into(dst); }

        private DeviceBuffer update(long[] encoded, long totalBlocks) {
            if (dev == null || !java.util.Arrays.equals(encoded, rows)) {
                // Fresh buffers, never overwrites: steps queued earlier may still read the old ones.
                DeviceBuffer next = ctx.upload(encoded);
                DeviceBuffer nextPartials;
                try {
                    nextPartials = ctx.allocDouble(Math.max(1, totalBlocks));
                } catch (RuntimeException e) {
                    next.close();
                    throw e;
                }
                if (dev != null) dev.close();
                if (partials != null) partials.close();
                dev = next;
                partials = nextPartials;
                rows = encoded;
                blocks = totalBlocks;
            }
            return dev;
        }

        @Override
        public void close() {
            for (DeviceBuffer b : new DeviceBuffer[] {dev, partials, scale, norm, fault, total}) {
                if (b != null) b.close();
            }
            dev = partials = null;
            rows = new long[0];
        }
    }

    /** A clip-by-norm table for {@link #clipScaleAsync} (one per gradient list, e.g. per trainer). */
    public NormTable normTable() { return new NormTable(ctx); }

    /**
     * Queues clip_grad_norm_'s factor for the gradients {@code tensors} (their full lengths), computed on the device in
     * GradClip's operations: norm = sqrt(Σ Σ g²) (the sum of {@link #sumSquares(List, double[])}, same order),
     * scale = GradClip.normScale(norm, maxNorm) — the same bits as reading the norm back and computing the scale on
     * the host, without the wait. The optimizer overloads that take {@code table} read it. A non-finite norm records
     * {@code step} as the table's fault (the first one) and makes every later scale NaN until
     * {@link NormTable#resetFault}. Modifies only the table's buffers.
     */
    @CpuTwin({CPU + "sumSquares", "dev.jprune.optim.GradClip#normScale"})
    public void clipScaleAsync(NormTable table, List<DeviceBuffer> tensors, double maxNorm, long step) {
        needTable("clipScaleAsync", table);
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException(where("clipScaleAsync") + ": max norm must be positive, got " + maxNorm);
        }
        int t = tensors.size();
        if (t == 0) throw new IllegalArgumentException(where("clipScaleAsync") + ": no tensors");
        Views v = whole("clipScaleAsync", tensors);
        long[] nb = new long[1];
        long[] encoded = encodeSumSquares(v.bufs, v.offs, v.lens, nb);
        DeviceBuffer tab = table.update(encoded, nb[0]);
        k.sumsqPartials(tab, t, nb[0], table.partials);
        k.sumsqFinishClip(tab, table.partials, t, nb[0], table.total, maxNorm, step, table.scale, table.norm,
                table.fault);
    }

}
