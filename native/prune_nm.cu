// N:M sparsity on one tensor: every group of m consecutive elements of a row keeps its n highest scores, ties to the
// lower index. Twin: dev.jprune.prune.NmSparsity.
#include "prune.cuh"

// N:M on one tensor viewed as [rows, rowLength]: one thread per group of m consecutive elements of a row (the last
// group of a row has r = rowLength mod m). Element j is kept iff rank(j) < min(n, r), rank = #{i: key_i > key_j or
// (key_i == key_j and i < j)} (NmSparsity). O(r²) score evaluations per group, recomputed (no per-thread arrays,
// which would live in local memory). phase 0 validates only; phase 1 writes (unless a fault was recorded); phase 2
// zeroes w where maskOut == 0. Why phase 2: phase 1 decides element j after it has written the elements before it,
// so zeroing w there would change the scores the later ranks of the same group read (MOVEMENT: −w·g < 0 becomes 0
// and overtakes a kept element). The host therefore runs phase 1 without JP_FLAG_ZERO_W when the criterion reads w.
// groups = rows * ceil(rowLength / m), from the host. Index arithmetic: the tensor may pass 2^31 elements and groups,
// a row may not (rowLength < 2^31, asserted by the launcher with at most 8192 blocks): a thread splits its first group
// index into (row, group in row) with 32-bit divisions once, then steps both by the grid stride, dividing nothing.
JP_KERNEL void jp_prune_nm(JpPruneRef* __restrict__ row, int crit, long long rowLength, long long groups, int n, int m,
                           int phase, int flags, long long* __restrict__ state, unsigned long long* __restrict__ kept) {
    __shared__ int shc[JP_THREADS / 32];
    const JpPruneRef r = row[0];
    const unsigned gpr = ((unsigned)rowLength + (unsigned)m - 1u) / (unsigned)m;  // groups per row
    if (phase != 0 && state[JP_S_BAD] != JP_BAD_NONE) return;
    int cnt = 0;
    const unsigned first = jp_tid32(), step = jp_stride32();
    long long rowIdx = first / gpr;
    unsigned inRow = first - (unsigned)rowIdx * gpr;
    const unsigned dRow = step / gpr, dIn = step - dRow * gpr;
    for (long long gid = first; gid < groups; gid += step) {
        const long long g0 = (long long)inRow * m;
        const int len = (int)min((long long)m, rowLength - g0);
        const long long base = rowIdx * rowLength + g0;
        const int quota = min(n, len);
        bool bad;
        if (phase == 0) {
            for (int j = 0; j < len; j++) {
                jp_score(crit, r, base + j, bad);
                if (bad) { jp_report_bad(state, r.globalOffset + base + j); break; }
            }
        } else if (phase == 2) {
            for (int j = 0; j < len; j++) if (r.maskOut[base + j] == 0) r.w[base + j] = 0.f;
        } else {
            for (int j = 0; j < len; j++) {
                const int kj = jp_key(jp_score(crit, r, base + j, bad));
                int rank = 0;
                for (int i = 0; i < len; i++) {
                    const int ki = jp_key(jp_score(crit, r, base + i, bad));
                    rank += (ki > kj || (ki == kj && i < j)) ? 1 : 0;
                }
                cnt += jp_apply_keep(r, base + j, rank < quota, flags) ? 1 : 0;
            }
        }
        inRow += dIn;  // (row, group in row) of gid + step: inRow + dIn < 2 gpr < 2^32
        rowIdx += dRow;
        if (inRow >= gpr) { inRow -= gpr; rowIdx++; }
    }
    cnt = jp_block_sum_int(cnt, shc);
    if (phase == 1 && threadIdx.x == 0 && cnt > 0) atomicAdd(kept, (unsigned long long)cnt);
}
