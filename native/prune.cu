// Fused score + exact top-k mask selection over many tensors, N:M masks, structured group scores, score accumulation.
// Twins: dev.jprune.prune.{GlobalSelector, Selection, NmSparsity, Structured, ScoreAccumulator} — the masks, the
// threshold bits and the tie budget are identical bit for bit (see docs/GPU-PRUNE.md for the passes).
//
// Every chunk kernel runs one block of JP_THREADS threads per chunk of JP_PRUNE_CHUNK consecutive elements of one
// tensor; chunks are enumerated in global order (tensor order, then flat index), which is what makes the tie ranks
// deterministic: per-chunk tie counts, an exclusive scan over chunks in that order, and a block scan inside a chunk.
// Scores are computed on the fly from the table's pointers and never stored. The only atomics are integer ones
// (histogram counts, kept counts, the minimum bad index), whose results do not depend on their order.
#include "prune.cuh"

// The radix keys u = key ^ 0x80000000 of the JP_PRUNE_AHEAD tiles of chunk elements from tile k0 (0 outside the
// tensor; bads: the criterion's input is non-finite), all scored before the caller counts or writes any of them: the
// compiler does not move loads across an atomic or a ballot, so tile by tile a thread would have one pair of loads in
// flight (~8 KB per SM where an H100/H200 wants ~20-25 KB).
__device__ __forceinline__ void jp_group_keys(int crit, const JpPruneRef& r, long long base, int k0, unsigned* keys,
                                              bool* bads) {
#pragma unroll
    for (int j = 0; j < JP_PRUNE_AHEAD; j++) {
        const long long i = base + (long long)(k0 + j) * JP_THREADS + threadIdx.x;
        keys[j] = 0u;
        bads[j] = false;
        if (i < r.n) keys[j] = (unsigned)jp_key(jp_score(crit, r, i, bads[j])) ^ 0x80000000u;
    }
}

// Pass 0 (level 0): hist[u >> 16]++ for every element; pass 1 (level 1): hist[u & 0xffff]++ for the elements with
// u >> 16 == state[BUCKET]; level 2: validate only (threshold mode). u = radix key = key ^ 0x80000000. Every level
// reports non-finite inputs / NaN scores in state[BAD] (levels 1 and 2 read the same elements, so it is idempotent).
// Warp-aggregated atomics (__match_any_sync) keep duplicate-heavy inputs (one bin for 90% zeros) from serialising.
JP_KERNEL void jp_prune_hist(const JpPruneRef* __restrict__ tab, int tensors, int crit, int level,
                             unsigned long long* __restrict__ hist, long long* __restrict__ state) {
    __shared__ int shT;
    if (state[JP_S_V3] != 0 || state[JP_S_BR] != 0) return;  // the shared-histogram or the bracket path took it
    if (level == 1 && state[JP_S_COMPACT] != 0) return;  // the compacting path histograms its candidates instead
    const long long c = blockIdx.x;
    JpPruneRef r;
    const long long base = jp_chunk_begin(tab, tensors, c, shT, r);
    const unsigned bucket = level == 1 ? (unsigned)state[JP_S_BUCKET] : 0u;
    for (int k0 = 0; k0 < JP_PRUNE_TILES; k0 += JP_PRUNE_AHEAD) {
        unsigned keys[JP_PRUNE_AHEAD];
        bool bads[JP_PRUNE_AHEAD];
        jp_group_keys(crit, r, base, k0, keys, bads);
#pragma unroll
        for (int j = 0; j < JP_PRUNE_AHEAD; j++) {
            const long long i = base + (long long)(k0 + j) * JP_THREADS + threadIdx.x;
            bool active = i < r.n;
            unsigned bin = 0;
            if (active) {
                if (bads[j]) jp_report_bad(state, r.globalOffset + i);
                const unsigned u = keys[j];
                if (level == 0) bin = u >> 16;
                else if (level == 1) { active = (u >> 16) == bucket; bin = u & 0xffffu; }
                else active = false;
            }
            // Uniform across the warp: every lane reaches the ballot (the loop bounds do not depend on the lane).
            const unsigned am = __ballot_sync(0xffffffffu, active);
            if (active) {
                const unsigned peers = __match_any_sync(am, bin);
                if ((int)(threadIdx.x & 31) == __ffs(peers) - 1)
                    atomicAdd(hist + bin, (unsigned long long)__popc(peers));
            }
        }
    }
}

// Shared memory of the histogram walk (declared by each find kernel, passed down).
struct JpWalkShared {
    unsigned long long seg[JP_THREADS];  // segment sums
    unsigned long long warp[JP_THREADS / 32];
    long long result[2];                 // crossing position, elements before it
};

// Block-wide inclusive scan of one u64 per thread, in thread order (blockDim.x == JP_THREADS); integer, so exact.
__device__ __forceinline__ unsigned long long jp_block_scan_u64(unsigned long long v, unsigned long long* sh) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int o = 1; o < 32; o <<= 1) {
        const unsigned long long t = __shfl_up_sync(0xffffffffu, v, o);
        if (lane >= o) v += t;
    }
    if (lane == 31) sh[warp] = v;
    __syncthreads();
    unsigned long long before = 0;
    for (int q = 0; q < warp; q++) before += sh[q];
    __syncthreads();
    return v + before;
}

// All JP_THREADS threads: thread p holds v (the count at walking position p); finds the unique p with
// excl(p) < target <= incl(p) (target >= 1), i.e. the first position at which the running count reaches target.
// result[0] = p or -1 (the counts hold fewer than target), result[1] = excl(p) (or the total when -1).
__device__ __forceinline__ void jp_block_cross(unsigned long long v, long long target, JpWalkShared& sh) {
    if (threadIdx.x == 0) { sh.result[0] = -1; }
    const unsigned long long incl = jp_block_scan_u64(v, sh.warp);  // synchronises after the write above
    const long long excl = (long long)(incl - v);
    if (excl < target && target <= (long long)incl) { sh.result[0] = threadIdx.x; sh.result[1] = excl; }
    if (threadIdx.x == JP_THREADS - 1 && (long long)incl < target) sh.result[1] = (long long)incl;
    __syncthreads();
}

