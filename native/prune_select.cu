// The radix-select core of the exact global top-k (the three-pass path): histogram the high then the low 16 bits of
// the radix keys (jp_prune_hist, jp_prune_find), rank the ties at the threshold per chunk (jp_prune_ties,
// jp_prune_scan), then the mask pass (jp_prune_mask, also threshold mode). The other selection paths
// (prune_compact.cu, prune_hist11.cu, prune_bracket.cu) share pass 0 and the state; docs/GPU-PRUNE.md has the
// passes. Twins: dev.jprune.prune.{GlobalSelector, Selection} — the masks, the threshold bits and the tie budget are
// identical bit for bit.
#include "prune_radix.cuh"

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
    jp_chunk_keys(crit, r, base, [&](int, long long i, bool in, unsigned u, bool bad) {
        bool active = in;
        unsigned bin = 0;
        if (active) {
            if (bad) jp_report_bad(state, r.globalOffset + i);
            if (level == 0) bin = u >> 16;
            else if (level == 1) { active = (u >> 16) == bucket; bin = u & 0xffffu; }
            else active = false;
        }
        // Every lane reaches the ballot (jp_chunk_keys calls every lane for every slot).
        const unsigned am = __ballot_sync(0xffffffffu, active);
        if (active) {
            const unsigned peers = __match_any_sync(am, bin);
            if ((int)(threadIdx.x & 31) == __ffs(peers) - 1) atomicAdd(hist + bin, (unsigned long long)__popc(peers));
        }
    });
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
    jp_add_kept(kept, shc, keptPerTensor, shT);
}
