// Convolution as GEMM: im2col / col2im over a whole batch, the [F, N*P] <-> NCHW permutations around the GEMM,
// and the bias gradient. Twins: dev.jprune.cpu.CpuConvKernels.{im2col, col2im, rowsToNchw, nchwToRows,
// biasGradNchw}; the composition (GpuOps.conv2dForward/Backward) against dev.jprune.cpu.NaiveConv2d.
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
JP_KERNEL void jp_im2col(const float* __restrict__ x, int n, int c, int h, int w, int kh, int kw, int stride, int pad,
                         int oh, int ow, float* __restrict__ col) {
    const long long p = (long long)oh * ow, np = (long long)n * p;
    const long long total = (long long)c * kh * kw * np;
    for (long long i = jp_tid(); i < total; i += jp_stride()) {
        const long long r = i / np, j = i - r * np;
        const int img = (int)(j / p), q = (int)(j - (long long)img * p);
        const int oy = q / ow, ox = q - oy * ow;
        const int kx = (int)(r % kw), ky = (int)((r / kw) % kh), ch = (int)(r / ((long long)kw * kh));
        const int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
        float v = 0.f;
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) v = x[(((long long)img * c + ch) * h + iy) * w + ix];
        col[i] = v;
    }
}

// The adjoint of jp_im2col in GATHER form: one thread per dx element sums, in (ky, kx) ascending order starting
// from 0, every col entry copied from it. That is exactly the order in which Im2col.col2im adds into a zeroed
// image, so the result is bit-identical to the CPU twin, and there are no atomics. Overwrites dx [N, C, H, W].
JP_KERNEL void jp_col2im(const float* __restrict__ col, int n, int c, int h, int w, int kh, int kw, int stride, int pad,
                         int oh, int ow, float* __restrict__ dx) {
    const long long p = (long long)oh * ow, np = (long long)n * p;
    const long long total = (long long)n * c * h * w;
    for (long long i = jp_tid(); i < total; i += jp_stride()) {
        const int ix = (int)(i % w);
        const int iy = (int)((i / w) % h);
        const long long plane = i / ((long long)w * h);
        const int ch = (int)(plane % c), img = (int)(plane / c);
        const float* base = col + (long long)img * p;
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
    const long long total = (long long)n * f * p, np = (long long)n * p;
    for (long long i = jp_tid(); i < total; i += jp_stride()) {
        const int q = (int)(i % p);
        const long long plane = i / p;
        const int ch = (int)(plane % f), img = (int)(plane / f);
        float v = rows[ch * np + (long long)img * p + q];
        if (bias != nullptr) v += bias[ch];
        y[i] = v;
    }
}

// rows[f, img*P + q] = y[img, f, q]: the inverse permutation (dY NCHW -> dY' [F, N*P] for the two backward GEMMs).
// Overwrites rows.
JP_KERNEL void jp_nchw_to_rows(const float* __restrict__ y, int n, int f, int p, float* __restrict__ rows) {
    const long long np = (long long)n * p, total = (long long)f * np;
    for (long long i = jp_tid(); i < total; i += jp_stride()) {
        const int ch = (int)(i / np);
        const long long j = i - (long long)ch * np;
        const int img = (int)(j / p), q = (int)(j - (long long)img * p);
        rows[i] = y[((long long)img * f + ch) * p + q];
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
    const long long np = (long long)n * p, stride = (long long)blocksPerChannel * JP_THREADS;
    double s = 0.0;
    for (long long j = (long long)blockIdx.x * JP_THREADS + threadIdx.x; j < np; j += stride) {
        const long long img = j / p, q = j - img * p;
        s += (double)dy[(img * f + ch) * p + q];
    }
    s = jp_block_sum_double(s, shd);
    if (threadIdx.x == 0) partials[(long long)ch * blocksPerChannel + blockIdx.x] = s;
}

// Pass 2: one thread per channel adds its B partials in order, then db[ch] += (float) sum (db ACCUMULATES, like
// Layer.backward's parameter gradients). Modifies db.
JP_KERNEL void jp_bias_grad_finish(const double* __restrict__ partials, int f, int blocksPerChannel,
                                   float* __restrict__ db) {
    for (long long ch = jp_tid(); ch < f; ch += jp_stride()) {
        double s = 0.0;
        const double* q = partials + ch * blocksPerChannel;
        for (int b = 0; b < blocksPerChannel; b++) s += q[b];
        db[ch] += (float)s;
    }
}