// The histogram walk of jp_prune_find (from the top) and jp_prune_find_index (from the bottom), by all JP_THREADS
// threads: the first non-empty bin b in walking order at which passed + hist[b] >= target, where passed (out) counts
// the elements of the bins walked before b; -1 when the histogram holds fewer than target elements. target <= 0
// gives what target 1 gives (the first non-empty bin, passed 0), as a serial walk would. bins = 256 · segLen with
// segLen 8 or a multiple of 32. Two levels of block scans: 256 segment sums (coalesced loads: a warp per segment),
// then the 256 (or 8) bins of the crossing segment. No serial loop over global memory (a walk by one thread costs
// ~800 dependent loads).
__device__ __forceinline__ int jp_hist_walk(const unsigned long long* __restrict__ hist, int bins, long long target,
                                            bool descending, long long& passed, JpWalkShared& sh) {
    const int segLen = bins / JP_THREADS, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (target < 1) target = 1;
    if (segLen >= 32) {
        for (int q = warp; q < JP_THREADS; q += JP_THREADS / 32) {
            unsigned long long s = 0;
            for (int j = lane; j < segLen; j += 32) s += hist[(long long)q * segLen + j];
            for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
            if (lane == 0) sh.seg[q] = s;
        }
    } else {
        unsigned long long s = 0;
        for (int j = 0; j < segLen; j++) s += hist[threadIdx.x * segLen + j];
        sh.seg[threadIdx.x] = s;
    }
    __syncthreads();
    const int p = threadIdx.x;
    jp_block_cross(sh.seg[descending ? JP_THREADS - 1 - p : p], target, sh);
    const long long crossing = sh.result[0], before = sh.result[1];
    __syncthreads();  // result is rewritten below
    if (crossing < 0) { passed = before; return -1; }
    const int q = descending ? JP_THREADS - 1 - (int)crossing : (int)crossing;
    const unsigned long long v = p < segLen ? hist[(long long)q * segLen + (descending ? segLen - 1 - p : p)] : 0ull;
    jp_block_cross(v, target - before, sh);
    const long long j = sh.result[0], inSeg = sh.result[1];
    if (j < 0) { passed = before + inSeg; return -1; }  // not reached: the segment's sum reaches the target
    passed = before + inSeg;
    return q * segLen + (descending ? segLen - 1 - (int)j : (int)j);
}

// Every thread zeroes bins of the histogram for the next pass (after thread 0 has read them); coalesced.
__device__ __forceinline__ void jp_hist_clear(unsigned long long* __restrict__ hist, int bins) {
    __syncthreads();
    for (int j = threadIdx.x; j < bins; j += JP_THREADS) hist[j] = 0ull;
}

// The final fields of a selection (every path): threshold radix key u, counts above and equal, the tie budget, and
// LOW = what the candidate kernels compare their values with (the path's own encoding of the threshold).
__device__ __forceinline__ void jp_set_threshold(long long* state, unsigned u, long long countAbove,
                                                 long long countEqual, long long low) {
    const long long budget = state[JP_S_KEEP] - countAbove;
    state[JP_S_LOW] = low;
    state[JP_S_TKEY] = (long long)(int)(u ^ 0x80000000u);
    state[JP_S_COUNT_ABOVE] = countAbove;
    state[JP_S_COUNT_EQUAL] = countEqual;
    state[JP_S_TIE_BUDGET] = budget;
    state[JP_S_NEED_TIES] = (budget > 0 && budget < countEqual) ? 1 : 0;
}

// One block: finds the digit of the keep-th largest element in a 65536-bin histogram (GlobalSelector's scan: from the
// top, skipping empty bins, the first bin b with above + H[b] >= target), writes it to the state, then zeroes the
// histogram for the next pass (jp_hist_walk from the top). level 0: target = keep; level 1: target = keep - above,
// and the final threshold fields.
// path: -1 always; 0 only on the three-pass path, 1 only on the compacting path (state[COMPACT]), so that both
// paths can be queued and the device picks. Level 0 also decides the path: compact when 0 < H[b] <= state[CAP].
JP_KERNEL void jp_prune_find(unsigned long long* __restrict__ hist, int level, int path,
                             long long* __restrict__ state) {
    __shared__ JpWalkShared sh;
    if (state[JP_S_V3] != 0 || state[JP_S_BR] != 0) return;  // the shared-histogram or the bracket path took it
    if (path >= 0 && state[JP_S_COMPACT] != path) return;  // uniform; the histogram was not filled either
    const long long keep = state[JP_S_KEEP];
    const long long target = level == 0 ? keep : keep - state[JP_S_ABOVE];
    long long above;
    int found = jp_hist_walk(hist, 1 << 16, target, true, above, sh);
    if (threadIdx.x == 0) {
        if (level == 0) {
            state[JP_S_BUCKET] = found < 0 ? 0 : found;
            state[JP_S_ABOVE] = above;
            if (found < 0) state[JP_S_ERROR] = 1;
            const long long bcount = found < 0 ? 0 : (long long)hist[found];
            state[JP_S_BCOUNT] = bcount;
            state[JP_S_COMPACT] = (found >= 0 && bcount > 0 && bcount <= state[JP_S_CAP]) ? 1 : 0;
        } else {
            // Compacting path: the candidates must be exactly the boundary bucket's elements.
            if (path == 1 && state[JP_S_NCAND] != state[JP_S_BCOUNT]) state[JP_S_ERROR] = 1;
            if (found < 0) {
                state[JP_S_ERROR] = 1;
                found = 0;
            }
            jp_set_threshold(state, ((unsigned)state[JP_S_BUCKET] << 16) | (unsigned)found, state[JP_S_ABOVE] + above,
                             (long long)hist[found], found);
        }
    }
    jp_hist_clear(hist, 1 << 16);
}

