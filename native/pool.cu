// Max pooling (NCHW, square window k, stride s, no padding, OH = (H - k)/s + 1) with a saved argmax.
// Twins: dev.jprune.cpu.CpuConvKernels.{maxPoolForward, maxPoolBackward}, which reproduce dev.jprune.nn.MaxPool2d
// bit for bit (tested on the CPU); both kernels are exact (no arithmetic but the backward's ordered float adds).
#include "common.cuh"

// One thread per output element o = (plane*OH + oy)*OW + ox. Scans the window row by row with MaxPool2d's rule:
// strict > keeps the first (lowest-index) maximum on ties; a NaN wins once and then stays (NaN counts as the
// maximum, as PyTorch). argmax[o] = flat input index (into the whole [N, C, H, W] tensor). Overwrites y, argmax.
JP_KERNEL void jp_maxpool_fwd(const float* __restrict__ x, int planes, int h, int w, int oh, int ow, int k, int s,
                              float* __restrict__ y, int* __restrict__ argmax) {
    const unsigned total = (unsigned)planes * oh * ow;  // <= N*C*H*W < 2^31: the launcher checks
    for (unsigned o = jp_tid32(); o < total; o += jp_stride32()) {
        const unsigned orow = o / (unsigned)ow, opl = orow / (unsigned)oh;
        const int ox = (int)(o - orow * (unsigned)ow), oy = (int)(orow - opl * (unsigned)oh), pl = (int)opl;
        int best = (pl * h + oy * s) * w + ox * s;  // fits in int: the host checks N*C*H*W < 2^31
        float bv = x[best];
        for (int ky = 0; ky < k; ky++) {
            const int row = (pl * h + oy * s + ky) * w + ox * s;
            for (int kx = 0; kx < k; kx++) {
                const float v = x[row + kx];
                if (v > bv || (v != v && bv == bv)) { bv = v; best = row + kx; }
            }
        }
        y[o] = bv;
        argmax[o] = best;
    }
}

// GATHER form of the backward: one thread per dx element i = (plane*H + iy)*W + ix visits the windows that cover it,
// oy in [ceil((iy - k + 1)/s), iy/s] and ox likewise (clipped to the output), in ascending output order, and adds
// dy[o] where argmax[o] == i, starting from 0. MaxPool2d.backward adds into a zeroed dx in ascending o, so the sums
// are bit-identical; no atomics even for overlapping windows (s < k). Overwrites dx [N, C, H, W].
JP_KERNEL void jp_maxpool_bwd(const float* __restrict__ dy, const int* __restrict__ argmax, int planes, int h, int w,
                              int oh, int ow, int k, int s, float* __restrict__ dx) {
    const unsigned total = (unsigned)planes * h * w;  // < 2^31: the launcher checks
    for (unsigned i = jp_tid32(); i < total; i += jp_stride32()) {
        const unsigned irow = i / (unsigned)w, ipl = irow / (unsigned)h;
        const int ix = (int)(i - irow * (unsigned)w), iy = (int)(irow - ipl * (unsigned)h), pl = (int)ipl;
        const int oy0 = iy - k + 1 <= 0 ? 0 : (iy - k + s) / s, oy1 = min(oh - 1, iy / s);
        const int ox0 = ix - k + 1 <= 0 ? 0 : (ix - k + s) / s, ox1 = min(ow - 1, ix / s);
        float acc = 0.f;
        for (int oy = oy0; oy <= oy1; oy++) {
            const int row = (pl * oh + oy) * ow;
            for (int ox = ox0; ox <= ox1; ox++) {
                if (argmax[row + ox] == (int)i) acc += dy[row + ox];
            }
        }
        dx[i] = acc;
    }
}
