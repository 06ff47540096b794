// Data movement for the device-resident training loop: batch gathers from the dataset on the device, and the
// bias gradient (column sums). Twins: dev.jprune.cpu.CpuDataKernels.{gatherRows, gatherInts, columnSumAccumulate}.
// Every output element is written by one thread; the column sum adds rows in index order, like the CPU Linear, so
// the results are bit-identical to the twins.
#include "common.cuh"

// dst[r, :] = src[idx[r], :] for r in [0, rows), rows of rowLen floats. Modifies dst.
JP_KERNEL void jp_gather_rows(const float* __restrict__ src, const int* __restrict__ idx, float* __restrict__ dst,
                              int rows, int rowLen) {
    const unsigned n = (unsigned)rows * (unsigned)rowLen, len = (unsigned)rowLen;  // < 2^31: the launcher checks
    for (unsigned i = jp_tid32(); i < n; i += jp_stride32()) {
        const unsigned r = i / len, c = i - r * len;
        dst[i] = src[(long long)idx[r] * rowLen + c];  // the data set itself may pass 2^31 elements
    }
}

// dst[i] = src[idx[i]] for i in [0, n). Modifies dst.
JP_KERNEL void jp_gather_ints(const int* __restrict__ src, const int* __restrict__ idx, int* __restrict__ dst, int n) {
    for (unsigned i = jp_tid32(); i < (unsigned)n; i += jp_stride32()) dst[i] = src[idx[i]];
}

// acc[c] += sum over r of x[r, c] (rows added in index order, one thread per column); overwrite: acc[c] = the sum
// (from +0, the bits of accumulating into a zeroed acc, without the launch that zeroes it). Modifies acc.
JP_KERNEL void jp_col_sum_acc(const float* __restrict__ x, float* __restrict__ acc, int rows, int cols, int overwrite) {
    for (unsigned c = jp_tid32(); c < (unsigned)cols; c += jp_stride32()) {
        float s = overwrite ? 0.f : acc[c];
        for (int r = 0; r < rows; r++) s += x[(long long)r * cols + c];
        acc[c] = s;
    }
}
