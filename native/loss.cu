// Losses. Twins: dev.jprune.cpu.CpuKernels.softmaxCrossEntropy and .mse.
// Each loss writes per-row (or per-block) partial sums in double to a buffer; jp_sum_double then takes the mean
// in one block with a fixed summation tree, so the loss is the same on every run (no float atomics).
#include "common.cuh"
#include <limits.h>

// The softmax denominator of row x [cols], by all JP_THREADS threads: mx (in: this thread's running max; out: the
// row's max, NaN-propagating) and the returned sum_c exp(x_c - mx), in double like the CPU twin, with a fixed tree.
__device__ __forceinline__ double jp_softmax_sum(const float* __restrict__ x, int cols, float& mx, float* shf,
                                                 double* shd) {
    mx = jp_block_max_float(mx, shf);
    double s = 0.0;
    for (int c = threadIdx.x; c < cols; c += JP_THREADS) s += exp((double)(x[c] - mx));
    return jp_block_sum_double(s, shd);
}

// The row's loss and gradient, by all JP_THREADS threads, for a label in [0, cols): thread 0 writes *loss =
// log(s) - (x_label - mx), and dx = (softmax(x) - onehot(label)) * invRows. For any other label both are NaN and it
// returns false.
__device__ __forceinline__ bool jp_xent_row(const float* __restrict__ x, float* __restrict__ dx, int cols, int label,
                                            float mx, double s, float invRows, double* __restrict__ loss) {
    if (label < 0 || label >= cols) {
        if (threadIdx.x == 0) *loss = __longlong_as_double(0x7ff8000000000000LL);
        for (int c = threadIdx.x; c < cols; c += JP_THREADS) dx[c] = __int_as_float(0x7fc00000);
        return false;
    }
    if (threadIdx.x == 0) *loss = log(s) - (double)(x[label] - mx);
    for (int c = threadIdx.x; c < cols; c += JP_THREADS) {
        const float p = (float)(exp((double)(x[c] - mx)) / s);
        dx[c] = (p - (c == label ? 1.f : 0.f)) * invRows;
    }
    return true;
}

// Fused, numerically stable softmax + cross-entropy + gradient. Grid: rows blocks (one block per row),
// JP_THREADS threads. logits, dlogits [rows, cols]; labels [rows].
// Writes rowLoss[r] = log(sum_c exp(x_c - max)) - (x_label - max) and dlogits = (softmax - onehot) * invRows.
// Like the CPU twin, exp and the row sum are in double. A label outside [0, cols) lowers *badRow (initialised to
// INT_MAX by the host) to the smallest such row, so the host can report it; that row's loss and gradient are NaN.
JP_KERNEL void jp_softmax_xent(const float* __restrict__ logits, const int* __restrict__ labels, int rows, int cols,
                               float* __restrict__ dlogits, double* __restrict__ rowLoss, float invRows,
                               int* __restrict__ badRow) {
    __shared__ double shd[JP_THREADS];
    __shared__ float shf[JP_THREADS];
    const int r = blockIdx.x;
    if (r >= rows) return;  // uniform per block: the barriers below are never split
    const float* x = logits + (long long)r * cols;
    float* dx = dlogits + (long long)r * cols;

    float mx = __int_as_float(0xff800000);  // -inf
    for (int c = threadIdx.x; c < cols; c += JP_THREADS) mx = jp_nan_max(mx, x[c]);
    const double s = jp_softmax_sum(x, cols, mx, shf, shd);

    if (!jp_xent_row(x, dx, cols, labels[r], mx, s, invRows, rowLoss + r) && threadIdx.x == 0) {
        atomicMin(badRow, r);  // int atomic: only selects the row to report, never touches a result
    }
}

// Mean squared error, first pass. Grid: any number of blocks G (the host picks it from n alone, so the result is
// reproducible), JP_THREADS threads. dpred = (p - t) * scale (scale = 2/n); partials[b] = sum over this block's
// elements of (p - t)^2 in double.
JP_KERNEL void jp_mse(const float* __restrict__ pred, const float* __restrict__ target, int n,
                      float* __restrict__ dpred, float scale, double* __restrict__ partials) {
    __shared__ double shd[JP_THREADS];
    double s = 0.0;
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        const float d = pred[i] - target[i];
        s += (double)d * d;
        dpred[i] = d * scale;
    }
    s = jp_block_sum_double(s, shd);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

// out[0] = scale * sum x[0, n), one block of JP_THREADS threads: thread t sums x[t], x[t + 256], ... in order,
// then a fixed tree. Used for the mean of per-row losses and of per-block partials.
JP_KERNEL void jp_sum_double(const double* __restrict__ x, int n, double scale, double* __restrict__ out) {
    __shared__ double shd[JP_THREADS];
    double s = 0.0;
    for (int i = threadIdx.x; i < n; i += JP_THREADS) s += x[i];
    s = jp_block_sum_double(s, shd);
    if (threadIdx.x == 0) out[0] = s * scale;
}

