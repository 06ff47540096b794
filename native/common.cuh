// Shared helpers for every jprune kernel family.
// Every entry point is `extern "C"` (JP_KERNEL) so that cuModuleGetFunction finds it by its plain name;
// the Java side (one launcher per family, named after its file: dev.jprune.gpu.GemmKernels for gemm.cu, ...)
// launches each one by that name.
#pragma once
#include <stdint.h>

#define JP_KERNEL extern "C" __global__

// Threads per block for the 1-D elementwise and reduction kernels. Kernels that reduce in shared memory assume
// exactly this many threads; the launchers launch them with KernelLauncher.THREADS (= JP_THREADS).
#define JP_THREADS 256

// Index of the first element this thread owns and the grid-wide stride, in 64 bits so that n near 2^31 does not
// overflow the product blockIdx.x * blockDim.x.
__device__ __forceinline__ long long jp_tid() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ long long jp_stride() { return (long long)gridDim.x * blockDim.x; }

// The same in 32 bits, for the memory-bound kernels whose launcher (KernelLauncher.fits32) asserts that the element
// count and the products indexed with it are below 2^31, and launches at most MAX_BLOCKS (8192) x JP_THREADS threads:
// then i + stride < 2^31 + 2^21 cannot wrap an unsigned, and the divisions and remainders by shapes that split a flat
// index are 32-bit instructions instead of the 64-bit subroutine (~70 instructions each) nvcc calls per element.
__device__ __forceinline__ unsigned jp_tid32() { return blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ unsigned jp_stride32() { return gridDim.x * blockDim.x; }

// Clip by value with the CPU twin's convention: clipValue <= 0 or +inf means "no clipping".
__device__ __forceinline__ float jp_clip(float g, float clipValue) {
    if (clipValue > 0.f && clipValue < __int_as_float(0x7f800000)) {
        if (g > clipValue) return clipValue;
        if (g < -clipValue) return -clipValue;
    }
    return g;
}

// Deterministic block-wide sum of one double per thread (blockDim.x == JP_THREADS, a power of two): a fixed
// tree over shared memory, so the result depends only on the inputs and JP_THREADS, never on scheduling.
// All threads must call it; thread 0 gets the sum.
__device__ __forceinline__ double jp_block_sum_double(double v, double* sh /* [JP_THREADS] */) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = JP_THREADS / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();  // sh may be reused by the caller right after
    return r;
}

// Block-wide max of one float per thread, same tree shape. NaN propagates (fmaxf would drop it, and a NaN
// logit must give a NaN loss exactly as the CPU twin's Math.max does).
__device__ __forceinline__ float jp_nan_max(float a, float b) { return (a != a || a > b) ? a : b; }

__device__ __forceinline__ float jp_block_max_float(float v, float* sh /* [JP_THREADS] */) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = JP_THREADS / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] = jp_nan_max(sh[threadIdx.x], sh[threadIdx.x + s]);
        __syncthreads();
    }
    float r = sh[0];
    __syncthreads();
    return r;
}
