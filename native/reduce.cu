// Deterministic multi-tensor sum of squares (gradient-norm clipping, weight statistics) without float atomics.
// Twin: dev.jprune.cpu.CpuKernels.sumSquares (one tensor, in double).
// Pass 1: a 1-D grid over all tensors' blocks: tensor t owns blocks [first_t, first_t + blocks_t), blocks_t =
// clamp(ceil(n_t / 4096), 1, 1024) (a function of n_t alone, chosen by the host); block b of tensor t sums the squares
// of elements b*256 + j strided by blocks_t*256, in double, and writes partials[first_t + b]. Why per-tensor block
// counts: one large tensor gets enough blocks to fill the GPU while 10 000 small ones do not launch 10 000 x 1024
// idle blocks, and there is no 65 535 limit on the tensor count (the old grid had tensors in gridDim.y). The
// summation order, and the result, is the same on every run and every GPU.
// Pass 2: one block; thread t adds tensor t's partials in order (per-tensor sums, optional), then the tensors are
// added in a fixed tree.
#include "common.cuh"

// One row of the device table the host uploads (32 bytes): device pointer, length in elements, first block, blocks.
struct JpTensorRef {
    const float* p;
    long long n;
    long long firstBlock;
    long long blocks;
};

// Tensor owning block c: the last row with firstBlock <= c (rows ascending; every row owns at least one block).
__device__ __forceinline__ int jp_sumsq_tensor_of(const JpTensorRef* table, int tensors, long long c) {
    int lo = 0, hi = tensors - 1;
    while (lo < hi) {
        const int mid = (lo + hi + 1) >> 1;
        if (table[mid].firstBlock <= c) lo = mid; else hi = mid - 1;
    }
    return lo;
}

JP_KERNEL void jp_sumsq_partials(const JpTensorRef* __restrict__ table, int tensors, double* __restrict__ partials) {
    __shared__ double shd[JP_THREADS];
    __shared__ int shT;
    const long long c = blockIdx.x;
    if (threadIdx.x == 0) shT = jp_sumsq_tensor_of(table, tensors, c);
    __syncthreads();
    const JpTensorRef r = table[shT];
    const float* p = r.p;
    double s = 0.0;
    const long long stride = r.blocks * JP_THREADS;
    long long i = (c - r.firstBlock) * JP_THREADS + threadIdx.x;
    // Four loads in flight per thread before they are added (in the same order as one at a time, so the same bits):
    // a memory-bound pass needs ~20-25 KB in flight per SM on an H100/H200, one float per thread is 8 KB.
    for (; i + 3 * stride < r.n; i += 4 * stride) {
        const double v0 = p[i], v1 = p[i + stride], v2 = p[i + 2 * stride], v3 = p[i + 3 * stride];
        s += v0 * v0;
        s += v1 * v1;
        s += v2 * v2;
        s += v3 * v3;
    }
    for (; i < r.n; i += stride) {
        const double v = p[i];
        s += v * v;
    }
    s = jp_block_sum_double(s, shd);
    if (threadIdx.x == 0) partials[c] = s;
}

// clip_grad_norm_'s factor from the sum of squares, in GradClip.normScale's double operations (IEEE, correctly
// rounded, no contraction: the same bits as the host computing it from the same sum): norm = sqrt(sum),
// c = maxNorm / (norm + 1e-6), scale = c < 1 ? (float) c : 1. A non-finite norm records `step` in fault[0] (the
// first one: the host resets it to -1) and the norm stays the faulting one; from then on scale is NaN, which the
// multi-tensor optimizer steps read as "skip the update".
__device__ __forceinline__ void jp_clip_scale(double sum, double maxNorm, long long step, float* __restrict__ scale,
                                              double* __restrict__ normOut, long long* __restrict__ fault) {
    if (fault[0] >= 0) { scale[0] = __int_as_float(0x7fc00000); return; }
    const double norm = __dsqrt_rn(sum);
    normOut[0] = norm;
    if (!(__dsub_rn(norm, norm) == 0.0)) {  // NaN or infinite
        fault[0] = step;
        scale[0] = __int_as_float(0x7fc00000);
        return;
    }
    const double c = __ddiv_rn(maxNorm, __dadd_rn(norm, 1e-6));
    scale[0] = c < 1.0 ? __double2float_rn(c) : 1.f;
}

// One block of JP_THREADS threads. perTensor may be null; total[0] gets the sum over all tensors. With clipScale
// non-null, also the clip-by-norm factor (jp_clip_scale) into clipScale[0], clipNorm[0] and clipFault[0].
JP_KERNEL void jp_sumsq_finish(const JpTensorRef* __restrict__ table, const double* __restrict__ partials, int tensors,
                               double* __restrict__ perTensor, double* __restrict__ total, double maxNorm,
                               long long step, float* __restrict__ clipScale, double* __restrict__ clipNorm,
                               long long* __restrict__ clipFault) {
    __shared__ double shd[JP_THREADS];
    double s = 0.0;
    for (int t = threadIdx.x; t < tensors; t += JP_THREADS) {
        double st = 0.0;
        const double* q = partials + table[t].firstBlock;
        const long long nb = table[t].blocks;
        for (long long b = 0; b < nb; b++) st += q[b];
        if (perTensor != nullptr) perTensor[t] = st;
        s += st;
    }
    s = jp_block_sum_double(s, shd);
    if (threadIdx.x == 0) {
        total[0] = s;
        if (clipScale != nullptr) jp_clip_scale(s, maxNorm, step, clipScale, clipNorm, clipFault);
    }
}
