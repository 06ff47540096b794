// Device helpers of the radix-select pruning paths (prune_select.cu, prune_compact.cu, prune_hist11.cu,
// prune_bracket.cu): the grouped key loads of the chunk kernels, the one-block histogram walk, the threshold fields
// every path writes, and the candidate staging of the one-atomic-per-block split passes.
#pragma once
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

// The elements of the chunk from flat index base of row r in order, JP_PRUNE_AHEAD tiles at a time (each group's keys
// loaded by jp_group_keys before body sees any of them): body(at, i, in, u, bad) with at = offset in the chunk,
// i = base + at, in = i < r.n, u = the radix key (0 outside the tensor), bad = the criterion's input is non-finite.
// Every lane calls body for every slot (the loop bounds do not depend on the lane), so body may use warp collectives.
template <typename Body>
__device__ __forceinline__ void jp_chunk_keys(int crit, const JpPruneRef& r, long long base, Body body) {
    for (int k0 = 0; k0 < JP_PRUNE_TILES; k0 += JP_PRUNE_AHEAD) {
        unsigned keys[JP_PRUNE_AHEAD];
        bool bads[JP_PRUNE_AHEAD];
        jp_group_keys(crit, r, base, k0, keys, bads);
#pragma unroll
        for (int j = 0; j < JP_PRUNE_AHEAD; j++) {
            const long long i = base + (long long)(k0 + j) * JP_THREADS + threadIdx.x;
            body((int)((k0 + j) * JP_THREADS + threadIdx.x), i, i < r.n, keys[j], bads[j]);
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
