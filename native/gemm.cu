// SGEMM, our own: C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C  (+ bias[N], ReLU), row-major.
// Twin: dev.jprune.cpu.NaiveGemm.gemm (same argument convention: op(A) = A stored [M,K] with lda >= K, or A^T with
// A stored [K,M], lda >= M; op(B) = B stored [K,N], ldb >= N, or B^T with B stored [N,K], ldb >= K).
// The variants are named by (op(A), op(B)): jp_sgemm_nt is the Linear forward Y = X * W^T, jp_sgemm_nn is
// dX = dY * W, jp_sgemm_tn is dW = dY^T * X; none of them materialises a transpose.
//
// FP32 kernel ("SIMT"): block tile 128x128x8, 256 threads, each thread an 8x8 register tile laid out as 2x2
// sub-tiles of 4x4 at (ty*4, tx*4) and (+64, +64), so that the shared-memory reads of one warp are either
// broadcasts (A) or 16 consecutive float4 (B): no bank conflicts. Shared tiles are stored k-major
// (As[k][m], Bs[k][n]) and double-buffered; the next tile is prefetched into registers while the current one is
// multiplied, so one __syncthreads per k-step suffices. Global loads are float4 when the host says the matrix
// is 16-byte aligned with ld % 4 == 0 (flag bits) and the 4 elements are inside the matrix; every other
// element is loaded by a bounds-checked scalar load with zero fill, so any M, N, K and leading dimension works.
//
// Small problems (fewer 128x128 tiles than SMs) go to a 32x32 tile kernel with deterministic split-K (below).
//
// TF32 kernel (sm_80+, opt-in): wmma m16n16k8 tf32 with fp32 accumulation, block tile 64x64x16, 4 warps of
// 32x32. Operands are rounded to tf32 (10-bit mantissa): expect ~5e-4 relative error, not fp32 accuracy.
#include "common.cuh"
#include <mma.h>

#define GEMM_BM 128
#define GEMM_BN 128
#define GEMM_BK 8
#define GEMM_THREADS 256
#define GEMM_PAD 4  // keeps 16-byte alignment of float4 reads and makes the transposing stores conflict-free

// Flag bits (GemmKernels.java mirrors them).
#define GEMM_RELU 1
#define GEMM_VEC_A 2
#define GEMM_VEC_B 4
#define GEMM_VEC_C 8

// Loads elements (row, col .. col+3) of a row-major matrix stored [rows, cols] with leading dimension ld.
// col is a multiple of 4. Out-of-range elements read as 0, so partial tiles contribute nothing to the sums.
__device__ __forceinline__ void gemm_ld4(const float* __restrict__ p, int ld, int rows, int cols, int row, int col,
                                         bool vec, float (&r)[4]) {
    if (row < rows && vec && col + 3 < cols) {
        const float4 v = *reinterpret_cast<const float4*>(p + (long long)row * ld + col);
        r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
    } else {
#pragma unroll
        for (int j = 0; j < 4; j++)
            r[j] = (row < rows && col + j < cols) ? p[(long long)row * ld + col + j] : 0.f;
    }
}

// op(A) tile [m0, m0+128) x [k0, k0+8): this thread's 4 elements.
// Not transposed (A [M,K]): thread t takes row t/2, k (t%2)*4..+3 (contiguous in memory).
// Transposed (A [K,M]): thread t takes k row t/32, m (t%32)*4..+3 (contiguous in memory).
template <bool TRANS>
__device__ __forceinline__ void gemm_load_a(const float* __restrict__ A, int lda, int M, int K, int m0, int k0,
                                            bool vec, float (&r)[4]) {
    const int t = threadIdx.x;
    if (!TRANS) gemm_ld4(A, lda, M, K, m0 + (t >> 1), k0 + (t & 1) * 4, vec, r);
    else        gemm_ld4(A, lda, K, M, k0 + (t >> 5), m0 + (t & 31) * 4, vec, r);
}

