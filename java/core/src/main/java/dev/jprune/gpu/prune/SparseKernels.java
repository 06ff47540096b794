package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import jcuda.driver.CUdeviceptr;

/**
 * Typed launchers of native/sparse.cu: the device CSR of {@link GpuSparseLinear} (one warp per
 * row). See {@link Launcher}.
 */
final class SparseKernels extends Launcher {
    SparseKernels(GpuContext ctx) { super(ctx); }

    void csrCount(CUdeviceptr w, long rows, long cols, DeviceBuffer rowPtr) {
        launch("jp_csr_count", warpBlocks(rows), "rows=" + rows + " cols=" + cols, w, rows, cols, rowPtr);
    }
    void csrScan(DeviceBuffer rowPtr, long rows, DeviceBuffer nnz) {
        launch("jp_csr_scan", 1, "rows=" + rows, rowPtr, rows, nnz);
    }
    void csrFill(CUdeviceptr w, long rows, long cols, DeviceBuffer rowPtr, DeviceBuffer colIdx, DeviceBuffer values) {
        launch("jp_csr_fill", warpBlocks(rows), "rows=" + rows + " cols=" + cols, w, rows, cols,
                rowPtr, colIdx, values);
    }
    void csrSpmm(DeviceBuffer rowPtr, DeviceBuffer colIdx, DeviceBuffer values, CUdeviceptr x, int n, int in, int out,
                 DeviceBuffer bias, boolean relu, CUdeviceptr y) {
        launch("jp_csr_spmm", warpBlocks(out), "n=" + n + " in=" + in + " out=" + out + " relu=" + relu,
                rowPtr, colIdx, values, x, n, in, out, bias, relu ? 1 : 0, y);
    }
}
