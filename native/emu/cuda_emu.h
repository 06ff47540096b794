// cuda_emu.h — compiles jprune's real kernel sources (native/*.cu) as host C++ for the CPU emulator of the CUDA
// driver (native/emu/emu_driver.cpp, built into a stand-in libcuda.so.1 by cmake/build-emulator.sh).
//
// Why: the machines we develop and run CI on have nvcc but no GPU. The emulator runs every kernel launch of the
// unchanged Java GPU path (JCuda -> libcuda.so.1 -> kernel) on the CPU, so launch arguments, grids, multi-pass
// orchestration and kernel logic are tested on every commit. What it cannot tell: speed, real inter-block
// concurrency, nvcc's code generation (FMA contraction, fast math), hardware TF32 rounding, register limits.
//
// Model: one block at a time; its threads are fibers that switch only at __syncthreads and warp collectives.
// __shared__ variables are statics, gathered into one section (by the build's linker script) that is poisoned
// (0xFF bytes: NaN floats) before every block.
// Warp collectives check their member mask: a lane named in the mask that has exited, or a lane whose value is read
// but is not in the mask, is a kernel error, as is a barrier deadlock.
#pragma once
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <cmath>

struct uint3 { unsigned int x, y, z; };
struct dim3 { unsigned int x, y, z; };
struct __attribute__((aligned(16))) float4 { float x, y, z, w; };
struct __attribute__((aligned(8))) float2 { float x, y; };
struct __attribute__((aligned(16))) int4 { int x, y, z, w; };
static inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
static inline float2 make_float2(float x, float y) { return float2{x, y}; }

// Device code compiled "for" sm_90: the emulator reports compute capability 9.0.
#define __CUDA_ARCH__ 900
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ static
#define __constant__ static

extern "C" {
extern uint3 jp_emu_threadIdx, jp_emu_blockIdx;
extern dim3 jp_emu_blockDim, jp_emu_gridDim;
// Block barrier: returns when every live thread of the block has called it.
void jp_emu_syncthreads(void);
// Warp collective on `mask` (a bit per lane of the caller's warp, which must include the caller): every lane of the
// mask writes `value` and gets back the 32 values of its warp (entries of lanes outside the mask are garbage).
void jp_emu_warp_exchange(unsigned mask, uint64_t value, uint64_t* all /* [32] */);
// Stops the whole launch with an error (the launch's next synchronising call returns it).
[[noreturn]] void jp_emu_fail(const char* what);
}
#define threadIdx jp_emu_threadIdx
#define blockIdx jp_emu_blockIdx
#define blockDim jp_emu_blockDim
#define gridDim jp_emu_gridDim
#define warpSize 32
static inline void __syncthreads() { jp_emu_syncthreads(); }
[[noreturn]] static inline void __trap() { jp_emu_fail("__trap() called"); }

// ---- bit casts and round-to-nearest arithmetic. The asm barrier keeps GCC from contracting an explicitly
// rounded product into a later FMA (nvcc never contracts the __f*_rn intrinsics either).
template <class To, class From> static inline To jp_emu_bits(From f) { To t; memcpy(&t, &f, sizeof t); return t; }
static inline float __int_as_float(int i) { return jp_emu_bits<float>(i); }
static inline int __float_as_int(float f) { return jp_emu_bits<int>(f); }
static inline float __uint_as_float(unsigned i) { return jp_emu_bits<float>(i); }
static inline unsigned __float_as_uint(float f) { return jp_emu_bits<unsigned>(f); }
static inline double __longlong_as_double(long long i) { return jp_emu_bits<double>(i); }
static inline long long __double_as_longlong(double d) { return jp_emu_bits<long long>(d); }
#define JP_EMU_RN(T, expr) { T r = (expr); __asm__ volatile("" : "+x"(r)); return r; }
static inline float __fadd_rn(float a, float b) JP_EMU_RN(float, a + b)
static inline float __fsub_rn(float a, float b) JP_EMU_RN(float, a - b)
static inline float __fmul_rn(float a, float b) JP_EMU_RN(float, a * b)
static inline float __fdiv_rn(float a, float b) JP_EMU_RN(float, a / b)
static inline float __fsqrt_rn(float a) JP_EMU_RN(float, sqrtf(a))
static inline double __dadd_rn(double a, double b) JP_EMU_RN(double, a + b)
static inline double __dsub_rn(double a, double b) JP_EMU_RN(double, a - b)
static inline double __dmul_rn(double a, double b) JP_EMU_RN(double, a * b)
static inline double __ddiv_rn(double a, double b) JP_EMU_RN(double, a / b)
static inline double __dsqrt_rn(double a) JP_EMU_RN(double, sqrt(a))
static inline float __double2float_rn(double d) { return (float)d; }
static inline float __uint2float_rn(unsigned u) { return (float)u; }
static inline float __int2float_rn(int i) { return (float)i; }
static inline float __ll2float_rn(long long i) { return (float)i; }
#define __expf(x) expf(x)
#define __logf(x) logf(x)
static inline float rsqrtf(float x) { return 1.f / sqrtf(x); }
static inline int __popc(unsigned x) { return __builtin_popcount(x); }
static inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
static inline int __ffs(int x) { return __builtin_ffs(x); }
static inline int __ffsll(long long x) { return __builtin_ffsll(x); }
static inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
static inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll((unsigned long long)x); }
template <class T> static inline T __ldg(const T* p) { return *p; }

