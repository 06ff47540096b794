package dev.jprune.gpu;

/**
 * Device data movement for the training loop (native/data.cu): batch gathers from a device-resident dataset and
 * the bias gradient. Each method names its CPU twin; arguments are validated before any launch.
 */
public final class GpuDataOps extends GpuOpFamily {
    private static final String DATA = "dev.jprune.cpu.CpuDataKernels#";
    private final DataKernels k;

    public GpuDataOps(GpuContext ctx) {
        super(ctx);
        this.k = new DataKernels(ctx);
    }

    /**
     * dst[r, :] = src[idx[r], :] for r in [0, rows). Indices are not range-checked on the device (they come from
     * {@code Batcher.order}); the caller guarantees 0 ≤ idx[r] &lt; src.length / rowLen. Modifies {@code dst}.
     */
    @CpuTwin(DATA + "gatherRows")
    public void gatherRows(DeviceBuffer src, DeviceBuffer idx, int idxOffset, DeviceBuffer dst, int rows, int rowLen) {
        if (rows < 0 || rowLen < 0 || idxOffset < 0) throw new IllegalArgumentException(where("gatherRows") + ": "
                + "negative size rows=" + rows + " rowLen=" + rowLen + " idxOffset=" + idxOffset);
        need("gatherRows", "idx", idx, DeviceBuffer.Type.INT, (long) idxOffset + rows);
        need("gatherRows", "dst", dst, DeviceBuffer.Type.FLOAT, (long) rows * rowLen);
        need("gatherRows", "src", src, DeviceBuffer.Type.FLOAT, rowLen);
        if ((long) rows * rowLen > 0) k.gatherRows(src, idx.at(idxOffset), dst, rows, rowLen);
    }

    /** dst[i] = src[idx[i]] for i in [0, n). Modifies {@code dst}. */
    @CpuTwin(DATA + "gatherInts")
    public void gatherInts(DeviceBuffer src, DeviceBuffer idx, int idxOffset, DeviceBuffer dst, int n) {
        if (n < 0 || idxOffset < 0) throw new IllegalArgumentException(where("gatherInts") + ": negative size n=" + n
                + " idxOffset=" + idxOffset);
        need("gatherInts", "idx", idx, DeviceBuffer.Type.INT, (long) idxOffset + n);
        need("gatherInts", "dst", dst, DeviceBuffer.Type.INT, n);
        need("gatherInts", "src", src, DeviceBuffer.Type.INT, 1);
        if (n > 0) k.gatherInts(src, idx.at(idxOffset), dst, n);
    }

    /** acc[c] += Σ_r x[r, c], rows in index order (a Linear's bias gradient). Modifies {@code acc}. */
    @CpuTwin(DATA + "columnSumAccumulate")
    public void columnSumAccumulate(DeviceBuffer x, DeviceBuffer acc, int rows, int cols) {
        columnSum("columnSumAccumulate", "acc", x, acc, rows, cols, false);
    }

    /**
     * sum[c] = Σ_r x[r, c], rows in index order from +0: the bits of {@link #columnSumAccumulate} into a zeroed
     * {@code sum}, without zeroing it first (a Linear's bias gradient right after zeroGrad). Overwrites {@code sum}.
     */
    @CpuTwin(DATA + "columnSum")
    public void columnSum(DeviceBuffer x, DeviceBuffer sum, int rows, int cols) {
        columnSum("columnSum", "sum", x, sum, rows, cols, true);
    }

    private void columnSum(String op, String outName, DeviceBuffer x, DeviceBuffer out, int rows,
                           int cols, boolean overwrite) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException(where(op) + ": negative size "
                + rows + " x " + cols);
        need(op, "x", x, DeviceBuffer.Type.FLOAT, (long) rows * cols);
        need(op, outName, out, DeviceBuffer.Type.FLOAT, cols);
        if (cols > 0) k.colSumAcc(x, out, rows, cols, overwrite);
    }
}
