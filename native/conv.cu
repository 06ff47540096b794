// Convolution as GEMM: im2col / col2im over a whole batch, the [F, N*P] <-> NCHW permutations around the GEMM,
// and the bias gradient. Twins: dev.jprune.cpu.CpuConvKernels.{im2col, col2im, rowsToNchw, nchwToRows,
// biasGradNchw}; the composition (GpuConvolution.conv2dForward/Backward) against dev.jprune.cpu.NaiveConv2d.
//
// Layout choice: col is [C*KH*KW, N*OH*OW] row-major for the WHOLE batch (image n owns the column block
// [n*P, (n+1)*P), P = OH*OW), so the convolution of the batch is ONE GEMM  Y' [F, N*P] = W [F, CKK] * col  and dW
// is ONE GEMM  dW [F, CKK] = dY' [F, N*P] * col^T  (its k-loop runs over the batch: no per-image accumulation,
// no atomics). The per-image block of column j = n*P + q equals dev.jprune.cpu.Im2col's col for image n, so the
// row order (c*KH + ky)*KW + kx matches a weight stored [F, C, KH, KW]. Y' is then permuted to NCHW with the bias.
// The CPU Conv2d loops images with a per-image col [CKK, P]; on the GPU that would be N small GEMM launches.
#include "common.cuh"

// col[r, j] for r = (c*KH + ky)*KW + kx, j = n*P + oy*OW + ox: x[n, c, oy*s - pad + ky, ox*s - pad + kx], 0 in the
// padding. One thread per col element (consecutive threads write consecutive j: coalesced stores). Overwrites col.
// Index arithmetic: col itself may pass 2^31 elements, its row r and column j may not (the launcher asserts C*KH*KW,
// N*P and N*C*H*W < 2^31), so each thread steps (r, j) along with its 64-bit flat index i by the grid stride (< 2^21)
// instead of dividing i, and splits r and j with 32-bit divisions.
JP_KERNEL void jp_im2col(const float* __restrict__ x, int n, int c, int h, int w, int kh, int kw, int stride, int pad,
                         int oh, int ow, float* __restrict__ col) {
    const unsigned p = (unsigned)oh * ow, np = (unsigned)n * p, kk = (unsigned)kh * kw;
    const long long total = (long long)c * kk * np;
    const unsigned first = jp_tid32(), step = jp_stride32();
    unsigned r = first / np, j = first - r * np;
    const unsigned dr = step / np, dj = step - dr * np;
    for (long long i = first; i < total; i += step) {
        const unsigned img = j / p, q = j - img * p;
        const int oy = (int)(q / (unsigned)ow), ox = (int)q - oy * ow;
        const int ch = (int)(r / kk), rk = (int)r - ch * (int)kk;
        const int ky = rk / kw, kx = rk - ky * kw;
        const int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
        float v = 0.f;
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
            v = x[((img * (unsigned)c + ch) * (unsigned)h + iy) * (unsigned)w + ix];
        }
        col[i] = v;
        j += dj;  // (r, j) of i + step: j + dj < 2 np < 2^32
        r += dr;
        if (j >= np) { j -= np; r++; }
    }
}

// The adjoint of jp_im2col in GATHER form: one thread per dx element sums, in (ky, kx) ascending order starting
// from 0, every col entry copied from it. That is exactly the order in which Im2col.col2im adds into a zeroed
// image, so the result is bit-identical to the CPU twin, and there are no atomics. Overwrites dx [N, C, H, W].
JP_KERNEL void jp_col2im(const float* __restrict__ col, int n, int c, int h, int w, int kh, int kw, int stride, int pad,
                         int oh, int ow, float* __restrict__ dx) {
    const long long p = (long long)oh * ow, np = (long long)n * p;
    const unsigned total = (unsigned)n * c * h * w;  // < 2^31: the launcher checks
    for (unsigned i = jp_tid32(); i < total; i += jp_stride32()) {
        const unsigned row = i / (unsigned)w, plane = row / (unsigned)h;
        const int ix = (int)(i - row * (unsigned)w), iy = (int)(row - plane * (unsigned)h);
        const int img = (int)(plane / (unsigned)c), ch = (int)plane - img * c;
        const float* base = col + img * p;
        float s = 0.f;
        for (int ky = 0; ky < kh; ky++) {
            const int ty = iy + pad - ky;  // = oy * stride when (ky, oy) reads this pixel
            if (ty < 0 || ty % stride != 0) continue;
            const int oy = ty / stride;
            if (oy >= oh) continue;
            for (int kx = 0; kx < kw; kx++) {
                const int tx = ix + pad - kx;
                if (tx < 0 || tx % stride != 0) continue;
                const int ox = tx / stride;
                if (ox >= ow) continue;
                s += base[((long long)(ch * kh + ky) * kw + kx) * np + oy * ow + ox];
            }
        }
        dx[i] = s;
    }
}