// CUDA's integer min/max overloads (device code calls them unqualified).
#define JP_EMU_MINMAX(T) \
    static inline T min(T a, T b) { return a < b ? a : b; } static inline T max(T a, T b) { return a > b ? a : b; }
JP_EMU_MINMAX(int) JP_EMU_MINMAX(unsigned) JP_EMU_MINMAX(long long) JP_EMU_MINMAX(unsigned long long)
JP_EMU_MINMAX(long)
static inline float min(float a, float b) { return fminf(a, b); }
static inline float max(float a, float b) { return fmaxf(a, b); }
static inline double min(double a, double b) { return fmin(a, b); }
static inline double max(double a, double b) { return fmax(a, b); }

// ---- atomics: fibers switch only at barriers, so a plain read-modify-write is atomic here.
template <class T> static inline T atomicAdd(T* p, T v) { T o = *p; *p = o + v; return o; }
template <class T> static inline T atomicSub(T* p, T v) { T o = *p; *p = o - v; return o; }
template <class T> static inline T atomicMin(T* p, T v) { T o = *p; if (v < o) *p = v; return o; }
template <class T> static inline T atomicMax(T* p, T v) { T o = *p; if (v > o) *p = v; return o; }
template <class T> static inline T atomicOr(T* p, T v) { T o = *p; *p = o | v; return o; }
template <class T> static inline T atomicAnd(T* p, T v) { T o = *p; *p = o & v; return o; }
template <class T> static inline T atomicExch(T* p, T v) { T o = *p; *p = v; return o; }
template <class T> static inline T atomicCAS(T* p, T cmp, T v) { T o = *p; if (o == cmp) *p = v; return o; }
static inline void __threadfence() {}
static inline void __threadfence_block() {}

// ---- warp collectives
static inline unsigned jp_emu_lane() {
    return (threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)) & 31u;
}
static inline void jp_emu_need_lane(unsigned mask, unsigned src, const char* op) {
    if (!((mask >> src) & 1u)) jp_emu_fail(op);
}
static inline void __syncwarp(unsigned mask = 0xffffffffu) { uint64_t all[32]; jp_emu_warp_exchange(mask, 0, all); }
static inline unsigned __ballot_sync(unsigned mask, int pred) {
    uint64_t all[32];
    jp_emu_warp_exchange(mask, pred != 0, all);
    unsigned r = 0;
    for (int l = 0; l < 32; l++) if (((mask >> l) & 1u) && all[l]) r |= 1u << l;
    return r;
}
static inline int __any_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) != 0; }
static inline int __all_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) == mask; }
template <class T> static inline unsigned __match_any_sync(unsigned mask, T value) {
    static_assert(sizeof(T) <= 8, "match_any of a type wider than 8 bytes");
    uint64_t all[32], mine = 0;
    memcpy(&mine, &value, sizeof(T));
    jp_emu_warp_exchange(mask, mine, all);
    unsigned r = 0;
    for (int l = 0; l < 32; l++) if (((mask >> l) & 1u) && all[l] == mine) r |= 1u << l;
    return r;
}
template <class T> static inline T jp_emu_shfl(unsigned mask, T v, unsigned src, const char* op) {
    static_assert(sizeof(T) <= 8, "shuffle of a type wider than 8 bytes");
    uint64_t all[32], mine = 0;
    memcpy(&mine, &v, sizeof(T));
    jp_emu_warp_exchange(mask, mine, all);
    jp_emu_need_lane(mask, src, op);
    T r;
    memcpy(&r, &all[src], sizeof(T));
    return r;
}
// width: a power of two <= 32; lanes are grouped into segments of `width`, as on the GPU.
template <class T> static inline T __shfl_sync(unsigned mask, T v, int srcLane, int width = 32) {
    const unsigned lane = jp_emu_lane(), base = lane & ~(unsigned)(width - 1);
    return jp_emu_shfl(mask, v, base + ((unsigned)srcLane & (unsigned)(width - 1)),
                       "__shfl_sync reads a lane outside its mask");
}
template <class T> static inline T __shfl_xor_sync(unsigned mask, T v, int laneMask, int width = 32) {
    const unsigned lane = jp_emu_lane(), base = lane & ~(unsigned)(width - 1);
    const unsigned src = lane ^ (unsigned)laneMask;
    return jp_emu_shfl(mask, v, (src & ~(unsigned)(width - 1)) == base ? src : lane,
                       "__shfl_xor_sync reads a lane outside its mask");
}
template <class T> static inline T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    const unsigned lane = jp_emu_lane(), seg = lane & (unsigned)(width - 1);
    return jp_emu_shfl(mask, v, seg + delta < (unsigned)width ? lane + delta : lane,
                       "__shfl_down_sync reads a lane outside its mask");
}
template <class T> static inline T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    const unsigned lane = jp_emu_lane(), seg = lane & (unsigned)(width - 1);
    return jp_emu_shfl(mask, v, seg >= delta ? lane - delta : lane, "__shfl_up_sync reads a lane outside its mask");
}