template <bool TRANS>
__device__ __forceinline__ void gemm_store_a(float (*As)[GEMM_BM + GEMM_PAD], const float (&r)[4]) {
    const int t = threadIdx.x;
    if (!TRANS) {
        const int mm = t >> 1, kk = (t & 1) * 4;
#pragma unroll
        for (int j = 0; j < 4; j++) As[kk + j][mm] = r[j];
    } else {
        const int kk = t >> 5, mm = (t & 31) * 4;
        *reinterpret_cast<float4*>(&As[kk][mm]) = make_float4(r[0], r[1], r[2], r[3]);
    }
}

// op(B) tile [k0, k0+8) x [n0, n0+128).
// Not transposed (B [K,N]): thread t takes k row t/32, n (t%32)*4..+3. Transposed (B [N,K]): n t/2, k (t%2)*4.
template <bool TRANS>
__device__ __forceinline__ void gemm_load_b(const float* __restrict__ B, int ldb, int N, int K, int n0, int k0,
                                            bool vec, float (&r)[4]) {
    const int t = threadIdx.x;
    if (!TRANS) gemm_ld4(B, ldb, K, N, k0 + (t >> 5), n0 + (t & 31) * 4, vec, r);
    else        gemm_ld4(B, ldb, N, K, n0 + (t >> 1), k0 + (t & 1) * 4, vec, r);
}

template <bool TRANS>
__device__ __forceinline__ void gemm_store_b(float (*Bs)[GEMM_BN + GEMM_PAD], const float (&r)[4]) {
    const int t = threadIdx.x;
    if (!TRANS) {
        const int kk = t >> 5, nn = (t & 31) * 4;
        *reinterpret_cast<float4*>(&Bs[kk][nn]) = make_float4(r[0], r[1], r[2], r[3]);
    } else {
        const int nn = t >> 1, kk = (t & 1) * 4;
#pragma unroll
        for (int j = 0; j < 4; j++) Bs[kk + j][nn] = r[j];
    }
}

// Epilogue for 4 consecutive columns of one row: alpha*acc + beta*C (C ignored when beta == 0, NaN included,
// as BLAS does) + bias[col], then ReLU. Vector store when allowed and fully inside.
__device__ __forceinline__ void gemm_store_c(float* __restrict__ C, int ldc, int M, int N, int row, int col,
                                             const float (&acc)[4], float alpha, float beta,
                                             const float* __restrict__ bias, int flags) {
    if (row >= M) return;
    float v[4];
    float* crow = C + (long long)row * ldc;
#pragma unroll
    for (int j = 0; j < 4; j++) {
        const bool in = col + j < N;
        float x = alpha * acc[j];
        if (beta != 0.f && in) x += beta * crow[col + j];
        if (bias != nullptr && in) x += bias[col + j];
        if (flags & GEMM_RELU) x = x > 0.f ? x : 0.f;
        v[j] = x;
    }
    if ((flags & GEMM_VEC_C) && col + 3 < N) {
        *reinterpret_cast<float4*>(crow + col) = make_float4(v[0], v[1], v[2], v[3]);
    } else {
#pragma unroll
        for (int j = 0; j < 4; j++) if (col + j < N) crow[col + j] = v[j];
    }
}

