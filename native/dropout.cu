// Inverted dropout with the CPU's counter-based random numbers. Twin: dev.jprune.cpu.CpuConvKernels.dropoutForward /
// dropoutBackward, which equal dev.jprune.nn.Dropout (tested on the CPU). The keep mask is bit-identical to the
// CPU's: jp_hash_uniform is Rng.hashUniform in 64-bit unsigned integer math (Java's long arithmetic wraps mod 2^64
// exactly like unsigned long long, and >>> is the unsigned shift), and the float conversion of the top 24 bits is
// exact on both sides.
#include "common.cuh"

// Rng.hashUniform(seed, stream, index): SplitMix64's finaliser over a mix of the three, top 24 bits -> [0, 1).
__device__ __forceinline__ float jp_hash_uniform(unsigned long long seed, unsigned long long stream,
                                                 unsigned long long index) {
    unsigned long long z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1ULL) + 0xD1B54A32D192ED03ULL * (index + 1ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    return __uint2float_rn((unsigned int)(z >> 40)) * 5.9604644775390625e-8f;  // 2^-24; < 2^24: both exact
}

// keep[i] = hashUniform(seed, stream, i) >= p; y[i] = keep ? x[i] * scale : 0 (scale = 1/(1 - p), computed in
// float by the host exactly as Dropout does). Overwrites y and keep (BYTE, 1 keep / 0 drop). y must not alias x
// only if the caller still needs x (the kernel itself tolerates y == x).
JP_KERNEL void jp_dropout_fwd(const float* x, float* y, unsigned char* __restrict__ keep, int n, float p, float scale,
                              long long seed, long long stream) {
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        const bool k = jp_hash_uniform((unsigned long long)seed, (unsigned long long)stream,
                                       (unsigned long long)i) >= p;
        keep[i] = k ? 1 : 0;
        y[i] = k ? __fmul_rn(x[i], scale) : 0.f;
    }
}

// dx[i] = keep[i] ? dy[i] * scale : 0. Overwrites dx (may alias dy).
JP_KERNEL void jp_dropout_bwd(const float* dy, const unsigned char* __restrict__ keep, float* dx, int n, float scale) {
    for (long long i = jp_tid(); i < n; i += jp_stride()) dx[i] = keep[i] != 0 ? __fmul_rn(dy[i], scale) : 0.f;
}
