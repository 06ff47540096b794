// Optimizer steps, one pass over each parameter: the gradient is read once, scaled (clip-by-norm factor),
// clipped by value and decayed in registers, and w and its state are written once.
// Twins: dev.jprune.cpu.CpuKernels.sgdStep and .adamStep. Every operation is written with the _rn intrinsics in
// the twin's evaluation order, so the compiler cannot contract a*b+c into an FMA: the GPU result is then the same
// IEEE float computation as the Java one (Java never fuses), i.e. bit-identical up to sqrt/div, which are
// correctly rounded on both sides.
// Where mask != null and mask[i] == 0, w and every state value are set to exactly 0, so a pruned weight stays 0
// and momentum cannot revive it.
#include "common.cuh"

// mom may be null exactly when momentum == 0. nesterov: 0 or 1.
JP_KERNEL void jp_sgd_step(float* __restrict__ w, const float* __restrict__ g, float* __restrict__ mom,
                           const unsigned char* __restrict__ mask, int n, float lr, float momentum,
                           float weightDecay, int nesterov, float gradScale, float clipValue) {
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        if (mask != nullptr && mask[i] == 0) {
            w[i] = 0.f;
            if (mom != nullptr) mom[i] = 0.f;
            continue;
        }
        const float wi = w[i];
        float d = __fadd_rn(jp_clip(__fmul_rn(g[i], gradScale), clipValue), __fmul_rn(weightDecay, wi));
        if (momentum != 0.f) {
            const float b = __fadd_rn(__fmul_rn(momentum, mom[i]), d);
            mom[i] = b;
            d = nesterov ? __fadd_rn(d, __fmul_rn(momentum, b)) : b;
        }
        w[i] = __fsub_rn(wi, __fmul_rn(lr, d));
    }
}

// stepSize = lr / (1 - beta1^t) and bc2Sqrt = sqrt(1 - beta2^t), computed on the host exactly as the twin does.
JP_KERNEL void jp_adam_step(float* __restrict__ w, const float* __restrict__ g, float* __restrict__ m,
                            float* __restrict__ v, const unsigned char* __restrict__ mask, int n, float stepSize,
                            float beta1, float beta2, float eps, float weightDecay, float bc2Sqrt, float gradScale,
                            float clipValue) {
    const float c1 = __fsub_rn(1.f, beta1), c2 = __fsub_rn(1.f, beta2);
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        if (mask != nullptr && mask[i] == 0) {
            w[i] = 0.f; m[i] = 0.f; v[i] = 0.f;
            continue;
        }
        const float wi = w[i];
        const float d = __fadd_rn(jp_clip(__fmul_rn(g[i], gradScale), clipValue), __fmul_rn(weightDecay, wi));
        const float mi = __fadd_rn(__fmul_rn(beta1, m[i]), __fmul_rn(c1, d));
        const float vi = __fadd_rn(__fmul_rn(beta2, v[i]), __fmul_rn(__fmul_rn(c2, d), d));
        m[i] = mi;
        v[i] = vi;
        const float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), bc2Sqrt), eps);
        w[i] = __fsub_rn(wi, __fdiv_rn(__fmul_rn(stepSize, mi), denom));
    }
}
