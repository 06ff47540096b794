// Structured pruning: the group scores (L1 / L2 over the rows / filters of every tensor, one launch) and the expansion
// of a group mask to element masks (also Parameter.applyMask with one-element groups).
// Twins: dev.jprune.prune.Structured (groupScores, and the masks of global / perLayer / threshold),
// dev.jprune.nn.Parameter#applyMask.
#include "prune.cuh"

// Structured group scores of every tensor in one launch: one warp per group (tensor t, group q = the contiguous
// slice [q·len, (q+1)·len)). Structured's specification sums in double sequentially in index order; here the 32
// lanes load 32 consecutive scores (coalesced) and every lane adds them in index order from shuffles, so the sum is
// exactly the sequential one. norm 0 = L1 = (float) Σ|s|, 1 = L2 = (float) sqrt(Σ s²). out[groupOffset(t) + q].
JP_KERNEL void jp_prune_group_scores(const JpPruneRef* __restrict__ tab, int tensors, int crit, int norm,
                                     long long totalGroups, float* __restrict__ out, long long* __restrict__ state) {
    const long long wg = ((long long)blockIdx.x * JP_THREADS + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (wg >= totalGroups) return;  // whole warps leave together (wg is the same for the 32 lanes)
    int lo = 0, hi = tensors - 1;   // largest t with groupOffset(t) <= wg
    while (lo < hi) {
        const int mid = (lo + hi + 1) >> 1;
        if (tab[mid].groupOffset <= wg) lo = mid; else hi = mid - 1;
    }
    const JpPruneRef r = tab[lo];
    const long long len = r.groupLen;
    const long long base = (wg - r.groupOffset) * len;
    double acc = 0.0;
    bool pruned = false;  // an element at -Inf (already pruned): the group scores -Inf (Structured.groupScores)
    for (long long i0 = 0; i0 < len; i0 += 32) {
        float s = 0.f;
        if (i0 + lane < len) {
            bool bad;
            s = jp_score(crit, r, base + i0 + lane, bad);
            if (bad || jp_nan(s)) jp_report_bad(state, r.globalOffset + base + i0 + lane);
        }
        const int cnt = (int)min(32LL, len - i0);
        for (int j = 0; j < cnt; j++) {
            const float f = __shfl_sync(0xffffffffu, s, j);
            pruned |= __float_as_int(f) == (int)0xff800000;
            const double v = (double)f;
            acc = norm == 0 ? __dadd_rn(acc, fabs(v)) : __dadd_rn(acc, __dmul_rn(v, v));
        }
    }
    if (lane == 0) out[wg] = pruned ? __int_as_float(0xff800000) : __double2float_rn(norm == 0 ? acc : __dsqrt_rn(acc));
}

// Structured expand: element mask = its group's mask (groupMask[groupOffset(t) + i / groupLen]); maskOut, w = 0 and
// optimizer state = 0 where the group is pruned, kept count per tensor. Chunk enumeration as the mask pass.
JP_KERNEL void jp_prune_expand(JpPruneRef* __restrict__ tab, int tensors, const unsigned char* __restrict__ groupMask,
                               int flags, unsigned long long* __restrict__ keptPerTensor) {
    __shared__ int shT;
    __shared__ int shc[JP_THREADS / 32];
    const long long c = blockIdx.x;
    JpPruneRef r;
    const long long base = jp_chunk_begin(tab, tensors, c, shT, r);
    // The group of element base + off is g0 + (rest + off) / groupLen: one 64-bit division per thread, then 32-bit
    // ones (groupLen < 2^31 is asserted by the launcher, rest + off < groupLen + JP_PRUNE_CHUNK < 2^32).
    const long long gl = r.groupLen > 0 ? r.groupLen : 1;  // 0 only for a tensor without elements (no chunk reads it)
    const long long g0 = base / gl;
    const unsigned rest = (unsigned)(base - g0 * gl), len = (unsigned)gl;
    int kept = 0;
    for (int k = 0; k < JP_PRUNE_TILES; k++) {
        const unsigned off = (unsigned)k * JP_THREADS + threadIdx.x;
        const long long i = base + off;
        if (i >= r.n) continue;
        kept += jp_apply_keep(r, i, groupMask[r.groupOffset + g0 + (rest + off) / len] != 0, flags) ? 1 : 0;
    }
    jp_add_kept(kept, shc, keptPerTensor, shT);
}