// Pass 2 (only when state[NEED_TIES]): number of elements with key == T in each chunk.
JP_KERNEL void jp_prune_ties(const JpPruneRef* __restrict__ tab, int tensors, int crit,
                             const long long* __restrict__ state, int* __restrict__ chunkTies) {
    __shared__ int shT;
    __shared__ int shw[JP_THREADS / 32];
    if (state[JP_S_NEED_TIES] == 0 || state[JP_S_BAD] != JP_BAD_NONE || state[JP_S_COMPACT] != 0) return;  // uniform
    const long long c = blockIdx.x;
    JpPruneRef r;
    const long long base = jp_chunk_begin(tab, tensors, c, shT, r);
    const int tk = (int)state[JP_S_TKEY];
    int cnt = 0;
    for (int k = 0; k < JP_PRUNE_TILES; k++) {
        const long long i = base + (long long)k * JP_THREADS + threadIdx.x;
        if (i < r.n) {
            bool bad;
            cnt += jp_key(jp_score(crit, r, i, bad)) == tk ? 1 : 0;
        }
    }
    cnt = jp_block_sum_int(cnt, shw);
    if (threadIdx.x == 0) chunkTies[c] = cnt;
}

// One block: tiesBefore[c] = Σ_{c' < c} chunkTies[c'] (exclusive scan in chunk = global order), in 64 bits.
JP_KERNEL void jp_prune_scan(const int* __restrict__ chunkTies, long long chunks, const long long* __restrict__ state,
                             long long* __restrict__ tiesBefore) {
    __shared__ long long seg[JP_THREADS];
    if (state[JP_S_NEED_TIES] == 0 || state[JP_S_BAD] != JP_BAD_NONE || state[JP_S_COMPACT] != 0) return;
    const long long per = (chunks + JP_THREADS - 1) / JP_THREADS;
    const long long a = min(chunks, per * threadIdx.x), b = min(chunks, a + per);
    long long s = 0;
    for (long long c = a; c < b; c++) s += chunkTies[c];
    seg[threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.x == 0) {
        long long run = 0;
        for (int q = 0; q < JP_THREADS; q++) { const long long v = seg[q]; seg[q] = run; run += v; }
    }
    __syncthreads();
    long long run = seg[threadIdx.x];
    for (long long c = a; c < b; c++) { tiesBefore[c] = run; run += chunkTies[c]; }
}

// The mask pass: keep decision per element (see JP_MODE_*), then in the same launch: maskOut, w = 0 and optimizer
// state = 0 at pruned positions (flags), kept count per tensor (integer atomics into keptPerTensor[t], one per
// block). Does nothing when an input fault was recorded, so a failed selection writes nothing.
// Tie ranks: tile k of the chunk holds elements base + 256k + tid; the rank of a tie is tiesBefore[chunk] + ties in
// earlier tiles + ties at lower lanes of earlier warps + lower lanes of this warp (ballot) — global index order.
JP_KERNEL void jp_prune_mask(JpPruneRef* __restrict__ tab, int tensors, int crit, int mode, int flags,
                             const long long* __restrict__ state, const long long* __restrict__ tiesBefore,
                             unsigned long long* __restrict__ keptPerTensor) {
    __shared__ int shT;
    __shared__ int shw[JP_THREADS / 32];
    __shared__ int shc[JP_THREADS / 32];
    if (state[JP_S_BAD] != JP_BAD_NONE || state[JP_S_ERROR] != 0 || state[JP_S_COMPACT] != 0) return;
    const long long c = blockIdx.x;
    JpPruneRef r;
    const long long base = jp_chunk_begin(tab, tensors, c, shT, r);
    const int tk = (int)state[JP_S_TKEY];
    const bool needTies = mode == JP_MODE_SELECT && state[JP_S_NEED_TIES] != 0;
    const long long budget = state[JP_S_TIE_BUDGET];
    const bool keepTies = mode == JP_MODE_THRESHOLD || budget > 0;  // when tie ranks are not needed
    long long tiesSeen = needTies ? tiesBefore[c] : 0;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int kept = 0;
    for (int k = 0; k < JP_PRUNE_TILES; k++) {
        const long long i = base + (long long)k * JP_THREADS + threadIdx.x;
        const bool in = i < r.n;
        int key = 0;
        if (in) {
            bool bad;
            key = jp_key(jp_score(crit, r, i, bad));
        }
        bool keepIt;
        if (needTies) {
            const bool tie = in && key == tk;
            const unsigned bal = __ballot_sync(0xffffffffu, tie);
            if (lane == 0) shw[warp] = __popc(bal);
            __syncthreads();
            int before = 0, tile = 0;
            for (int q = 0; q < JP_THREADS / 32; q++) { const int v = shw[q]; before += q < warp ? v : 0; tile += v; }
            __syncthreads();  // shw is rewritten by the next tile
            const long long rank = tiesSeen + before + __popc(bal & ((1u << lane) - 1u));
            keepIt = key > tk || (tie && rank < budget);
            tiesSeen += tile;
        } else {
            keepIt = key > tk || (key == tk && keepTies);
        }
        if (in) kept += jp_apply_keep(r, i, keepIt, flags) ? 1 : 0;
    }
    kept = jp_block_sum_int(kept, shc);
    if (threadIdx.x == 0 && kept > 0) atomicAdd(keptPerTensor + shT, (unsigned long long)kept);
}

