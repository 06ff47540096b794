package dev.jprune.gpu;

/** Launchers of native/conv.cu: batched im2col/col2im, NCHW &lt;-&gt; rows permutations, bias gradient. */
final class ConvKernels extends KernelLauncher {
    ConvKernels(GpuContext ctx) { super(ctx); }

    private static String convShapes(int n, int c, int h, int w, int kh, int kw, int stride, int pad) {
        return "n=" + n + " c=" + c + " h=" + h + " w=" + w + " k=" + kh + "x" + kw + " stride="
                + stride + " pad=" + pad;
    }
    void im2col(DeviceBuffer x, int n, int c, int h, int w, int kh, int kw, int stride, int pad, int oh, int ow,
                DeviceBuffer col) {
        // col may pass 2^31 elements (the kernel steps its 64-bit index); its rows, columns and x may not.
        fits32("jp_im2col", "C*KH*KW", (long) c * kh * kw);
        fits32("jp_im2col", "N*OH*OW", (long) n * oh * ow);
        fits32("jp_im2col", "N*C*H*W", (long) n * c * h * w);
        launch("jp_im2col", blocks1d((long) c * kh * kw * n * oh * ow), 1, THREADS,
                convShapes(n, c, h, w, kh, kw, stride, pad), x, n, c, h, w, kh, kw, stride, pad, oh, ow, col);
    }
    void col2im(DeviceBuffer col, int n, int c, int h, int w, int kh, int kw, int stride, int pad, int oh, int ow,
                DeviceBuffer dx) {
        fits32("jp_col2im", "N*C*H*W", (long) n * c * h * w);
        launch("jp_col2im", blocks1d((long) n * c * h * w), 1, THREADS, convShapes(n, c, h, w, kh, kw, stride, pad),
                col, n, c, h, w, kh, kw, stride, pad, oh, ow, dx);
    }
    void rowsToNchw(DeviceBuffer rows, DeviceBuffer bias, int n, int f, int p, DeviceBuffer y) {
        fits32("jp_rows_to_nchw", "N*F*P", (long) n * f * p);
        launch("jp_rows_to_nchw", blocks1d((long) n * f * p), 1, THREADS, "n=" + n + " f=" + f + " p=" + p,
                rows, bias, n, f, p, y);
    }
    void nchwToRows(DeviceBuffer y, int n, int f, int p, DeviceBuffer rows) {
        fits32("jp_nchw_to_rows", "N*F*P", (long) n * f * p);
        launch("jp_nchw_to_rows", blocks1d((long) n * f * p), 1, THREADS, "n=" + n + " f=" + f + " p=" + p,
                y, n, f, p, rows);
    }
    /**
     * Bias-gradient blocks per channel: about 16 elements per thread, 1..256; a function of N*P only (reproducible).
     */
    static int biasGradBlocks(long np) {
        return (int) Math.max(1, Math.min(256, (np + THREADS * 16L - 1) / (THREADS * 16L)));
    }
    void biasGradPartials(DeviceBuffer dy, int n, int f, int p, int blocksPerChannel, DeviceBuffer partials) {
        if (f > 65535) throw new IllegalArgumentException("biasGradNchw: " + f + " channels (max 65535)");
        fits32("jp_bias_grad_partials", "N*F*P", (long) n * f * p);
        launch("jp_bias_grad_partials", blocksPerChannel, f, THREADS, "n=" + n + " f=" + f + " p=" + p
                + " blocks=" + blocksPerChannel, dy, n, f, p, blocksPerChannel, partials);
    }
    void biasGradFinish(DeviceBuffer partials, int f, int blocksPerChannel, DeviceBuffer db) {
        launch("jp_bias_grad_finish", blocks1d(f), 1, THREADS, "f=" + f + " blocks=" + blocksPerChannel, partials,
                f, blocksPerChannel, db);
    }
}
