// The sample-bracket selection path: a fixed 1/64 sample brackets the threshold, ONE pass over w and g decides every
// element outside the bracket and compacts those inside; the candidates resolve as on the compacting paths and a last
// pass zeroes w and the optimizer state. Falls back to the other paths on the device when the bracket misses.
// Twins: dev.jprune.prune.{GlobalSelector, Selection} (same fields as every path).
#include "prune_radix.cuh"

// The sample-bracket path (pipeline selections with fresh output masks; GpuPruneOps.setBracketing). The compacting
// paths (prune_compact.cu, prune_hist11.cu) read w and g twice (20.6 bytes an element for TAYLOR at 90% against a
// 12.6-byte floor). Here a fixed 1/64 sample (JP_SAMPLE_LEN elements of every chunk) is histogrammed, and the 16-bit
// bins at the sample ranks keep·S/N ± (6σ + 64) bracket the threshold; then ONE pass reads w and g and writes the mask
// of every element above (1) or below (0) the bracket, compacts the elements inside it as candidates (signed key,
// global index) and counts those above. The counts prove the bracket exactly (above < keep <= above + candidates <=
// capacity); the candidates are then resolved as on the compacting paths (16 + 16 bits, ties by index,
// jp_prune_cand_apply writes their mask, w and state), and a last pass zeroes w and the optimizer state where the mask
// is 0 (1 byte read). ~13.7 bytes an element. When the bracket misses (a biased sample, or too many candidates)
// jp_prune_bracket_check hands the selection to the paths queued after it, which rewrite every mask. The price: the
// masks are written before the last input is checked, so after a fault maskOut holds partial output (w, g, the states
// and maskIn are untouched), hence only for callers whose maskOut is scratch until the call succeeds (GpuBackend's
// fresh masks). Results are exact and deterministic (the sample is a fixed set of positions).

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
    jp_chunk_keys(crit, r, base, [&](int at, long long i, bool in, unsigned u, bool bad) {
        const unsigned h = u >> 16;
        if (in && bad) jp_report_bad(state, r.globalOffset + i);
        const bool cand = in && h >= lo && h <= hi;
        if (in && !cand) {
            above += h > hi ? 1 : 0;
            kept += jp_apply_keep(r, i, h > hi, 0) ? 1 : 0;  // mask only
        }
        jp_stage_candidate(cand, (int)(u ^ 0x80000000u), at, shKey, shAt, &shN);  // every lane (jp_chunk_keys)
    });
    jp_flush_candidates(shKey, shAt, &shN, &shBase, state, r.globalOffset + base, candKey, candIdx);
    jp_add_kept(kept, shc, keptPerTensor, shT);
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
