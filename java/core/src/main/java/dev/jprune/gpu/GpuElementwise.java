package dev.jprune.gpu;

/**
 * Elementwise ops (native/elementwise.cu): bias add (+ ReLU), ReLU forward/backward, scale, clamp, fill.
 */
public final class GpuElementwise extends GpuOpFamily {
    private final ElementwiseKernels k;

    GpuElementwise(GpuContext ctx) {
        super(ctx);
        this.k = new ElementwiseKernels(ctx);
    }

    /** The checks of biasAdd and biasRelu: y FLOAT [rows, cols], bias FLOAT [cols]. Returns rows·cols. */
    private long checkBias(String op, DeviceBuffer y, DeviceBuffer bias, int rows, int cols) {
        long n = product(op, rows, cols);
        need(op, "y", y, DeviceBuffer.Type.FLOAT, n);
        need(op, "bias", bias, DeviceBuffer.Type.FLOAT, cols);
        return n;
    }

    /** y[r, c] += bias[c], y FLOAT [rows, cols], bias FLOAT [cols]. Modifies {@code y}. */
    @CpuTwin(CPU + "biasAdd")
    public void biasAdd(DeviceBuffer y, DeviceBuffer bias, int rows, int cols) {
        if (checkBias("biasAdd", y, bias, rows, cols) > 0) k.biasAdd(y, bias, rows, cols);
    }

    /** y = max(y + bias, 0) per row: biasAdd then reluForward in one pass. Modifies {@code y}. */
    @CpuTwin({CPU + "biasAdd", CPU + "reluForward"})
    public void biasRelu(DeviceBuffer y, DeviceBuffer bias, int rows, int cols) {
        if (checkBias("biasRelu", y, bias, rows, cols) > 0) k.biasRelu(y, bias, rows, cols);
    }

    /** y = max(x, 0) over n. Modifies {@code y} (may be {@code x}). */
    @CpuTwin(CPU + "reluForward")
    public void reluForward(DeviceBuffer x, DeviceBuffer y, int n) {
        nonNegative("reluForward", "n", n);
        need("reluForward", "x", x, DeviceBuffer.Type.FLOAT, n);
        need("reluForward", "y", y, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.reluForward(x, y, n);
    }

    /** dx = x &gt; 0 ? dy : 0 over n. Overwrites {@code dx}. */
    @CpuTwin(CPU + "reluBackward")
    public void reluBackward(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, int n) {
        nonNegative("reluBackward", "n", n);
        need("reluBackward", "x", x, DeviceBuffer.Type.FLOAT, n);
        need("reluBackward", "dy", dy, DeviceBuffer.Type.FLOAT, n);
        need("reluBackward", "dx", dx, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.reluBackward(x, dy, dx, n);
    }

    /** g *= s over n. Modifies {@code g}. */
    @CpuTwin(CPU + "scaleInPlace")
    public void scaleInPlace(DeviceBuffer g, int n, float s) {
        nonNegative("scaleInPlace", "n", n);
        need("scaleInPlace", "g", g, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.scale(g, n, s);
    }

    /** g = clamp(g, -c, c) over n. Modifies {@code g}. */
    @CpuTwin(CPU + "clampInPlace")
    public void clampInPlace(DeviceBuffer g, int n, float c) {
        nonNegative("clampInPlace", "n", n);
        need("clampInPlace", "g", g, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.clamp(g, n, c);
    }

    /** y[0, n) = value. Modifies {@code y}. */
    @CpuTwin("java.util.Arrays#fill")
    public void fill(DeviceBuffer y, int n, float value) {
        nonNegative("fill", "n", n);
        need("fill", "y", y, DeviceBuffer.Type.FLOAT, n);
        if (n > 0) k.fill(y, n, value);
    }
}
