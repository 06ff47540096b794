package dev.jprune.gpu;

/**
 * Max pooling (native/pool.cu), forward with argmax and backward, exactly as MaxPool2d.
 */
public final class GpuPooling extends GpuOpFamily {
    private final PoolKernels k;

    GpuPooling(GpuContext ctx) {
        super(ctx);
        this.k = new PoolKernels(ctx);
    }

    private int[] poolGeometry(String op, int n, int c, int h, int w, int kernel, int stride) {
        if (n < 1 || c < 1 || kernel < 1 || stride < 1) {
            throw new IllegalArgumentException(where(op) + ": n, c, kernel, stride = " + n + ", " + c + ", "
                    + kernel + ", " + stride + ", all need >= 1");
        }
        if (h < kernel || w < kernel) throw new IllegalArgumentException(where(op) + ": input " + h + "x" + w
                + " smaller than the window " + kernel);
        checkedInt(op, "N*C*H*W", (long) n * c * h * w);
        return new int[] {(h - kernel) / stride + 1, (w - kernel) / stride + 1};
    }

    /**
     * Max pooling of x FLOAT [N, C, H, W], k×k windows, stride s, no padding: y FLOAT [N, C, OH, OW] and argmax INT
     * (flat index into x; ties → lowest index; NaN counts as the maximum), exactly as MaxPool2d. Overwrites
     * {@code y} and {@code argmax}.
     */
    @CpuTwin(CONV + "maxPoolForward")
    public void maxPoolForward(DeviceBuffer x, int n, int c, int h, int w, int kernel, int stride, DeviceBuffer y,
                               DeviceBuffer argmax) {
        int[] o = poolGeometry("maxPoolForward", n, c, h, w, kernel, stride);
        long outs = (long) n * c * o[0] * o[1];
        need("maxPoolForward", "x", x, DeviceBuffer.Type.FLOAT, (long) n * c * h * w);
        need("maxPoolForward", "y", y, DeviceBuffer.Type.FLOAT, outs);
        need("maxPoolForward", "argmax", argmax, DeviceBuffer.Type.INT, outs);
        k.maxPoolForward(x, n * c, h, w, o[0], o[1], kernel, stride, y, argmax);
    }

    /**
     * dx [N, C, H, W] = Σ of dy over the outputs whose argmax (from {@link #maxPoolForward} with the same geometry)
     * is that element, gathered by one thread per element in ascending output order: bit-identical to MaxPool2d,
     * overlapping windows included, no atomics. Overwrites {@code dx}.
     */
    @CpuTwin(CONV + "maxPoolBackward")
    public void maxPoolBackward(DeviceBuffer dy, DeviceBuffer argmax, int n, int c, int h, int w, int kernel,
                                int stride, DeviceBuffer dx) {
        int[] o = poolGeometry("maxPoolBackward", n, c, h, w, kernel, stride);
        long outs = (long) n * c * o[0] * o[1];
        need("maxPoolBackward", "dy", dy, DeviceBuffer.Type.FLOAT, outs);
        need("maxPoolBackward", "argmax", argmax, DeviceBuffer.Type.INT, outs);
        need("maxPoolBackward", "dx", dx, DeviceBuffer.Type.FLOAT, (long) n * c * h * w);
        k.maxPoolBackward(dy, argmax, n * c, h, w, o[0], o[1], kernel, stride, dx);
    }
}
