// mma.h for the CPU emulator: the subset of nvcuda::wmma that native/gemm.cu uses (tf32 m16n16k8, fp32
// accumulators). On the GPU a fragment is spread over the 32 lanes of a warp in an unspecified layout; here every
// lane holds the whole tile, so load/mma/store give the warp-level result whatever the layout. Code that indexes
// fragment elements (x[i]) with a layout in mind would not be portable anyway and is not supported.
// Products of tf32 operands are exact in fp32 and summed in order k = 0..7 (the hardware's order is unspecified).
#pragma once
#include <string.h>
namespace nvcuda {
namespace wmma {
struct row_major {};
struct col_major {};
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
namespace precision { struct tf32 {}; }
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K, class T, class Layout = void> struct fragment;
template <int M, int N, int K, class L> struct fragment<matrix_a, M, N, K, precision::tf32, L> { float t[M * K]; };
template <int M, int N, int K, class L> struct fragment<matrix_b, M, N, K, precision::tf32, L> { float t[K * N]; };
template <int M, int N, int K> struct fragment<accumulator, M, N, K, float, void> { float t[M * N]; };

// Round to nearest, ties away from zero, to a 10-bit mantissa (cvt.rna.tf32.f32); NaN and Inf pass through.
static inline float __float_to_tf32(float f) {
    unsigned u;
    memcpy(&u, &f, 4);
    if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;
    memcpy(&f, &u, 4);
    return f;
}
template <int M, int N, int K>
static inline void fill_fragment(fragment<accumulator, M, N, K, float, void>& f, float v) {
    for (int i = 0; i < M * N; i++) f.t[i] = v;
}
template <int M, int N, int K>
static inline void load_matrix_sync(fragment<matrix_a, M, N, K, precision::tf32, row_major>& f, const float* p,
                                    unsigned ldm) {
    for (int i = 0; i < M; i++) for (int k = 0; k < K; k++) f.t[i * K + k] = p[(long long)i * ldm + k];
}
template <int M, int N, int K>
static inline void load_matrix_sync(fragment<matrix_b, M, N, K, precision::tf32, row_major>& f, const float* p,
                                    unsigned ldm) {
    for (int k = 0; k < K; k++) for (int j = 0; j < N; j++) f.t[k * N + j] = p[(long long)k * ldm + j];
}
template <int M, int N, int K, class LA, class LB>
static inline void mma_sync(fragment<accumulator, M, N, K, float, void>& d,
                            const fragment<matrix_a, M, N, K, precision::tf32, LA>& a,
                            const fragment<matrix_b, M, N, K, precision::tf32, LB>& b,
                            const fragment<accumulator, M, N, K, float, void>& c) {
    float out[M * N];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = c.t[i * N + j];
            for (int k = 0; k < K; k++) s += __float_to_tf32(a.t[i * K + k]) * __float_to_tf32(b.t[k * N + j]);
            out[i * N + j] = s;
        }
    memcpy(d.t, out, sizeof out);
}
template <int M, int N, int K>
static inline void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float, void>& f, unsigned ldm,
                                     layout_t layout) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            if (layout == mem_row_major) p[(long long)i * ldm + j] = f.t[i * N + j];
            else p[(long long)j * ldm + i] = f.t[i * N + j];
        }
}
}  // namespace wmma
}  // namespace nvcuda
