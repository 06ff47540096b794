// Optimizer steps, one pass over each parameter: the gradient is read once, scaled (clip-by-norm factor),
// clipped by value and decayed in registers, and w and its state are written once.
// Twins: dev.jprune.cpu.CpuKernels.sgdStep and .adamStep. Every operation is written with the _rn intrinsics in
// the twin's evaluation order, so the compiler cannot contract a*b+c into an FMA: the GPU result is then the same
// IEEE float computation as the Java one (Java never fuses), i.e. bit-identical up to sqrt/div, which are
// correctly rounded on both sides.
// Where mask != null and mask[i] == 0, w and every state value are set to exactly 0, so a pruned weight stays 0
// and momentum cannot revive it.
//
// Fused score accumulation (gradual pruning on the GPU; the pass that reads w and g anyway, so no separate sweep):
// with accS != null, the statistic of element i, x = criterion(w before the step, g as the backward left it, before
// scaling, clipping and decay), goes into accS[i] exactly as ScoreAccumulator.accumulate adds it (SUM: s + x; EMA:
// m·s + c1m·x, c1m = 1 - m rounded once by the host, products rounded, no FMA), masked elements included (a batch
// statistic ignores masks). A non-finite input records the lowest global index accOffset + i in accState[JP_S_BAD];
// the sums are then invalid, and the host reports the fault at its next check.
#include "prune.cuh"

__device__ __forceinline__ void jp_step_accumulate(float* __restrict__ accS, int crit, int ema, float m, float c1m,
                                                   long long* __restrict__ accState, long long accOffset, long long i,
                                                   float w, float g) {
    bool bad;
    const float x = jp_crit_score(crit, w, g, bad);
    if (bad) jp_report_bad(accState, accOffset + i);
    const float s = accS[i];
    accS[i] = ema ? __fadd_rn(__fmul_rn(m, s), __fmul_rn(c1m, x)) : __fadd_rn(s, x);
}

// mom may be null exactly when momentum == 0. nesterov: 0 or 1.
JP_KERNEL void jp_sgd_step(float* __restrict__ w, const float* __restrict__ g, float* __restrict__ mom,
                           const unsigned char* __restrict__ mask, int n, float lr, float momentum,
                           float weightDecay, int nesterov, float gradScale, float clipValue,
                           float* __restrict__ accS, int accCrit, int accEma, float accM, float accC1m,
                           long long* __restrict__ accState, long long accOffset) {
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        if (accS != nullptr) jp_step_accumulate(accS, accCrit, accEma, accM, accC1m, accState, accOffset, i, w[i], g[i]);
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
                            float clipValue, float* __restrict__ accS, int accCrit, int accEma, float accM,
                            float accC1m, long long* __restrict__ accState, long long accOffset) {
    const float c1 = __fsub_rn(1.f, beta1), c2 = __fsub_rn(1.f, beta2);
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        if (accS != nullptr) jp_step_accumulate(accS, accCrit, accEma, accM, accC1m, accState, accOffset, i, w[i], g[i]);
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
