package dev.jprune.gpu;

/** Launchers of native/elementwise.cu: bias add (+ ReLU), ReLU forward/backward, scale, clamp, fill. */
final class ElementwiseKernels extends KernelLauncher {
    ElementwiseKernels(GpuContext ctx) { super(ctx); }

    void biasAdd(DeviceBuffer y, DeviceBuffer bias, int rows, int cols) {
        fits32("jp_bias_add", "rows*cols", (long) rows * cols);
        launch("jp_bias_add", blocks1d((long) rows * cols), 1, THREADS, "rows=" + rows + " cols=" + cols,
                y, bias, rows, cols);
    }
    void biasRelu(DeviceBuffer y, DeviceBuffer bias, int rows, int cols) {
        fits32("jp_bias_relu", "rows*cols", (long) rows * cols);
        launch("jp_bias_relu", blocks1d((long) rows * cols), 1, THREADS, "rows=" + rows + " cols=" + cols,
                y, bias, rows, cols);
    }
    void reluForward(DeviceBuffer x, DeviceBuffer y, int n) {
        launch("jp_relu_fwd", blocks1d(n), 1, THREADS, "n=" + n, x, y, n);
    }
    void reluBackward(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, int n) {
        launch("jp_relu_bwd", blocks1d(n), 1, THREADS, "n=" + n, x, dy, dx, n);
    }
    void scale(DeviceBuffer g, int n, float s) { launch("jp_scale", blocks1d(n), 1, THREADS, "n=" + n, g, n, s); }
    void clamp(DeviceBuffer g, int n, float c) { launch("jp_clamp", blocks1d(n), 1, THREADS, "n=" + n, g, n, c); }
    void fill(DeviceBuffer y, int n, float v) { launch("jp_fill", blocks1d(n), 1, THREADS, "n=" + n, y, n, v); }
}
