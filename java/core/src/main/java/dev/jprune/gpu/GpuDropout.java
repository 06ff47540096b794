package dev.jprune.gpu;

/**
 * Inverted dropout (native/dropout.cu), mask bit-identical to the CPU layer's.
 */
public final class GpuDropout extends GpuOpFamily {
    private final DropoutKernels k;

    GpuDropout(GpuContext ctx) {
        super(ctx);
        this.k = new DropoutKernels(ctx);
    }

    private void dropoutP(String op, float p) {
        if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException(where(op)
                + ": p must be in [0, 1), got " + p);
    }

    /**
     * Inverted dropout, training forward number {@code stream} of a Dropout(p, seed) layer: keep[i] =
     * Rng.hashUniform(seed, stream, i) ≥ p (bit-identical to the CPU), y = keep ? x/(1−p) : 0.
     * Overwrites {@code y} (FLOAT, may be x) and {@code keep} (BYTE, 1 keep / 0 drop).
     */
    @CpuTwin(CONV + "dropoutForward")
    public void dropoutForward(DeviceBuffer x, int n, float p, long seed, long stream, DeviceBuffer y,
                               DeviceBuffer keep) {
        dropoutP("dropoutForward", p);
        nonNegative("dropoutForward", "n", n);
        need("dropoutForward", "x", x, DeviceBuffer.Type.FLOAT, n);
        need("dropoutForward", "y", y, DeviceBuffer.Type.FLOAT, n);
        need("dropoutForward", "keep", keep, DeviceBuffer.Type.BYTE, n);
        if (n > 0) k.dropoutForward(x, y, keep, n, p, 1f / (1f - p), seed, stream);
    }

    /** dx = keep ? dy/(1−p) : 0 with the mask of {@link #dropoutForward}. Overwrites {@code dx} (may be dy). */
    @CpuTwin(CONV + "dropoutBackward")
    public void dropoutBackward(DeviceBuffer dy, DeviceBuffer keep, int n, float p, DeviceBuffer dx) {
        dropoutP("dropoutBackward", p);
        nonNegative("dropoutBackward", "n", n);
        need("dropoutBackward", "dy", dy, DeviceBuffer.Type.FLOAT, n);
        need("dropoutBackward", "keep", keep, DeviceBuffer.Type.BYTE, n);
        need("dropoutBackward", "dx", dx, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.dropoutBackward(dy, keep, dx, n, 1f / (1f - p));
    }
}