template <bool TA, bool TB>
__device__ __forceinline__ void sgemm_body(int M, int N, int K, float alpha, const float* __restrict__ A, int lda,
                                           const float* __restrict__ B, int ldb, float beta, float* __restrict__ C,
                                           int ldc, const float* __restrict__ bias, int flags) {
    __shared__ __align__(16) float As[2][GEMM_BK][GEMM_BM + GEMM_PAD];
    __shared__ __align__(16) float Bs[2][GEMM_BK][GEMM_BN + GEMM_PAD];

    const int m0 = blockIdx.y * GEMM_BM;
    const int n0 = blockIdx.x * GEMM_BN;
    const int tx = threadIdx.x & 15;   // column group
    const int ty = threadIdx.x >> 4;   // row group
    const bool vecA = (flags & GEMM_VEC_A) != 0;
    const bool vecB = (flags & GEMM_VEC_B) != 0;

    float acc[8][8];
#pragma unroll
    for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 8; j++) acc[i][j] = 0.f;

    float ra[4], rb[4];
    gemm_load_a<TA>(A, lda, M, K, m0, 0, vecA, ra);
    gemm_load_b<TB>(B, ldb, N, K, n0, 0, vecB, rb);
    gemm_store_a<TA>(As[0], ra);
    gemm_store_b<TB>(Bs[0], rb);
    __syncthreads();

    int buf = 0;
    for (int k0 = 0; k0 < K; k0 += GEMM_BK) {
        const bool more = k0 + GEMM_BK < K;
        if (more) {  // prefetch the next tile into registers; its latency hides behind the FMAs below
            gemm_load_a<TA>(A, lda, M, K, m0, k0 + GEMM_BK, vecA, ra);
            gemm_load_b<TB>(B, ldb, N, K, n0, k0 + GEMM_BK, vecB, rb);
        }
#pragma unroll
        for (int kk = 0; kk < GEMM_BK; kk++) {
            const float4 a0 = *reinterpret_cast<const float4*>(&As[buf][kk][ty * 4]);
            const float4 a1 = *reinterpret_cast<const float4*>(&As[buf][kk][64 + ty * 4]);
            const float4 b0 = *reinterpret_cast<const float4*>(&Bs[buf][kk][tx * 4]);
            const float4 b1 = *reinterpret_cast<const float4*>(&Bs[buf][kk][64 + tx * 4]);
            const float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            const float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 8; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        if (more) {
            gemm_store_a<TA>(As[buf ^ 1], ra);
            gemm_store_b<TB>(Bs[buf ^ 1], rb);
        }
        // One barrier per k-step: it publishes the stores into buf^1 and, because every thread has finished
        // reading buf before passing it, frees buf for the stores of the next step.
        __syncthreads();
        buf ^= 1;
    }

#pragma unroll
    for (int ih = 0; ih < 2; ih++)
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int row = m0 + ih * 64 + ty * 4 + i;
#pragma unroll
            for (int jh = 0; jh < 2; jh++) {
                const float v[4] = {acc[ih * 4 + i][jh * 4 + 0], acc[ih * 4 + i][jh * 4 + 1],
                                    acc[ih * 4 + i][jh * 4 + 2], acc[ih * 4 + i][jh * 4 + 3]};
                gemm_store_c(C, ldc, M, N, row, n0 + jh * 64 + tx * 4, v, alpha, beta, bias, flags);
            }
        }
}

// Grid: (ceil(N/128), ceil(M/128)), block: 256. bias may be null (0). flags: GEMM_* bits.
#define JP_SGEMM(NAME, TA, TB)                                                                                   \
    JP_KERNEL void __launch_bounds__(GEMM_THREADS, 2)                                                          \
    NAME(int M, int N, int K, float alpha, const float* __restrict__ A, int lda, const float* __restrict__ B,   \
         int ldb, float beta, float* __restrict__ C, int ldc, const float* __restrict__ bias, int flags) {      \
        sgemm_body<TA, TB>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias, flags);                         \
    }

JP_SGEMM(jp_sgemm_nn, false, false)
JP_SGEMM(jp_sgemm_nt, false, true)
JP_SGEMM(jp_sgemm_tn, true, false)
JP_SGEMM(jp_sgemm_tt, true, true)

// ---------------------------------------------------------------------------------------------------------------
// Small-tile FP32 kernel, for the problems the 128x128 tile leaves idle: a Linear layer at batch 128 is 3 to 21
// tiles of 128x128 on a part with 132 SMs. Block tile 32x32x16, 256 threads, each a 2x2 register tile at rows
// ty + 16i, columns tx + 16j (A reads are broadcasts, B reads 16 consecutive floats: conflict-free). Loads are
// scalar and bounds-checked, consecutive threads reading consecutive addresses of the stored matrix; the next tile
// is prefetched into registers while the current one is multiplied (one barrier per k-step, as the large kernel).
// Without split-K every output is the same fmaf chain over k = 0, 1, ... as in the large kernel: the two kernels
// give identical bits (tested). Split-K over gridDim.z: block z sums k in [z*kSplit, min(K, (z+1)*kSplit)); with
// gridDim.z > 1 it writes the raw partial sums to work[z][M][N] and jp_sgemm_splitk_reduce adds them in z order
// (deterministic, no atomics) and applies the epilogue.
#define SG_BM 32
#define SG_BN 32
#define SG_BK 16
#define SG_THREADS 256

