// The compacting selection path: one pass decides every element outside the boundary 16-bit bucket and appends the
// bucket's elements as candidates; the candidates then give the threshold and, when ties must be ranked, the
// tieBudget-th smallest tie index. The tie and apply kernels here serve every compacting path (prune_hist11.cu,
// prune_bracket.cu). Twins: dev.jprune.prune.{GlobalSelector, Selection} (same fields as the three-pass path).
#include "prune_radix.cuh"

// The compacting path: pass 0 (jp_prune_hist level 0) is shared; when its boundary bucket b holds at most CAP elements,
// pass 1 (jp_prune_split) scores every element once more and decides all of them outside b on the spot (high digit
// above b: keep, below: prune, mask / w / optimizer state written), appending the elements of b as (low digit, global
// index) candidates; everything after that reads only the candidates: their low-digit histogram gives the exact
// threshold (jp_prune_find level 1: the same histogram the three-pass path builds over the full data, so the same
// fields), and, when ties must be ranked, a 3-level radix select over the ties' global indices finds the tieBudget-th
// smallest one (ties with a lower or equal index are kept: ties go to the lower global index, as everywhere). Two
// reads of w and g instead of three. Candidates are appended in any order (warp-aggregated atomics): every decision
// on them is a function of the candidate SET, so the result is deterministic. Duplicate-heavy inputs (one bucket
// holding, say, the 90% exact zeros) exceed CAP and take the three-pass path, decided on the device.

JP_KERNEL void jp_prune_split(JpPruneRef* __restrict__ tab, int tensors, int crit, int flags,
                              long long* __restrict__ state, int* __restrict__ candLow, long long* __restrict__ candIdx,
                              unsigned long long* __restrict__ keptPerTensor) {
    __shared__ int shT;
    __shared__ int shc[JP_THREADS / 32];
    if (state[JP_S_COMPACT] == 0 || state[JP_S_V3] != 0 || state[JP_S_BR] != 0 || state[JP_S_BAD] != JP_BAD_NONE
        || state[JP_S_ERROR] != 0) return;
    const long long c = blockIdx.x;
    JpPruneRef r;
    const long long base = jp_chunk_begin(tab, tensors, c, shT, r);
    const unsigned bucket = (unsigned)state[JP_S_BUCKET];
    unsigned long long* ncand = reinterpret_cast<unsigned long long*>(state + JP_S_NCAND);
    const int lane = threadIdx.x & 31;
    int kept = 0;
    // Faults were reported by pass 0; every element of a group is scored before the group's first write.
    jp_chunk_keys(crit, r, base, [&](int, long long i, bool in, unsigned u, bool) {
        const bool cand = in && (u >> 16) == bucket;
        // Only elements outside the bucket are written here, candidates are never rescored, and the group was
        // scored before its first write: zeroing w cannot change a score this selection still reads.
        if (in && !cand) kept += jp_apply_keep(r, i, (u >> 16) > bucket, flags) ? 1 : 0;
        const unsigned bal = __ballot_sync(0xffffffffu, cand);  // every lane reaches it (jp_chunk_keys)
        if (bal != 0u) {
            const int leader = __ffs(bal) - 1;
            unsigned long long slot = 0;
            if (lane == leader) slot = atomicAdd(ncand, (unsigned long long)__popc(bal));
            slot = __shfl_sync(0xffffffffu, slot, leader);
            slot += __popc(bal & ((1u << lane) - 1u));
            // NCAND > CAP only if the scores changed since pass 0: find level 1 then reports it (NCAND != BCOUNT).
            if (cand && slot < (unsigned long long)state[JP_S_CAP]) {
                candLow[slot] = (int)(u & 0xffffu);
                candIdx[slot] = r.globalOffset + i;
            }
        }
    });
    jp_add_kept(kept, shc, keptPerTensor, shT);
}

// Low-digit histogram of the candidates (then jp_prune_find level 1, path 1). Grid-stride over state[NCAND].
JP_KERNEL void jp_prune_cand_hist(const int* __restrict__ candLow, const long long* __restrict__ state,
                                  unsigned long long* __restrict__ hist) {
    if (state[JP_S_COMPACT] == 0 || state[JP_S_V3] != 0 || state[JP_S_BR] != 0 || state[JP_S_BAD] != JP_BAD_NONE
        || state[JP_S_ERROR] != 0) return;
    const long long n = min(state[JP_S_NCAND], state[JP_S_CAP]);
    for (long long i = jp_tid(); i < n; i += jp_stride()) atomicAdd(hist + candLow[i], 1ull);
}