// ------------------------------------------------------------------------------------------------------------------
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
    for (int k0 = 0; k0 < JP_PRUNE_TILES; k0 += JP_PRUNE_AHEAD) {
        unsigned keys[JP_PRUNE_AHEAD];  // scored before any write of the group
        bool bads[JP_PRUNE_AHEAD];      // (pass 0 reported the faults)
        jp_group_keys(crit, r, base, k0, keys, bads);
#pragma unroll
        for (int j = 0; j < JP_PRUNE_AHEAD; j++) {
            const long long i = base + (long long)(k0 + j) * JP_THREADS + threadIdx.x;
            const bool in = i < r.n;
            const unsigned u = keys[j];
            const bool cand = in && (u >> 16) == bucket;
            // Only elements outside the bucket are written here, candidates are never rescored, and the group was
            // scored before its first write: zeroing w cannot change a score this selection still reads.
            if (in && !cand) kept += jp_apply_keep(r, i, (u >> 16) > bucket, flags) ? 1 : 0;
            const unsigned bal = __ballot_sync(0xffffffffu, cand);  // every lane reaches it (uniform loop bounds)
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
        }
    }
    kept = jp_block_sum_int(kept, shc);
    if (threadIdx.x == 0 && kept > 0) atomicAdd(keptPerTensor + shT, (unsigned long long)kept);
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

// ------------------------------------------------------------------------------------------------------------------
// The shared-histogram path ("v3"; RAFT's radix select takes 11 bits a pass for the same reason). Pass 0 of the
// paths above adds ~1 global atomic per element for continuous scores (65536 bins, few equal bins per warp), which
// can cost more than reading w and g. Here pass 0 histograms the top 11 bits of the radix key in shared memory (2048
// bins, a quarter binade each) and adds one global atomic per non-empty bin per chunk. Pass 1 (jp_prune_split11)
// decides every element outside the boundary 11-bit bucket and appends its elements as (low 21 bits, global index)
// candidates, one atomic per block for their slots; the candidates' middle 16 and low 5 bits are then histogrammed
// (jp_prune_cand_hist11, jp_prune_find11 levels 1 and 2) and the ties and decisions use the compacting path's
// kernels (jp_prune_cand_index_hist, jp_prune_find_index, jp_prune_cand_apply, which compare the candidates' low
// bits with state[LOW]). Same bytes as the compacting path (two reads of w and g). When the boundary bucket exceeds
// the candidate capacity (duplicate-heavy inputs), jp_prune_find11 level 0 leaves state[V3] at 0 and the kernels
// queued after it (the three-pass and compacting paths) select as if this path had not run. Results are the same
// fields on every path: the (threshold, tie budget) pair is unique whatever the digit split.

// Candidate staging of the one-atomic-per-block split passes (jp_prune_split11, jp_prune_bracket_split): every lane of
// the warp calls it; the candidates append (value, offset in the chunk) to shared arrays of JP_PRUNE_CHUNK slots.
__device__ __forceinline__ void jp_stage_candidate(bool cand, int value, int at, int* shVal, unsigned short* shAt,
                                                   unsigned* shN) {
    const unsigned bal = __ballot_sync(0xffffffffu, cand);
    if (bal == 0u) return;
    const int lane = threadIdx.x & 31, leader = __ffs(bal) - 1;
    unsigned p = 0u;
    if (lane == leader) p = atomicAdd(shN, (unsigned)__popc(bal));
    p = __shfl_sync(0xffffffffu, p, leader) + __popc(bal & ((1u << lane) - 1u));
    if (cand) {
        shVal[p] = value;
        shAt[p] = (unsigned short)at;
    }
}

// Then, by the whole block: ONE atomic reserves the chunk's slots in state[NCAND]; the staged candidates are written
// coalesced (those past state[CAP] are counted, not stored). firstIndex = global index of the chunk's element 0.
__device__ __forceinline__ void jp_flush_candidates(const int* shVal, const unsigned short* shAt, const unsigned* shN,
                                                    unsigned long long* shBase, long long* __restrict__ state,
                                                    long long firstIndex, int* __restrict__ candVal,
                                                    long long* __restrict__ candIdx) {
    __syncthreads();
    const unsigned n = *shN;
    if (threadIdx.x == 0)
        *shBase = n == 0u ? 0ull : atomicAdd(reinterpret_cast<unsigned long long*>(state + JP_S_NCAND),
                                             (unsigned long long)n);
    __syncthreads();
    const unsigned long long cap = (unsigned long long)state[JP_S_CAP], slot0 = *shBase;
    for (unsigned j = threadIdx.x; j < n; j += JP_THREADS) {
        if (slot0 + j < cap) {
            candVal[slot0 + j] = shVal[j];
            candIdx[slot0 + j] = firstIndex + shAt[j];
        }
    }
}