template <bool TA, bool TB>
__device__ __forceinline__ void small_load(const float* __restrict__ A, int lda, const float* __restrict__ B, int ldb,
                                           int M, int N, int kEnd, int m0, int n0, int k0, float (&ra)[2],
                                           float (&rb)[2]) {
#pragma unroll
    for (int r = 0; r < 2; r++) {
        const int e = threadIdx.x + r * SG_THREADS;  // element of the 32x16 (A) and 16x32 (B) tiles
        const int am = m0 + (TA ? (e & 31) : (e >> 4)), ak = k0 + (TA ? (e >> 5) : (e & 15));
        ra[r] = (am < M && ak < kEnd) ? (TA ? A[(long long)ak * lda + am] : A[(long long)am * lda + ak]) : 0.f;
        const int bn = n0 + (TB ? (e >> 4) : (e & 31)), bk = k0 + (TB ? (e & 15) : (e >> 5));
        rb[r] = (bn < N && bk < kEnd) ? (TB ? B[(long long)bn * ldb + bk] : B[(long long)bk * ldb + bn]) : 0.f;
    }
}

template <bool TA, bool TB>
__device__ __forceinline__ void small_store(float (*As)[SG_BM + 1], float (*Bs)[SG_BN + 1], const float (&ra)[2],
                                            const float (&rb)[2]) {
#pragma unroll
    for (int r = 0; r < 2; r++) {
        const int e = threadIdx.x + r * SG_THREADS;
        As[TA ? (e >> 5) : (e & 15)][TA ? (e & 31) : (e >> 4)] = ra[r];
        Bs[TB ? (e & 15) : (e >> 5)][TB ? (e >> 4) : (e & 31)] = rb[r];
    }
}

template <bool TA, bool TB>
__device__ __forceinline__ void sgemm_small_body(int M, int N, int K, int kSplit, float alpha,
                                                 const float* __restrict__ A, int lda, const float* __restrict__ B,
                                                 int ldb, float beta, float* __restrict__ C, int ldc,
                                                 const float* __restrict__ bias, int flags, float* __restrict__ work) {
    // +1 column: the transposing stores of a warp spread over the banks.
    __shared__ float As[2][SG_BK][SG_BM + 1];
    __shared__ float Bs[2][SG_BK][SG_BN + 1];
    const int m0 = blockIdx.y * SG_BM, n0 = blockIdx.x * SG_BN;
    const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
    const int kBegin = blockIdx.z * kSplit, kEnd = min(K, kBegin + kSplit);
    float acc[2][2] = {{0.f, 0.f}, {0.f, 0.f}};
    float ra[2], rb[2];
    small_load<TA, TB>(A, lda, B, ldb, M, N, kEnd, m0, n0, kBegin, ra, rb);
    small_store<TA, TB>(As[0], Bs[0], ra, rb);
    __syncthreads();
    int buf = 0;
    for (int k0 = kBegin; k0 < kEnd; k0 += SG_BK) {
        const bool more = k0 + SG_BK < kEnd;
        if (more) small_load<TA, TB>(A, lda, B, ldb, M, N, kEnd, m0, n0, k0 + SG_BK, ra, rb);
#pragma unroll
        for (int kk = 0; kk < SG_BK; kk++) {
            const float a0 = As[buf][kk][ty], a1 = As[buf][kk][ty + 16];
            const float b0 = Bs[buf][kk][tx], b1 = Bs[buf][kk][tx + 16];
            acc[0][0] = fmaf(a0, b0, acc[0][0]);
            acc[0][1] = fmaf(a0, b1, acc[0][1]);
            acc[1][0] = fmaf(a1, b0, acc[1][0]);
            acc[1][1] = fmaf(a1, b1, acc[1][1]);
        }
        if (more) small_store<TA, TB>(As[buf ^ 1], Bs[buf ^ 1], ra, rb);
        __syncthreads();
        buf ^= 1;
    }
#pragma unroll
    for (int i = 0; i < 2; i++) {
        const int row = m0 + ty + 16 * i;
        if (row >= M) continue;
#pragma unroll
        for (int j = 0; j < 2; j++) {
            const int col = n0 + tx + 16 * j;
            if (col >= N) continue;
            if (gridDim.z > 1) {
                work[((long long)blockIdx.z * M + row) * N + col] = acc[i][j];
                continue;
            }
            // gemm_store_c's epilogue, element by element
            float x = alpha * acc[i][j];
            if (beta != 0.f) x += beta * C[(long long)row * ldc + col];
            if (bias != nullptr) x += bias[col];
            if (flags & GEMM_RELU) x = x > 0.f ? x : 0.f;
            C[(long long)row * ldc + col] = x;
        }
    }
}

