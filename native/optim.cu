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

// Element i of an SGD step (shared by the one-tensor and the multi-tensor kernel, so their bits agree by construction).
__device__ __forceinline__ void jp_sgd_element(float* __restrict__ w, const float* __restrict__ g,
                                               float* __restrict__ mom, const unsigned char* __restrict__ mask,
                                               long long i, float lr, float momentum, float weightDecay, int nesterov,
                                               float gradScale, float clipValue, float* __restrict__ accS, int accCrit,
                                               int accEma, float accM, float accC1m, long long* __restrict__ accState,
                                               long long accOffset) {
    if (accS != nullptr) jp_step_accumulate(accS, accCrit, accEma, accM, accC1m, accState, accOffset, i, w[i], g[i]);
    if (mask != nullptr && mask[i] == 0) {
        w[i] = 0.f;
        if (mom != nullptr) mom[i] = 0.f;
        return;
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

// mom may be null exactly when momentum == 0. nesterov: 0 or 1.
JP_KERNEL void jp_sgd_step(float* __restrict__ w, const float* __restrict__ g, float* __restrict__ mom,
                           const unsigned char* __restrict__ mask, int n, float lr, float momentum,
                           float weightDecay, int nesterov, float gradScale, float clipValue,
                           float* __restrict__ accS, int accCrit, int accEma, float accM, float accC1m,
                           long long* __restrict__ accState, long long accOffset) {
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        jp_sgd_element(w, g, mom, mask, i, lr, momentum, weightDecay, nesterov, gradScale, clipValue, accS, accCrit,
                       accEma, accM, accC1m, accState, accOffset);
    }
}

// Element i of an Adam step (shared by the one-tensor and the multi-tensor kernel).
__device__ __forceinline__ void jp_adam_element(float* __restrict__ w, const float* __restrict__ g,
                                                float* __restrict__ m, float* __restrict__ v,
                                                const unsigned char* __restrict__ mask, long long i, float stepSize,
                                                float beta1, float beta2, float eps, float weightDecay, float bc2Sqrt,
                                                float gradScale, float clipValue, float* __restrict__ accS, int accCrit,
                                                int accEma, float accM, float accC1m, long long* __restrict__ accState,
                                                long long accOffset) {
    const float c1 = __fsub_rn(1.f, beta1), c2 = __fsub_rn(1.f, beta2);
    if (accS != nullptr) jp_step_accumulate(accS, accCrit, accEma, accM, accC1m, accState, accOffset, i, w[i], g[i]);
    if (mask != nullptr && mask[i] == 0) {
        w[i] = 0.f; m[i] = 0.f; v[i] = 0.f;
        return;
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

// stepSize = lr / (1 - beta1^t) and bc2Sqrt = sqrt(1 - beta2^t), computed on the host exactly as the twin does.
JP_KERNEL void jp_adam_step(float* __restrict__ w, const float* __restrict__ g, float* __restrict__ m,
                            float* __restrict__ v, const unsigned char* __restrict__ mask, int n, float stepSize,
                            float beta1, float beta2, float eps, float weightDecay, float bc2Sqrt, float gradScale,
                            float clipValue, float* __restrict__ accS, int accCrit, int accEma, float accM,
                            float accC1m, long long* __restrict__ accState, long long accOffset) {
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        jp_adam_element(w, g, m, v, mask, i, stepSize, beta1, beta2, eps, weightDecay, bc2Sqrt, gradScale, clipValue,
                        accS, accCrit, accEma, accM, accC1m, accState, accOffset);
    }
}

// ---- Multi-tensor steps: every parameter of a model in ONE launch (a training step of lenet-300-100 took six
// optimizer launches; on a GPU each small launch costs microseconds of a ~100 µs step). The tensors come as a table
// in device memory (rows in tensor order); tensor t owns blocks [blockStart, blockStart + blocks) of a 1-D grid and
// its block finds it by binary search. Per element the same functions as the one-tensor kernels: the same bits.
#define JP_OPT_ROW_LONGS 10
struct JpOptRef {  // JP_OPT_ROW_LONGS 64-bit words; null pointers are 0
    float* w;                   // 0
    const float* g;             // 1
    float* s1;                  // 2 SGD momentum / Adam m (null: SGD without momentum)
    float* s2;                  // 3 Adam v
    const unsigned char* mask;  // 4 or null
    float* accS;                // 5 fused score accumulation buffer, or null
    long long n;                // 6
    long long accOffset;        // 7 global index of element 0 in the accumulator's fault reports
    long long blockStart;       // 8 first block of this tensor
    long long blocks;           // 9 its blocks (0 for an empty tensor)
};

__device__ __forceinline__ int jp_opt_tensor(const JpOptRef* __restrict__ tab, int tensors, long long b) {
    int lo = 0, hi = tensors - 1;  // the largest t with blockStart <= b (empty tensors share the next one's start)
    while (lo < hi) {
        const int mid = (lo + hi + 1) >> 1;
        if (tab[mid].blockStart <= b) lo = mid; else hi = mid - 1;
    }
    return lo;
}

// The row of the block's tensor (thread 0 searches, into the caller's shared slot); every thread must call it.
__device__ __forceinline__ JpOptRef jp_opt_begin(const JpOptRef* __restrict__ tab, int tensors, int& shT) {
    if (threadIdx.x == 0) shT = jp_opt_tensor(tab, tensors, blockIdx.x);
    __syncthreads();
    return tab[shT];
}

// The gradient scale of a multi-tensor step: gradScale, or (scaleDev != null) the clip-by-norm factor the device
// computed (jp_sumsq_finish), read here so that the host never waits for the norm. A NaN there marks a non-finite
// gradient norm: the whole step is skipped (as the CPU trainer throws before its step) and the host reports it when
// it reads the epoch's results.
__device__ __forceinline__ bool jp_opt_scale(float gradScale, const float* __restrict__ scaleDev, float& scale) {
    scale = scaleDev != nullptr ? *scaleDev : gradScale;
    return scale == scale;
}

JP_KERNEL void jp_sgd_step_multi(const JpOptRef* __restrict__ tab, int tensors, float lr, float momentum,
                                 float weightDecay, int nesterov, float gradScale, const float* __restrict__ scaleDev,
                                 float clipValue, int accCrit, int accEma, float accM, float accC1m,
                                 long long* __restrict__ accState) {
    __shared__ int shT;
    float scale;
    if (!jp_opt_scale(gradScale, scaleDev, scale)) return;  // uniform: every thread of every block returns
    const JpOptRef r = jp_opt_begin(tab, tensors, shT);
    for (long long i = (blockIdx.x - r.blockStart) * JP_THREADS + threadIdx.x; i < r.n; i += r.blocks * JP_THREADS) {
        jp_sgd_element(r.w, r.g, r.s1, r.mask, i, lr, momentum, weightDecay, nesterov, scale, clipValue, r.accS,
                       accCrit, accEma, accM, accC1m, accState, r.accOffset);
    }
}

JP_KERNEL void jp_adam_step_multi(const JpOptRef* __restrict__ tab, int tensors, float stepSize, float beta1,
                                  float beta2, float eps, float weightDecay, float bc2Sqrt, float gradScale,
                                  const float* __restrict__ scaleDev, float clipValue, int accCrit, int accEma,
                                  float accM, float accC1m, long long* __restrict__ accState) {
    __shared__ int shT;
    float scale;
    if (!jp_opt_scale(gradScale, scaleDev, scale)) return;
    const JpOptRef r = jp_opt_begin(tab, tensors, shT);
    for (long long i = (blockIdx.x - r.blockStart) * JP_THREADS + threadIdx.x; i < r.n; i += r.blocks * JP_THREADS) {
        jp_adam_element(r.w, r.g, r.s1, r.s2, r.mask, i, stepSize, beta1, beta2, eps, weightDecay, bc2Sqrt, scale,
                        clipValue, r.accS, accCrit, accEma, accM, accC1m, accState, r.accOffset);
    }
}