// v3 pass 0: hist[u >> 21]++ for every element (shared per chunk, then one global atomic per non-empty bin); faults
// as jp_prune_hist.
JP_KERNEL void jp_prune_hist11(const JpPruneRef* __restrict__ tab, int tensors, int crit,
                               unsigned long long* __restrict__ hist, long long* __restrict__ state) {
    __shared__ int shT;
    __shared__ unsigned sh[JP_BINS11];
    if (state[JP_S_BR] != 0) return;  // the bracket path took this selection
    for (int b = threadIdx.x; b < JP_BINS11; b += JP_THREADS) sh[b] = 0u;
    const long long c = blockIdx.x;
    JpPruneRef r;
    const long long base = jp_chunk_begin(tab, tensors, c, shT, r);  // synchronises: sh is zero from here on
    // The two bins where duplicates pile up in practice: exact zeros (g = 0 at dead units; +0 and tiny values) and
    // -Inf (everything an earlier prune removed: half the elements after a 50% prune). Their lanes are counted with a
    // ballot, because same-address shared atomics in a warp serialise; other bins take one shared atomic a lane.
    const unsigned binZero = 0x80000000u >> 21, binNegInf = 0x007fffffu >> 21;
    for (int k0 = 0; k0 < JP_PRUNE_TILES; k0 += JP_PRUNE_AHEAD) {
        unsigned keys[JP_PRUNE_AHEAD];
        bool bads[JP_PRUNE_AHEAD];
        jp_group_keys(crit, r, base, k0, keys, bads);
#pragma unroll
        for (int j = 0; j < JP_PRUNE_AHEAD; j++) {
            const bool in = base + (long long)(k0 + j) * JP_THREADS + threadIdx.x < r.n;
            const unsigned bin = in ? keys[j] >> 21 : JP_BINS11;  // JP_BINS11: none
            if (bads[j]) jp_report_bad(state, r.globalOffset + base + (long long)(k0 + j) * JP_THREADS + threadIdx.x);
            // Uniform across the warp: every lane reaches the ballots (the loop bounds do not depend on the lane).
            const unsigned zeros = __ballot_sync(0xffffffffu, bin == binZero),
                           negInf = __ballot_sync(0xffffffffu, bin == binNegInf);
            if ((threadIdx.x & 31) == 0) {
                if (zeros != 0u) atomicAdd(sh + binZero, (unsigned)__popc(zeros));
                if (negInf != 0u) atomicAdd(sh + binNegInf, (unsigned)__popc(negInf));
            }
            if (bin < JP_BINS11 && bin != binZero && bin != binNegInf) atomicAdd(sh + bin, 1u);
        }
    }
    __syncthreads();
    for (int b = threadIdx.x; b < JP_BINS11; b += JP_THREADS) {
        const unsigned v = sh[b];
        if (v != 0u) atomicAdd(hist + b, (unsigned long long)v);
    }
}

// One block. level 0 (2048 bins, target keep): the boundary 11-bit bucket; the path is taken when it holds at most
// state[CAP] elements (state[V3] = 1; COMPACT = 1 too, for the shared tie kernels) or when a fault was recorded (so
// that no other path reads the data again: every later kernel returns on the fault). level 1 (middle 16 bits of the
// candidates, target keep - above), level 2 (low 5 bits of the candidates with that middle digit): the threshold
// fields, as jp_prune_find level 1. Zeroes the bins it used.
JP_KERNEL void jp_prune_find11(unsigned long long* __restrict__ hist, int level, long long* __restrict__ state) {
    __shared__ JpWalkShared sh;
    if (state[JP_S_BR] != 0) return;  // the bracket path took this selection
    const bool bad = state[JP_S_BAD] != JP_BAD_NONE;
    if (level > 0 && (state[JP_S_V3] == 0 || bad || state[JP_S_ERROR] != 0)) return;
    const int bins = level == 0 ? JP_BINS11 : 1 << 16;
    const long long keep = state[JP_S_KEEP];
    const long long target = level == 0 ? keep : keep - (level == 1 ? state[JP_S_ABOVE] : state[JP_S_V3_ABOVE]);
    long long above;
    int found = jp_hist_walk(hist, bins, target, true, above, sh);
    if (threadIdx.x == 0) {
        if (level == 0) {
            const long long bcount = found < 0 ? 0 : (long long)hist[found];
            const bool take = found >= 0 && bcount > 0 && bcount <= state[JP_S_CAP];
            state[JP_S_V3] = (bad || take) ? 1 : 0;
            if (take && !bad) {
                state[JP_S_BUCKET] = found;
                state[JP_S_ABOVE] = above;
                state[JP_S_BCOUNT] = bcount;
                state[JP_S_COMPACT] = 1;
            }
        } else if (level == 1) {
            if (state[JP_S_NCAND] != state[JP_S_BCOUNT]) state[JP_S_ERROR] = 1;  // the scores changed between passes
            if (found < 0) {
                state[JP_S_ERROR] = 1;
                found = 0;
            }
            state[JP_S_V3_MID] = found;
            state[JP_S_V3_ABOVE] = state[JP_S_ABOVE] + above;
        } else {
            if (found < 0) {
                state[JP_S_ERROR] = 1;
                found = 0;
            }
            const unsigned u = ((unsigned)state[JP_S_BUCKET] << 21) | ((unsigned)state[JP_S_V3_MID] << 5)
                               | (unsigned)found;
            jp_set_threshold(state, u, state[JP_S_V3_ABOVE] + above, (long long)hist[found], u & 0x1fffffu);
        }
    }
    jp_hist_clear(hist, bins);
}