// Grid: (ceil(N/32), ceil(M/32), splits), block: 256. kSplit: a multiple of 16 with splits * kSplit >= K (and
// (splits - 1) * kSplit < K, so no split is empty). work: FLOAT[splits * M * N] when splits > 1, else null.
#define JP_SGEMM_SMALL(NAME, TA, TB)                                                                             \
    JP_KERNEL void __launch_bounds__(SG_THREADS)                                                               \
    NAME(int M, int N, int K, int kSplit, float alpha, const float* __restrict__ A, int lda,                    \
         const float* __restrict__ B, int ldb, float beta, float* __restrict__ C, int ldc,                      \
         const float* __restrict__ bias, int flags, float* __restrict__ work) {                                 \
        sgemm_small_body<TA, TB>(M, N, K, kSplit, alpha, A, lda, B, ldb, beta, C, ldc, bias, flags, work);     \
    }

JP_SGEMM_SMALL(jp_sgemm_small_nn, false, false)
JP_SGEMM_SMALL(jp_sgemm_small_nt, false, true)
JP_SGEMM_SMALL(jp_sgemm_small_tn, true, false)
JP_SGEMM_SMALL(jp_sgemm_small_tt, true, true)

// C[row, col] = epilogue(Σ_z work[z][row][col]), z in order: the split-K finish. Grid-stride over M*N.
JP_KERNEL void jp_sgemm_splitk_reduce(int M, int N, int splits, const float* __restrict__ work, float alpha,
                                      float beta, float* __restrict__ C, int ldc, const float* __restrict__ bias,
                                      int flags) {
    const unsigned total = (unsigned)M * N;  // < 2^31: the launcher checks
    for (unsigned i = jp_tid32(); i < total; i += jp_stride32()) {
        const unsigned row = i / (unsigned)N, col = i - row * (unsigned)N;
        float s = 0.f;
        for (int z = 0; z < splits; z++) s += work[(long long)z * total + i];
        float x = alpha * s;
        if (beta != 0.f) x += beta * C[(long long)row * ldc + col];
        if (bias != nullptr) x += bias[col];
        if (flags & GEMM_RELU) x = x > 0.f ? x : 0.f;
        C[(long long)row * ldc + col] = x;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// TF32 tensor-core path (sm_80+). Grid: (ceil(N/64), ceil(M/64)), block: 128.
#define TF_BM 64
#define TF_BN 64
#define TF_BK 16
#define TF_THREADS 128
#define TF_LDA (TF_BK + 8)   // wmma needs 32-byte aligned fragment pointers: ld a multiple of 8 floats
#define TF_LDB (TF_BN + 8)
#define TF_LDC (TF_BN + 4)

template <bool TA, bool TB>
__device__ __forceinline__ void tf32_body(int M, int N, int K, float alpha, const float* __restrict__ A, int lda,
                                          const float* __restrict__ B, int ldb, float beta, float* __restrict__ C,
                                          int ldc, const float* __restrict__ bias, int flags) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    using namespace nvcuda;
    __shared__ __align__(32) float As[TF_BM][TF_LDA];   // op(A) tile, [m][k]
    __shared__ __align__(32) float Bs[TF_BK][TF_LDB];   // op(B) tile, [k][n]
    __shared__ __align__(32) float Cs[TF_BM][TF_LDC];

    const int m0 = blockIdx.y * TF_BM, n0 = blockIdx.x * TF_BN;
    const int t = threadIdx.x, warp = t >> 5;
    const int wm = (warp >> 1) * 32, wn = (warp & 1) * 32;

    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.f);

    for (int k0 = 0; k0 < K; k0 += TF_BK) {
        // 1024 elements per tile, 8 per thread; the fastest-varying index follows memory order for coalescing:
        // thread t owns one fixed column of the stored matrix and every (128 / width)-th row of the tile.
        {
            const int mm = TA ? (t & 63) : (t >> 4), kk = TA ? (t >> 6) : (t & 15);
            const int dm = TA ? 0 : 8, dk = TA ? 2 : 0;  // step of (mm, kk) from one of the 8 elements to the next
#pragma unroll
            for (int r = 0; r < 8; r++) {
                const int m = m0 + mm + r * dm, k = k0 + kk + r * dk;
                float v = 0.f;
                if (m < M && k < K) v = TA ? A[(long long)k * lda + m] : A[(long long)m * lda + k];
                As[mm + r * dm][kk + r * dk] = wmma::__float_to_tf32(v);
            }
        }
        {
            const int nn = TB ? (t >> 4) : (t & 63), kk = TB ? (t & 15) : (t >> 6);
            const int dn = TB ? 8 : 0, dk = TB ? 0 : 2;
#pragma unroll
            for (int r = 0; r < 8; r++) {
                const int n = n0 + nn + r * dn, k = k0 + kk + r * dk;
                float v = 0.f;
                if (n < N && k < K) v = TB ? B[(long long)n * ldb + k] : B[(long long)k * ldb + n];
                Bs[kk + r * dk][nn + r * dn] = wmma::__float_to_tf32(v);
            }
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TF_BK; kk += 8) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fa[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb[2];
#pragma unroll
            for (int i = 0; i < 2; i++) wmma::load_matrix_sync(fa[i], &As[wm + i * 16][kk], TF_LDA);
#pragma unroll
            for (int j = 0; j < 2; j++) wmma::load_matrix_sync(fb[j], &Bs[kk][wn + j * 16], TF_LDB);
#pragma unroll
            for (int i = 0; i < 2; i++)
#pragma unroll
                for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
        }
        __syncthreads();  // the next iteration overwrites As/Bs
    }
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++)
            wmma::store_matrix_sync(&Cs[wm + i * 16][wn + j * 16], acc[i][j], TF_LDC, wmma::mem_row_major);
    __syncthreads();
    // 64 x 64 outputs, 32 per thread, 4 columns at a time: 16 column groups x 64 rows = 1024 groups / 128.
#pragma unroll
    for (int r = 0; r < 8; r++) {
        const int g = t + TF_THREADS * r;
        const int mm = g >> 4, nn = (g & 15) * 4;
        const float v[4] = {Cs[mm][nn], Cs[mm][nn + 1], Cs[mm][nn + 2], Cs[mm][nn + 3]};
        gemm_store_c(C, ldc, M, N, m0 + mm, n0 + nn, v, alpha, beta, bias, flags);
    }
#else
    __trap();  // the host only selects the TF32 kernels on compute capability >= 8.0
#endif
}

#define JP_TF32(NAME, TA, TB)                                                                                    \
    JP_KERNEL void __launch_bounds__(TF_THREADS)                                                               \
    NAME(int M, int N, int K, float alpha, const float* __restrict__ A, int lda, const float* __restrict__ B,   \
         int ldb, float beta, float* __restrict__ C, int ldc, const float* __restrict__ bias, int flags) {      \
        tf32_body<TA, TB>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias, flags);                          \
    }

JP_TF32(jp_tf32gemm_nn, false, false)
JP_TF32(jp_tf32gemm_nt, false, true)
JP_TF32(jp_tf32gemm_tn, true, false)
JP_TF32(jp_tf32gemm_tt, true, true)