// y[img, f, q] = rows[f, img*P + q] (+ bias[f]); rows [F, N*P], y [N, F, P]. bias may be null (then no add at all,
// so -0 stays -0 as in the twin). Overwrites y. One thread per y element (coalesced stores).
JP_KERNEL void jp_rows_to_nchw(const float* __restrict__ rows, const float* __restrict__ bias, int n, int f, int p,
                               float* __restrict__ y) {
    const unsigned total = (unsigned)n * f * p, np = (unsigned)n * p;  // < 2^31: the launcher checks
    for (unsigned i = jp_tid32(); i < total; i += jp_stride32()) {
        const unsigned plane = i / (unsigned)p, q = i - plane * (unsigned)p;
        const unsigned img = plane / (unsigned)f, ch = plane - img * (unsigned)f;
        float v = rows[ch * np + img * (unsigned)p + q];
        if (bias != nullptr) v += bias[ch];
        y[i] = v;
    }
}

// rows[f, img*P + q] = y[img, f, q]: the inverse permutation (dY NCHW -> dY' [F, N*P] for the two backward GEMMs).
// Overwrites rows.
JP_KERNEL void jp_nchw_to_rows(const float* __restrict__ y, int n, int f, int p, float* __restrict__ rows) {
    const unsigned np = (unsigned)n * p, total = (unsigned)f * np;  // < 2^31: the launcher checks
    for (unsigned i = jp_tid32(); i < total; i += jp_stride32()) {
        const unsigned ch = i / np, j = i - ch * np;
        const unsigned img = j / (unsigned)p, q = j - img * (unsigned)p;
        rows[i] = y[(img * (unsigned)f + ch) * (unsigned)p + q];
    }
}

// Bias gradient, pass 1. Grid (B, F): block (b, ch) sums, in double, channel ch's elements j = b*256 + t,
// strided by B*256, over j in [0, N*P) (element j = dy[j / P, ch, j % P]) and writes partials[ch * B + b].
// B is chosen by the host from N*P alone, so the summation order and the result are reproducible.
JP_KERNEL void jp_bias_grad_partials(const float* __restrict__ dy, int n, int f, int p, int blocksPerChannel,
                                     double* __restrict__ partials) {
    __shared__ double shd[JP_THREADS];
    const int ch = blockIdx.y;
    if (ch >= f) return;  // uniform per block
    // N*F*P < 2^31 (the launcher checks), stride <= 2^16
    const unsigned np = (unsigned)n * p, stride = (unsigned)blocksPerChannel * JP_THREADS;
    double s = 0.0;
    for (unsigned j = blockIdx.x * JP_THREADS + threadIdx.x; j < np; j += stride) {
        const unsigned img = j / (unsigned)p, q = j - img * (unsigned)p;
        s += (double)dy[(img * (unsigned)f + ch) * (unsigned)p + q];
    }
    s = jp_block_sum_double(s, shd);
    if (threadIdx.x == 0) partials[(long long)ch * blocksPerChannel + blockIdx.x] = s;
}

// Pass 2: one thread per channel adds its B partials in order, then db[ch] += (float) sum (db ACCUMULATES, like
// Layer.backward's parameter gradients). Modifies db.
JP_KERNEL void jp_bias_grad_finish(const double* __restrict__ partials, int f, int blocksPerChannel,
                                   float* __restrict__ db) {
    for (unsigned ch = jp_tid32(); ch < (unsigned)f; ch += jp_stride32()) {
        double s = 0.0;
        const double* q = partials + (long long)ch * blocksPerChannel;
        for (int b = 0; b < blocksPerChannel; b++) s += q[b];
        db[ch] += (float)s;
    }
}
