package dev.jprune.gpu;

/** Launchers of native/reduce.cu: sums of squares over many tensors, and the clip-by-norm factor. */
final class ReduceKernels extends KernelLauncher {
    ReduceKernels(GpuContext ctx) { super(ctx); }

    /**
     * table: {@link GpuReductions#sumSquares}'s rows (pointer, n, first block, blocks); blocks = the total over rows.
     */
    void sumsqPartials(DeviceBuffer table, int tensors, long blocks, DeviceBuffer partials) {
        if (blocks > Integer.MAX_VALUE) throw new IllegalArgumentException("sumSquares: " + blocks
                + " blocks (max 2^31-1)");
        launch("jp_sumsq_partials", (int) blocks, 1, THREADS, "tensors=" + tensors + " blocks=" + blocks,
                table, tensors, partials);
    }
    void sumsqFinish(DeviceBuffer table, DeviceBuffer partials, int tensors, long blocks, DeviceBuffer perTensor,
                     DeviceBuffer total) {
        launch("jp_sumsq_finish", 1, 1, THREADS, "tensors=" + tensors + " blocks=" + blocks, table, partials, tensors,
                perTensor, total, 0.0, 0L, null, null, null);
    }
    /** sumsqFinish plus the clip-by-norm factor: scale FLOAT[1], norm DOUBLE[1], fault LONG[1] (jp_clip_scale). */
    void sumsqFinishClip(DeviceBuffer table, DeviceBuffer partials, int tensors, long blocks, DeviceBuffer total,
                         double maxNorm, long step, DeviceBuffer scale, DeviceBuffer norm, DeviceBuffer fault) {
        String shapes = "tensors=" + tensors + " blocks=" + blocks + " clip=" + maxNorm + " step=" + step;
        launch("jp_sumsq_finish", 1, 1, THREADS, shapes, table, partials, tensors, null, total, maxNorm, step, scale,
                norm, fault);
    }
}
