package dev.jprune.gpu;

/** Launchers of native/dropout.cu: inverted dropout forward and backward. */
final class DropoutKernels extends KernelLauncher {
    DropoutKernels(GpuContext ctx) { super(ctx); }

    void dropoutForward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer keep, int n, float p, float scale,
                        long seed, long stream) {
        launch("jp_dropout_fwd", blocks1d(n), 1, THREADS, "n=" + n + " p=" + p, x, y, keep, n, p, scale, seed, stream);
    }
    void dropoutBackward(DeviceBuffer dy, DeviceBuffer keep, DeviceBuffer dx, int n, float scale) {
        launch("jp_dropout_bwd", blocks1d(n), 1, THREADS, "n=" + n, dy, keep, dx, n, scale);
    }
}