// v3 pass 1: rescore; top digit above the bucket: keep, below: prune (mask, w, optimizer state written now); in it:
// a candidate (low 21 bits, global index), staged in shared memory so that the block reserves its slots with ONE
// global atomic and writes them coalesced: with a quarter binade a bucket, the boundary holds a few percent of the
// elements, and one counter bumped per warp and tile would serialise. (Keeping the chunk's keys in registers instead
// needs 82 registers: 3 blocks per SM.)
JP_KERNEL void jp_prune_split11(JpPruneRef* __restrict__ tab, int tensors, int crit, int flags,
                                long long* __restrict__ state, int* __restrict__ candLow,
                                long long* __restrict__ candIdx, unsigned long long* __restrict__ keptPerTensor) {
    __shared__ int shT;
    __shared__ int shc[JP_THREADS / 32];
    __shared__ int shLow[JP_PRUNE_CHUNK];
    __shared__ unsigned short shAt[JP_PRUNE_CHUNK];  // offset in the chunk
    __shared__ unsigned shN;
    __shared__ unsigned long long shBase;
    if (state[JP_S_V3] == 0 || state[JP_S_BR] != 0 || state[JP_S_BAD] != JP_BAD_NONE || state[JP_S_ERROR] != 0) return;
    if (threadIdx.x == 0) shN = 0u;
    const long long c = blockIdx.x;
    JpPruneRef r;
    const long long base = jp_chunk_begin(tab, tensors, c, shT, r);  // synchronises: shN is 0 from here on
    const unsigned bucket = (unsigned)state[JP_S_BUCKET];
    int kept = 0;
    for (int k0 = 0; k0 < JP_PRUNE_TILES; k0 += JP_PRUNE_AHEAD) {
        unsigned keys[JP_PRUNE_AHEAD];  // scored before any write of the group
        bool bads[JP_PRUNE_AHEAD];      // (pass 0 reported the faults)
        jp_group_keys(crit, r, base, k0, keys, bads);
#pragma unroll
        for (int j = 0; j < JP_PRUNE_AHEAD; j++) {
            const int at = (k0 + j) * JP_THREADS + threadIdx.x;
            const long long i = base + at;
            const bool in = i < r.n;
            const unsigned u = keys[j];
            const bool cand = in && (u >> 21) == bucket;
            // Candidates are never rescored, and every element of the group was scored above before any write: zeroing
            // w here cannot change a score this selection still reads.
            if (in && !cand) kept += jp_apply_keep(r, i, (u >> 21) > bucket, flags) ? 1 : 0;
            jp_stage_candidate(cand, (int)(u & 0x1fffffu), at, shLow, shAt, &shN);  // every lane (uniform loop bounds)
        }
    }
    // NCAND > CAP only if the scores changed since pass 0: find11 level 1 then reports it (NCAND != BCOUNT).
    jp_flush_candidates(shLow, shAt, &shN, &shBase, state, r.globalOffset + base, candLow, candIdx);
    kept = jp_block_sum_int(kept, shc);
    if (threadIdx.x == 0 && kept > 0) atomicAdd(keptPerTensor + shT, (unsigned long long)kept);
}

// The candidates' middle digit (level 0: hist[low >> 5]) or, for those with the middle digit found, the low digit
// (level 1: hist[low & 31]). Grid-stride over state[NCAND].
JP_KERNEL void jp_prune_cand_hist11(const int* __restrict__ candLow, int level, const long long* __restrict__ state,
                                    unsigned long long* __restrict__ hist) {
    if (state[JP_S_V3] == 0 || state[JP_S_BR] != 0 || state[JP_S_BAD] != JP_BAD_NONE || state[JP_S_ERROR] != 0) return;
    const long long n = min(state[JP_S_NCAND], state[JP_S_CAP]);
    const int mid = (int)state[JP_S_V3_MID];
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        const int low = candLow[i];
        if (level == 0) atomicAdd(hist + (low >> 5), 1ull);
        else if ((low >> 5) == mid) atomicAdd(hist + (low & 31), 1ull);
    }
}

// ------------------------------------------------------------------------------------------------------------------
// The sample-bracket path (pipeline selections with fresh output masks; GpuPruneOps.setBracketing). Both paths above
// read w and g twice (20.6 bytes an element for TAYLOR at 90% against a 12.6-byte floor). Here a fixed 1/64 sample
// (JP_SAMPLE_LEN elements of every chunk) is histogrammed, and the 16-bit bins at the sample ranks keep·S/N ± (6σ +
// 64) bracket the threshold; then ONE pass reads w and g and writes the mask of every element above (1) or below (0)
// the bracket, compacts the elements inside it as candidates (signed key, global index) and counts those above. The
// counts prove the bracket exactly (above < keep <= above + candidates <= capacity); the candidates are then resolved
// as on the compacting paths (16 + 16 bits, ties by index, jp_prune_cand_apply writes their mask, w and state), and a
// last pass zeroes w and the optimizer state where the mask is 0 (1 byte read). ~13.7 bytes an element. When the
// bracket misses (a biased sample, or too many candidates) jp_prune_bracket_check hands the selection to the paths
// queued after it, which rewrite every mask. The price: the masks are written before the last input is checked, so
// after a fault maskOut holds partial output (w, g, the states and maskIn are untouched), hence only for callers
// whose maskOut is scratch until the call succeeds (GpuBackend's fresh masks). Results are exact and deterministic
// (the sample is a fixed set of positions).

// Histogram (16-bit bins) of the sampled elements: JP_THREADS / JP_SAMPLE_LEN chunks per block, one element a thread.
JP_KERNEL void jp_prune_sample_hist(const JpPruneRef* __restrict__ tab, int tensors, long long chunks, int crit,
                                    unsigned long long* __restrict__ hist, long long* __restrict__ state) {
    if (state[JP_S_BR] == 0) return;
    const long long c = (long long)blockIdx.x * (JP_THREADS / JP_SAMPLE_LEN) + threadIdx.x / JP_SAMPLE_LEN;
    bool active = false;
    unsigned bin = 0;
    if (c < chunks) {
        const int t = jp_find_chunk_tensor(tab, tensors, c);
        const JpPruneRef r = tab[t];
        const long long i = (c - (r.chunkStart - tab[0].chunkStart)) * JP_PRUNE_CHUNK
                            + (c % JP_SAMPLE_SLOTS) * JP_SAMPLE_LEN + threadIdx.x % JP_SAMPLE_LEN;
        if (i < r.n) {
            bool bad;
            const float sc = jp_score(crit, r, i, bad);
            active = !bad && !jp_nan(sc);  // faults are reported by the bracket pass, which reads every element
            bin = ((unsigned)jp_key(active ? sc : 0.f) ^ 0x80000000u) >> 16;
        }
    }
    const unsigned am = __ballot_sync(0xffffffffu, active);  // every lane reaches it (no early return above)
    if (active) {
        const unsigned peers = __match_any_sync(am, bin);
        if ((int)(threadIdx.x & 31) == __ffs(peers) - 1) atomicAdd(hist + bin, (unsigned long long)__popc(peers));
    }
}

