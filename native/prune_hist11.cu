// The shared-histogram selection path ("v3"): pass 0 histograms the top 11 bits of the radix keys in shared memory,
// pass 1 decides everything outside the boundary bucket and stages its elements as candidates, whose middle 16 and
// low 5 bits give the threshold; ties and decisions use prune_compact.cu's kernels.
// Twins: dev.jprune.prune.{GlobalSelector, Selection} (same fields as every path).
#include "prune_radix.cuh"

// The shared-histogram path ("v3"; RAFT's radix select takes 11 bits a pass for the same reason). Pass 0 of the 16-bit
// paths (prune_select.cu, prune_compact.cu) adds ~1 global atomic per element for continuous scores (65536 bins, few
// equal bins per warp), which can cost more than reading w and g. Here pass 0 histograms the top 11 bits of the radix
// key in shared memory (2048 bins, a quarter binade each) and adds one global atomic per non-empty bin per chunk. Pass
// 1 (jp_prune_split11) decides every element outside the boundary 11-bit bucket and appends its elements as (low 21
// bits, global index) candidates, one atomic per block for their slots; the candidates' middle 16 and low 5 bits are
// then histogrammed (jp_prune_cand_hist11, jp_prune_find11 levels 1 and 2) and the ties and decisions use the
// compacting path's kernels (jp_prune_cand_index_hist, jp_prune_find_index, jp_prune_cand_apply, which compare the
// candidates' low bits with state[LOW]). Same bytes as the compacting path (two reads of w and g). When the boundary
// bucket exceeds the candidate capacity (duplicate-heavy inputs), jp_prune_find11 level 0 leaves state[V3] at 0 and the
// kernels queued after it (the three-pass and compacting paths) select as if this path had not run. Results are the
// same fields on every path: the (threshold, tie budget) pair is unique whatever the digit split.

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
    jp_chunk_keys(crit, r, base, [&](int, long long i, bool in, unsigned u, bool bad) {
        const unsigned bin = in ? u >> 21 : JP_BINS11;  // JP_BINS11: none
        if (bad) jp_report_bad(state, r.globalOffset + i);
        // Every lane reaches the ballots (jp_chunk_keys calls every lane for every slot).
        const unsigned zeros = __ballot_sync(0xffffffffu, bin == binZero),
                       negInf = __ballot_sync(0xffffffffu, bin == binNegInf);
        if ((threadIdx.x & 31) == 0) {
            if (zeros != 0u) atomicAdd(sh + binZero, (unsigned)__popc(zeros));
            if (negInf != 0u) atomicAdd(sh + binNegInf, (unsigned)__popc(negInf));
        }
        if (bin < JP_BINS11 && bin != binZero && bin != binNegInf) atomicAdd(sh + bin, 1u);
    });
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
    // Faults were reported by pass 0; every element of a group is scored before the group's first write.
    jp_chunk_keys(crit, r, base, [&](int at, long long i, bool in, unsigned u, bool) {
        const bool cand = in && (u >> 21) == bucket;
        // Candidates are never rescored, and every element of the group was scored before any write: zeroing w here
        // cannot change a score this selection still reads.
        if (in && !cand) kept += jp_apply_keep(r, i, (u >> 21) > bucket, flags) ? 1 : 0;
        jp_stage_candidate(cand, (int)(u & 0x1fffffu), at, shLow, shAt, &shN);  // every lane (jp_chunk_keys)
    });
    // NCAND > CAP only if the scores changed since pass 0: find11 level 1 then reports it (NCAND != BCOUNT).
    jp_flush_candidates(shLow, shAt, &shN, &shBase, state, r.globalOffset + base, candLow, candIdx);
    jp_add_kept(kept, shc, keptPerTensor, shT);
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
