// Deterministic multi-tensor sum of squares (gradient-norm clipping, weight statistics) without float atomics.
// Twin: dev.jprune.cpu.CpuKernels.sumSquares (one tensor, in double).
// Pass 1: grid (B, T): block (b, t) sums the squares of tensor t's elements b*256 + j, strided by B*256, in double,
// and writes partials[t * B + b]. B depends only on the inputs (the host picks it from the largest length), so the
// summation order, and the result, is the same on every run and every GPU.
// Pass 2: one block adds each tensor's B partials in order (per-tensor sums, optional) and then the tensors in a
// fixed tree.
#include "common.cuh"

// One row of the device table the host uploads: a device pointer and a length in elements (16 bytes).
struct JpTensorRef {
    const float* p;
    long long n;
};

JP_KERNEL void jp_sumsq_partials(const JpTensorRef* __restrict__ table, int tensors, int blocksPerTensor,
                                 double* __restrict__ partials) {
    __shared__ double shd[JP_THREADS];
    const int t = blockIdx.y;
    if (t >= tensors) return;
    const float* p = table[t].p;
    const long long n = table[t].n;
    double s = 0.0;
    const long long stride = (long long)blocksPerTensor * JP_THREADS;
    for (long long i = (long long)blockIdx.x * JP_THREADS + threadIdx.x; i < n; i += stride) {
        const double v = p[i];
        s += v * v;
    }
    s = jp_block_sum_double(s, shd);
    if (threadIdx.x == 0) partials[(long long)t * blocksPerTensor + blockIdx.x] = s;
}

// One block of JP_THREADS threads. perTensor may be null; total[0] gets the sum over all tensors.
JP_KERNEL void jp_sumsq_finish(const double* __restrict__ partials, int tensors, int blocksPerTensor,
                               double* __restrict__ perTensor, double* __restrict__ total) {
    __shared__ double shd[JP_THREADS];
    double s = 0.0;
    for (int t = threadIdx.x; t < tensors; t += JP_THREADS) {
        double st = 0.0;
        const double* q = partials + (long long)t * blocksPerTensor;
        for (int b = 0; b < blocksPerTensor; b++) st += q[b];
        if (perTensor != nullptr) perTensor[t] = st;
        s += st;
    }
    s = jp_block_sum_double(s, shd);
    if (threadIdx.x == 0) total[0] = s;
}
