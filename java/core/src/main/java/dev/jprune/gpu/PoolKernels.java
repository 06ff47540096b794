package dev.jprune.gpu;

/** Launchers of native/pool.cu: max pooling forward (with argmax) and backward. */
final class PoolKernels extends KernelLauncher {
    PoolKernels(GpuContext ctx) { super(ctx); }

    void maxPoolForward(DeviceBuffer x, int planes, int h, int w, int oh, int ow, int k, int s, DeviceBuffer y,
                        DeviceBuffer argmax) {
        fits32("jp_maxpool_fwd", "planes*H*W", (long) planes * h * w);  // the argmax indices are ints too
        launch("jp_maxpool_fwd", blocks1d((long) planes * oh * ow), 1, THREADS,
                "planes=" + planes + " h=" + h + " w=" + w + " k=" + k + " s=" + s, x, planes, h, w,
                oh, ow, k, s, y, argmax);
    }
    void maxPoolBackward(DeviceBuffer dy, DeviceBuffer argmax, int planes, int h, int w, int oh, int ow, int k,
                         int s, DeviceBuffer dx) {
        fits32("jp_maxpool_bwd", "planes*H*W", (long) planes * h * w);
        launch("jp_maxpool_bwd", blocks1d((long) planes * h * w), 1, THREADS,
                "planes=" + planes + " h=" + h + " w=" + w + " k=" + k + " s=" + s, dy, argmax, planes,
                h, w, oh, ow, k, s, dx);
    }
}
