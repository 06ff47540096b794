// Elementwise kernels: bias add, ReLU forward/backward, fused bias+ReLU, scale, clamp, fill.
// Twins: dev.jprune.cpu.CpuKernels.{biasAdd, reluForward, reluBackward, scaleInPlace, clampInPlace}.
// All are grid-stride loops over 32-bit indices (the launchers assert n < 2^31 and at most 8192 blocks: jp_tid32);
// each element is written by exactly one thread, so results are bit-identical to the CPU twin (no reassociation).
#include "common.cuh"

// y[r, c] += bias[c], y [rows, cols] row-major. Modifies y.
JP_KERNEL void jp_bias_add(float* __restrict__ y, const float* __restrict__ bias, int rows, int cols) {
    const unsigned n = (unsigned)rows * (unsigned)cols, c = (unsigned)cols;
    for (unsigned i = jp_tid32(); i < n; i += jp_stride32()) y[i] += bias[i % c];
}

// y[r, c] = max(y[r, c] + bias[c], 0): the Linear layer's bias and the following ReLU in one pass. Modifies y.
// Twin: biasAdd then reluForward. (x > 0 ? x : 0 maps NaN to 0, exactly as the Java twin does.)
JP_KERNEL void jp_bias_relu(float* __restrict__ y, const float* __restrict__ bias, int rows, int cols) {
    const unsigned n = (unsigned)rows * (unsigned)cols, c = (unsigned)cols;
    for (unsigned i = jp_tid32(); i < n; i += jp_stride32()) {
        float v = y[i] + bias[i % c];
        y[i] = v > 0.f ? v : 0.f;
    }
}

// y = max(x, 0). y may alias x (no __restrict__ for that reason).
JP_KERNEL void jp_relu_fwd(const float* x, float* y, int n) {
    for (unsigned i = jp_tid32(); i < (unsigned)n; i += jp_stride32()) {
        float v = x[i];
        y[i] = v > 0.f ? v : 0.f;
    }
}

// dx = x > 0 ? dy : 0, x the ReLU's input. Overwrites dx. dx may alias dy.
JP_KERNEL void jp_relu_bwd(const float* x, const float* dy, float* dx, int n) {
    for (unsigned i = jp_tid32(); i < (unsigned)n; i += jp_stride32()) dx[i] = x[i] > 0.f ? dy[i] : 0.f;
}

// g *= s. Modifies g.
JP_KERNEL void jp_scale(float* g, int n, float s) {
    for (unsigned i = jp_tid32(); i < (unsigned)n; i += jp_stride32()) g[i] *= s;
}

// g = clamp(g, -c, c) with Java's Math.max(-c, Math.min(c, g)) semantics (NaN stays NaN). Modifies g.
JP_KERNEL void jp_clamp(float* g, int n, float c) {
    for (unsigned i = jp_tid32(); i < (unsigned)n; i += jp_stride32()) {
        float v = g[i];
        if (v != v) continue;
        g[i] = v > c ? c : (v < -c ? -c : v);
    }
}

// y = value over n elements. Modifies y.
JP_KERNEL void jp_fill(float* y, int n, float value) {
    for (unsigned i = jp_tid32(); i < (unsigned)n; i += jp_stride32()) y[i] = value;
}
