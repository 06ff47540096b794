// Sparse inference on the device: CSR from a masked dense weight, and a CSR SpMM for small batches.
// Twins: dev.jprune.sparse.Csr.fromDense (bit-identical arrays) and dev.jprune.sparse.Spmm.linear (tolerance: the
// warp sums in another order than the CPU's sequential k loop).
#include "common.cuh"

// Rows per block of the warp-per-row kernels.
#define JP_SP_WARPS (JP_THREADS / 32)
// Samples per register block of jp_csr_spmm (accumulators are registers: every index into acc is a constant).
#define JP_SP_NB 8

// Count: rowPtr[r + 1] = #{c : w[r·cols + c] != 0f} (Csr.fromDense: -0.0 is dropped, NaN is kept). One warp per row.
JP_KERNEL void jp_csr_count(const float* __restrict__ w, long long rows, long long cols, int* __restrict__ rowPtr) {
    const long long r = ((long long)blockIdx.x * JP_THREADS + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (r >= rows) return;
    const float* p = w + r * cols;
    int cnt = 0;
    for (long long c = lane; c < cols; c += 32) cnt += p[c] != 0.f ? 1 : 0;
    for (int o = 16; o > 0; o >>= 1) cnt += __shfl_xor_sync(0xffffffffu, cnt, o);
    if (lane == 0) rowPtr[r + 1] = cnt;
    if (r == 0 && lane == 0) rowPtr[0] = 0;
}

// One block: inclusive scan of rowPtr[1..rows] in place (rowPtr[0] = 0), in 64 bits; nnz[0] = the total. When the
// total exceeds 2^31 - 1 the int row pointers are meaningless and the host refuses (it checks nnz first).
JP_KERNEL void jp_csr_scan(int* __restrict__ rowPtr, long long rows, long long* __restrict__ nnz) {
    __shared__ long long seg[JP_THREADS];
    const long long per = (rows + JP_THREADS - 1) / JP_THREADS;
    const long long a = min(rows, per * threadIdx.x), b = min(rows, a + per);
    long long s = 0;
    for (long long i = a; i < b; i++) s += rowPtr[i + 1];
    seg[threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.x == 0) {
        long long run = 0;
        for (int q = 0; q < JP_THREADS; q++) { const long long v = seg[q]; seg[q] = run; run += v; }
        nnz[0] = run;
    }
    __syncthreads();
    long long run = seg[threadIdx.x];
    for (long long i = a; i < b; i++) { run += rowPtr[i + 1]; rowPtr[i + 1] = (int)run; }
}

// Fill: one warp per row walks the row 32 columns at a time; the nonzeros of a step are placed by a ballot prefix,
// so columns are written in increasing order exactly as Csr.fromDense does.
JP_KERNEL void jp_csr_fill(const float* __restrict__ w, long long rows, long long cols, const int* __restrict__ rowPtr,
                           int* __restrict__ colIdx, float* __restrict__ values) {
    const long long r = ((long long)blockIdx.x * JP_THREADS + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (r >= rows) return;
    const float* p = w + r * cols;
    long long pos = rowPtr[r];
    for (long long c0 = 0; c0 < cols; c0 += 32) {
        const long long c = c0 + lane;
        const float v = c < cols ? p[c] : 0.f;
        const bool nz = v != 0.f;
        const unsigned bal = __ballot_sync(0xffffffffu, nz);
        if (nz) {
            const long long k = pos + __popc(bal & ((1u << lane) - 1u));
            colIdx[k] = (int)c;
            values[k] = v;
        }
        pos += __popc(bal);
    }
}

// y[s, j] = act(Σ_k values[k]·x[s, colIdx[k]] + bias[j]) for s < n: a Linear layer y = x·Wᵀ + b with W [out, in] in
// CSR. One warp per output row j; the lanes stride over the row's nonzeros and gather x; JP_SP_NB samples per
// register block; a fixed xor-tree reduction per sample (deterministic). bias may be null; relu != 0 applies ReLU.
JP_KERNEL void jp_csr_spmm(const int* __restrict__ rowPtr, const int* __restrict__ colIdx,
                           const float* __restrict__ values, const float* __restrict__ x, int n, int in, int out,
                           const float* __restrict__ bias, int relu, float* __restrict__ y) {
    const long long j = ((long long)blockIdx.x * JP_THREADS + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (j >= out) return;
    const int a = rowPtr[j], e = rowPtr[j + 1];
    const float b = bias == nullptr ? 0.f : bias[j];
    for (int s0 = 0; s0 < n; s0 += JP_SP_NB) {
        float acc[JP_SP_NB];
#pragma unroll
        for (int q = 0; q < JP_SP_NB; q++) acc[q] = 0.f;
        for (int k = a + lane; k < e; k += 32) {
            const float v = values[k];
            const long long c = colIdx[k];
#pragma unroll
            for (int q = 0; q < JP_SP_NB; q++) {
                if (s0 + q < n) acc[q] = fmaf(v, x[(long long)(s0 + q) * in + c], acc[q]);
            }
        }
#pragma unroll
        for (int q = 0; q < JP_SP_NB; q++) {
            // uniform over the warp: no reduction for samples past the batch (batch 1: 5 shuffles, not 40)
            if (s0 + q >= n) break;
            float v = acc[q];
            for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
            if (lane == 0) {
                v += b;
                y[(long long)(s0 + q) * out + j] = relu && v < 0.f ? 0.f : v;
            }
        }
    }
}