// ---- Training-step variants that never make the host wait: the mean loss, the number of correct predictions and
// the first bad label row are written to DEVICE memory (lossOut, correctOut, badRowOut), which the host reads only
// when it reports. Twins: CpuKernels.softmaxCrossEntropy and CpuConvKernels.countCorrect.

// As jp_softmax_xent, plus the row's prediction: rowFlag[r] = 1 when argmax(logits[r]) == label, 0 when not, 2 when
// the label is outside [0, cols) (then rowLoss[r] and the row's gradient are NaN). The argmax follows
// Trainer.countCorrect exactly: best = 0, then j wins when x[j] > x[best]. So a NaN at column 0 keeps column 0, a NaN
// elsewhere never wins, and ties go to the lowest index: that is "the lowest index of the largest non-NaN value",
// found here by a (value desc, index asc) block reduction, which is order-independent and so exact.
JP_KERNEL void jp_softmax_xent_acc(const float* __restrict__ logits, const int* __restrict__ labels, int rows, int cols,
                                   float* __restrict__ dlogits, double* __restrict__ rowLoss, float invRows,
                                   int* __restrict__ rowFlag) {
    __shared__ double shd[JP_THREADS];
    __shared__ float shf[JP_THREADS];
    __shared__ int shi[JP_THREADS];
    const int r = blockIdx.x;
    if (r >= rows) return;  // uniform per block
    const float* x = logits + (long long)r * cols;
    float* dx = dlogits + (long long)r * cols;

    float mx = __int_as_float(0xff800000);  // -inf
    float bv = mx;
    int bi = INT_MAX;
    for (int c = threadIdx.x; c < cols; c += JP_THREADS) {
        const float v = x[c];
        mx = jp_nan_max(mx, v);
        if (v > bv || (v == bv && c < bi)) { bv = v; bi = c; }  // NaN: both false
    }
    // (value, index) argmax across the block: prefer the larger value, then the lower index.
    shf[threadIdx.x] = bv;
    shi[threadIdx.x] = bi;
    __syncthreads();
    for (int s = JP_THREADS / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            const float ov = shf[threadIdx.x + s];
            const int oi = shi[threadIdx.x + s];
            if (ov > shf[threadIdx.x] || (ov == shf[threadIdx.x] && oi < shi[threadIdx.x])) {
                shf[threadIdx.x] = ov;
                shi[threadIdx.x] = oi;
            }
        }
        __syncthreads();
    }
    int best = shi[0];
    __syncthreads();  // shf is reused below
    if (x[0] != x[0]) best = 0;

    const double s = jp_softmax_sum(x, cols, mx, shf, shd);

    const int label = labels[r];
    const bool valid = jp_xent_row(x, dx, cols, label, mx, s, invRows, rowLoss + r);
    if (threadIdx.x == 0) rowFlag[r] = !valid ? 2 : best == label ? 1 : 0;
}

// One block of JP_THREADS threads: lossOut[0] = scale * sum rowLoss (thread t sums rows t, t+256, ... in order, then
// a fixed tree: the same order as jp_sum_double), correctOut[0] = number of rows with flag 1 (may be null),
// badRowOut[0] = the smallest row with flag 2, or -1 (may be null). Counts are summed as doubles: exact below 2^53.
JP_KERNEL void jp_xent_finish(const double* __restrict__ rowLoss, const int* __restrict__ rowFlag, int rows,
                              double scale, double* __restrict__ lossOut, long long* __restrict__ correctOut,
                              int* __restrict__ badRowOut) {
    __shared__ double shd[JP_THREADS];
    __shared__ int shi[JP_THREADS];
    double s = 0.0, cnt = 0.0;
    int bad = INT_MAX;
    for (int i = threadIdx.x; i < rows; i += JP_THREADS) {
        s += rowLoss[i];
        const int f = rowFlag[i];
        if (f == 1) cnt += 1.0;
        if (f == 2 && i < bad) bad = i;
    }
    s = jp_block_sum_double(s, shd);
    cnt = jp_block_sum_double(cnt, shd);
    shi[threadIdx.x] = bad;
    __syncthreads();
    for (int st = JP_THREADS / 2; st > 0; st >>= 1) {
        if (threadIdx.x < st) shi[threadIdx.x] = min(shi[threadIdx.x], shi[threadIdx.x + st]);
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        lossOut[0] = s * scale;
        if (correctOut != nullptr) correctOut[0] = (long long)cnt;
        if (badRowOut != nullptr) badRowOut[0] = shi[0] == INT_MAX ? -1 : shi[0];
    }
}