// One block: the bracket [lo, hi] of 16-bit bins from the sample histogram (sampled = its element count, total = N).
// Ranks are counted from the top: hi is the bin of the max(1, ⌊ks - m⌋)-th largest sample (65535 when ks - m < 1),
// lo the bin of the ⌈ks + m⌉-th (0 when past the sample), ks = keep·S/N, m = 6·sqrt(ks·(1 - ks/S)) + 64.
JP_KERNEL void jp_prune_find_bracket(unsigned long long* __restrict__ hist, long long sampled, long long total,
                                     long long* __restrict__ state) {
    __shared__ JpWalkShared sh;
    if (state[JP_S_BR] == 0) return;
    const double ks = (double)state[JP_S_KEEP] * (double)sampled / (double)total;
    const double m = 6.0 * sqrt(fmax(0.0, ks * (1.0 - ks / (double)fmax(1.0, (double)sampled)))) + 64.0;
    const long long rHi = (long long)floor(ks - m), rLo = (long long)ceil(ks + m);
    long long passed;
    const int hiBin = rHi < 1 ? -2 : jp_hist_walk(hist, 1 << 16, rHi, true, passed, sh);
    __syncthreads();  // the second walk rewrites sh while slower threads may still read the first one's result
    const int loBin = rLo > sampled ? -2 : jp_hist_walk(hist, 1 << 16, rLo, true, passed, sh);
    if (threadIdx.x == 0) {
        state[JP_S_BR_HI] = hiBin < 0 ? 65535 : hiBin;
        state[JP_S_BR_LO] = loBin < 0 ? 0 : loBin;
    }
    jp_hist_clear(hist, 1 << 16);
}

// The one full pass: scores every element (faults into state[BAD]); above the bracket: mask 1 (0 where a sticky
// row's maskIn pruned it), below: mask 0 — masks only, w and the states are zeroed later, after the fault check;
// inside: a candidate (signed key, global index), staged in shared memory as in jp_prune_split11.
JP_KERNEL void jp_prune_bracket_split(JpPruneRef* __restrict__ tab, int tensors, int crit,
                                      long long* __restrict__ state, int* __restrict__ candKey,
                                      long long* __restrict__ candIdx, unsigned long long* __restrict__ keptPerTensor) {
    __shared__ int shT;
    __shared__ int shc[JP_THREADS / 32];
    __shared__ int shKey[JP_PRUNE_CHUNK];
    __shared__ unsigned short shAt[JP_PRUNE_CHUNK];
    __shared__ unsigned shN;
    __shared__ unsigned long long shBase;
    if (state[JP_S_BR] == 0) return;
    if (threadIdx.x == 0) shN = 0u;
    const long long c = blockIdx.x;
    JpPruneRef r;
    const long long base = jp_chunk_begin(tab, tensors, c, shT, r);  // synchronises: shN is 0 from here on
    const unsigned lo = (unsigned)state[JP_S_BR_LO], hi = (unsigned)state[JP_S_BR_HI];
    int kept = 0, above = 0;
    for (int k0 = 0; k0 < JP_PRUNE_TILES; k0 += JP_PRUNE_AHEAD) {
        unsigned keys[JP_PRUNE_AHEAD];
        bool bads[JP_PRUNE_AHEAD];
        jp_group_keys(crit, r, base, k0, keys, bads);
#pragma unroll
        for (int j = 0; j < JP_PRUNE_AHEAD; j++) {
            const int at = (k0 + j) * JP_THREADS + threadIdx.x;
            const long long i = base + at;
            const bool in = i < r.n;
            const unsigned u = keys[j], h = u >> 16;
            if (in && bads[j]) jp_report_bad(state, r.globalOffset + i);
            const bool cand = in && h >= lo && h <= hi;
            if (in && !cand) {
                above += h > hi ? 1 : 0;
                kept += jp_apply_keep(r, i, h > hi, 0) ? 1 : 0;  // mask only
            }
            // every lane (uniform loop bounds)
            jp_stage_candidate(cand, (int)(u ^ 0x80000000u), at, shKey, shAt, &shN);
        }
    }
    jp_flush_candidates(shKey, shAt, &shN, &shBase, state, r.globalOffset + base, candKey, candIdx);
    kept = jp_block_sum_int(kept, shc);
    if (threadIdx.x == 0 && kept > 0) atomicAdd(keptPerTensor + shT, (unsigned long long)kept);
    above = jp_block_sum_int(above, shc);
    if (threadIdx.x == 0 && above > 0) atomicAdd(reinterpret_cast<unsigned long long*>(state + JP_S_BR_ABOVE),
                                                 (unsigned long long)above);
}

// One thread: does the bracket hold the threshold? Yes (and no fault): COMPACT = 1 for the shared candidate kernels.
// A fault: the path keeps the selection (every later kernel returns on it; the host throws). A miss: BR = 0, the
// candidate and kept counts are reset, and the paths queued after this kernel select from scratch (they rewrite
// every mask; w and the states were not touched).
JP_KERNEL void jp_prune_bracket_check(long long* __restrict__ state, unsigned long long* __restrict__ keptPerTensor,
                                      int tensors) {
    if (state[JP_S_BR] == 0 || threadIdx.x != 0 || blockIdx.x != 0) return;
    if (state[JP_S_BAD] != JP_BAD_NONE) return;
    const long long keep = state[JP_S_KEEP], above = state[JP_S_BR_ABOVE], ncand = state[JP_S_NCAND];
    if (above < keep && keep <= above + ncand && ncand <= state[JP_S_CAP]) {
        state[JP_S_COMPACT] = 1;
        state[JP_S_BCOUNT] = ncand;
        return;
    }
    state[JP_S_BR] = 0;
    state[JP_S_NCAND] = 0;
    for (int t = 0; t < tensors; t++) keptPerTensor[t] = 0ull;
}

