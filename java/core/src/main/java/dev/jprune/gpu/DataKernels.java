package dev.jprune.gpu;

/** Launchers of native/data.cu: batch gathers from a device-resident data set and column sums. */
final class DataKernels extends KernelLauncher {
    DataKernels(GpuContext ctx) { super(ctx); }

    void gatherRows(DeviceBuffer src, DevPtr idx, DeviceBuffer dst, int rows, int rowLen) {
        fits32("jp_gather_rows", "rows*rowLen", (long) rows * rowLen);
        launch("jp_gather_rows", blocks1d((long) rows * rowLen), 1, THREADS, "rows=" + rows + " rowLen=" + rowLen, src,
                idx, dst, rows, rowLen);
    }
    void gatherInts(DeviceBuffer src, DevPtr idx, DeviceBuffer dst, int n) {
        launch("jp_gather_ints", blocks1d(n), 1, THREADS, "n=" + n, src, idx, dst, n);
    }
    void colSumAcc(DeviceBuffer x, DeviceBuffer acc, int rows, int cols, boolean overwrite) {
        launch("jp_col_sum_acc", blocks1d(cols), 1, THREADS, "rows=" + rows + " cols=" + cols
                + " overwrite=" + overwrite, x, acc, rows, cols, overwrite ? 1 : 0);
    }
}