// Tie resolution, level 0..2 (only when ties must be ranked): histogram of bits [47 - 16·level, 32 - 16·level] of the
// global indices of the ties (candidates whose low digit is the threshold's) that share the prefix found so far.
JP_KERNEL void jp_prune_cand_index_hist(const int* __restrict__ candLow, const long long* __restrict__ candIdx,
                                        int level, const long long* __restrict__ state,
                                        unsigned long long* __restrict__ hist) {
    if (state[JP_S_COMPACT] == 0 || state[JP_S_NEED_TIES] == 0 || state[JP_S_BAD] != JP_BAD_NONE
        || state[JP_S_ERROR] != 0) return;
    const long long n = state[JP_S_NCAND];
    const int low = (int)state[JP_S_LOW];
    const int shift = 32 - 16 * level;
    const long long prefix = state[JP_S_IDXT];
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        if (candLow[i] != low) continue;
        const long long g = candIdx[i];
        if (level > 0 && (g >> (shift + 16)) != prefix) continue;
        atomicAdd(hist + ((g >> shift) & 0xffff), 1ull);
    }
}

// One block: the digit of the ITARGET-th smallest tie index (level 0: target = tieBudget), scanning the bins upward
// (jp_hist_walk from the bottom); appends it to the prefix in state[IDXT]; zeroes the histogram.
JP_KERNEL void jp_prune_find_index(unsigned long long* __restrict__ hist, int level, long long* __restrict__ state) {
    __shared__ JpWalkShared sh;
    if (state[JP_S_COMPACT] == 0 || state[JP_S_NEED_TIES] == 0 || state[JP_S_BAD] != JP_BAD_NONE
        || state[JP_S_ERROR] != 0) return;
    const long long target = level == 0 ? state[JP_S_TIE_BUDGET] : state[JP_S_ITARGET];
    long long below;
    int found = jp_hist_walk(hist, 1 << 16, target, false, below, sh);
    if (threadIdx.x == 0) {
        if (found < 0) {
            state[JP_S_ERROR] = 1;
            found = 0;
        }
        state[JP_S_IDXT] = ((level == 0 ? 0LL : state[JP_S_IDXT]) << 16) | found;
        state[JP_S_ITARGET] = target - below;
    }
    jp_hist_clear(hist, 1 << 16);
}

// The candidates' decisions: keep = low > threshold's low || (low == it && (ties ranked ? index <= IDXT : budget > 0));
// writes mask / w / optimizer state at the candidate's tensor (binary search of the global index over the table) and
// counts kept elements per tensor. Grid-stride over state[NCAND].
JP_KERNEL void jp_prune_cand_apply(JpPruneRef* __restrict__ tab, int tensors, const int* __restrict__ candLow,
                                   const long long* __restrict__ candIdx, int flags,
                                   const long long* __restrict__ state,
                                   unsigned long long* __restrict__ keptPerTensor) {
    if (state[JP_S_COMPACT] == 0 || state[JP_S_BAD] != JP_BAD_NONE || state[JP_S_ERROR] != 0) return;
    const long long n = state[JP_S_NCAND];
    const int low = (int)state[JP_S_LOW];
    const bool needTies = state[JP_S_NEED_TIES] != 0;
    const bool keepTies = state[JP_S_TIE_BUDGET] > 0;
    const long long idxT = state[JP_S_IDXT];
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        const int k = candLow[i];
        const long long g = candIdx[i];
        const bool keepIt = k > low || (k == low && (needTies ? g <= idxT : keepTies));
        int lo = 0, hi = tensors - 1;  // the largest t with globalOffset(t) <= g (empty tensors share the next offset)
        while (lo < hi) {
            const int mid = (lo + hi + 1) >> 1;
            if (tab[mid].globalOffset <= g) lo = mid; else hi = mid - 1;
        }
        const JpPruneRef r = tab[lo];
        if (jp_apply_keep(r, g - r.globalOffset, keepIt, flags)) atomicAdd(keptPerTensor + lo, 1ull);
    }
}