// The candidates' high 16 bits of the radix key (level 0) or, for those with the digit found, the low 16 (level 1).
JP_KERNEL void jp_prune_cand_hist_br(const int* __restrict__ candKey, int level, const long long* __restrict__ state,
                                     unsigned long long* __restrict__ hist) {
    if (state[JP_S_BR] == 0 || state[JP_S_BAD] != JP_BAD_NONE || state[JP_S_ERROR] != 0) return;
    const long long n = state[JP_S_NCAND];
    const unsigned mid = (unsigned)state[JP_S_V3_MID];
    for (long long i = jp_tid(); i < n; i += jp_stride()) {
        const unsigned u = (unsigned)candKey[i] ^ 0x80000000u;
        if (level == 0) atomicAdd(hist + (u >> 16), 1ull);
        else if ((u >> 16) == mid) atomicAdd(hist + (u & 0xffffu), 1ull);
    }
}

// One block: level 0, the high digit of the threshold among the candidates (target keep - above); level 1, the low
// digit and the threshold fields, as jp_prune_find level 1 (state[LOW] = the threshold's signed key, which is what
// the candidates hold).
JP_KERNEL void jp_prune_find_br(unsigned long long* __restrict__ hist, int level, long long* __restrict__ state) {
    __shared__ JpWalkShared sh;
    if (state[JP_S_BR] == 0 || state[JP_S_BAD] != JP_BAD_NONE || state[JP_S_ERROR] != 0) return;
    const long long keep = state[JP_S_KEEP];
    const long long target = keep - (level == 0 ? state[JP_S_BR_ABOVE] : state[JP_S_V3_ABOVE]);
    long long above;
    int found = jp_hist_walk(hist, 1 << 16, target, true, above, sh);
    if (threadIdx.x == 0) {
        if (found < 0) {
            state[JP_S_ERROR] = 1;
            found = 0;
        }
        if (level == 0) {
            state[JP_S_V3_MID] = found;
            state[JP_S_V3_ABOVE] = state[JP_S_BR_ABOVE] + above;
        } else {
            const unsigned u = ((unsigned)state[JP_S_V3_MID] << 16) | (unsigned)found;
            jp_set_threshold(state, u, state[JP_S_V3_ABOVE] + above, (long long)hist[found],
                             (long long)(int)(u ^ 0x80000000u));
        }
    }
    jp_hist_clear(hist, 1 << 16);
}

// Last: w = 0 and the optimizer states = 0 wherever the mask is 0 (flags), after every input was checked.
JP_KERNEL void jp_prune_bracket_zero(JpPruneRef* __restrict__ tab, int tensors, int flags,
                                     const long long* __restrict__ state) {
    __shared__ int shT;
    if (state[JP_S_BR] == 0 || state[JP_S_BAD] != JP_BAD_NONE || state[JP_S_ERROR] != 0 || flags == 0) return;
    const long long c = blockIdx.x;
    JpPruneRef r;
    const long long base = jp_chunk_begin(tab, tensors, c, shT, r);
    for (int k = 0; k < JP_PRUNE_TILES; k++) {
        const long long i = base + (long long)k * JP_THREADS + threadIdx.x;
        if (i >= r.n || r.maskOut[i] != 0) continue;
        if ((flags & JP_FLAG_ZERO_W) && r.w != nullptr) r.w[i] = 0.f;
        if (flags & JP_FLAG_ZERO_OPT) {
            if (r.opt0 != nullptr) r.opt0[i] = 0.f;
            if (r.opt1 != nullptr) r.opt1[i] = 0.f;
            if (r.opt2 != nullptr) r.opt2[i] = 0.f;
        }
    }
}

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
    kept = jp_block_sum_int(kept, shc);
    if (threadIdx.x == 0 && kept > 0) atomicAdd(keptPerTensor + shT, (unsigned long long)kept);
}

// ScoreAccumulator.accumulate on every tensor of the table: x = criterion score of (w, g) (no mask), then
// SUM: s = s + x; EMA: s = m·s + c·x with c = 1 - m rounded once by the host, products rounded before the add.
// phase 0 validates only (so a fault leaves every buffer unchanged, as on the CPU); phase 1 writes row.s.
JP_KERNEL void jp_prune_accumulate(JpPruneRef* __restrict__ tab, int tensors, int crit, int ema, float m, float c1m,
                                   int phase, long long* __restrict__ state) {
    __shared__ int shT;
    if (phase == 1 && state[JP_S_BAD] != JP_BAD_NONE) return;
    const long long c = blockIdx.x;
    JpPruneRef r;
    const long long base = jp_chunk_begin(tab, tensors, c, shT, r);
    r.maskIn = nullptr;  // the statistic of a batch ignores masks (CriterionScoreSource)
    for (int k = 0; k < JP_PRUNE_TILES; k++) {
        const long long i = base + (long long)k * JP_THREADS + threadIdx.x;
        if (i >= r.n) continue;
        bool bad;
        const float x = jp_score(crit, r, i, bad);
        if (phase == 0) {
            if (bad) jp_report_bad(state, r.globalOffset + i);
            continue;
        }
        const float s = r.s[i];
        r.s[i] = ema ? __fadd_rn(__fmul_rn(m, s), __fmul_rn(c1m, x)) : __fadd_rn(s, x);
    }
}
