// Shared definitions of the pruning kernel families (native/prune_*.cu) — the device table row, criterion codes, the
// state slots and the per-element helpers. The Java side (dev.jprune.gpu.prune.PruneTable and the Prune*Kernels
// launchers) mirrors every constant here; GpuPruneStaticTest checks that they match.
//
// Every chunk kernel runs one block of JP_THREADS threads per chunk of JP_PRUNE_CHUNK consecutive elements of one
// tensor; chunks are enumerated in global order (tensor order, then flat index), which is what makes the tie ranks
// deterministic: per-chunk tie counts, an exclusive scan over chunks in that order, and a block scan inside a chunk.
// Scores are computed on the fly from the table's pointers and never stored. The only atomics are integer ones
// (histogram counts, kept counts, the minimum bad index), whose results do not depend on their order.
#pragma once
#include "common.cuh"

// One row of the prune table in DEVICE memory: JP_PRUNE_ROW_LONGS 64-bit words (128 bytes). Null pointers are 0.
struct JpPruneRef {
    float* w;                     // 0  weights: read for scores; zeroed at pruned positions by the mask pass (flag)
    const float* g;               // 1  gradients
    float* s;                     // 2  score / statistic buffer (criterion BUFFER reads it, jp_prune_accumulate
                                  //    writes it)
    const unsigned char* maskIn;  // 3  existing mask (0 = already pruned -> score -Inf), or null
    unsigned char* maskOut;       // 4  mask written by the mask pass (may equal maskIn), or null
    float* opt0;                  // 5  optimizer state zeroed at pruned positions (momentum / Adam m), or null
    float* opt1;                  // 6  (Adam v), or null
    float* opt2;                  // 7  spare state buffer, or null
    long long n;                  // 8  elements
    long long chunkStart;         // 9  first chunk of this tensor in the table's chunk enumeration
    long long globalOffset;       // 10 global index of element 0 (tensor order, then flat index)
    long long groups;             // 11 structured: groups of this tensor (rows / filters), 0 when unused
    long long groupLen;           // 12 structured: elements per group
    long long groupOffset;        // 13 structured: index of this tensor's first group in the flat group array
    long long rowFlags;           // 14 JP_ROW_* bits
    long long pad1;               // 15
};
#define JP_PRUNE_ROW_LONGS 16

// Row flags. STICKY: maskIn is the mask of an earlier prune of the same tensor, and what it pruned stays pruned
// (the written mask is decision AND maskIn; ModelPruner.prune's rule). Without it the mask is the decision alone
// (GlobalSelector / NmSparsity / Structured on ScoreSource.respectingMasks, the ops' twins).
#define JP_ROW_STICKY 1

// Elements per chunk: one block of JP_THREADS threads handles one chunk, JP_PRUNE_TILES tiles of JP_THREADS.
#define JP_PRUNE_TILES 16
#define JP_PRUNE_CHUNK 4096
// Tiles whose inputs a thread loads before it histograms or writes them (loads in flight; JP_PRUNE_TILES % it == 0).
#define JP_PRUNE_AHEAD 4
static_assert(JP_PRUNE_TILES % JP_PRUNE_AHEAD == 0, "a chunk is whole groups of tiles");
// The bracket path samples JP_SAMPLE_LEN consecutive elements of every chunk, at offset (c % JP_SAMPLE_SLOTS) *
// JP_SAMPLE_LEN in chunk c (1/64 of the data, every tensor represented, 256-byte runs).
#define JP_SAMPLE_LEN 64
#define JP_SAMPLE_SLOTS (JP_PRUNE_CHUNK / JP_SAMPLE_LEN)
// Bins of the shared-histogram path's first digit (the top 11 bits of the radix key).
#define JP_BINS11 2048

// Criterion codes (dev.jprune.prune.Criterion; SNIP scores like TAYLOR; BUFFER = read row.s, e.g. an accumulator).
#define JP_CRIT_MAGNITUDE 0
#define JP_CRIT_GRADIENT 1
#define JP_CRIT_TAYLOR 2
#define JP_CRIT_TAYLOR_SQUARED 3
#define JP_CRIT_MOVEMENT 4
#define JP_CRIT_BUFFER 5

// Slots of the selection state (long long[JP_STATE_LONGS] in device memory).
#define JP_S_BAD 0          // lowest global index with a non-finite input / NaN score (unsigned atomicMin); init NONE
#define JP_S_KEEP 1         // keep (host writes)
#define JP_S_BUCKET 2       // high 16 bits of the threshold's radix key (pass 0 result)
#define JP_S_ABOVE 3        // elements in buckets above it
#define JP_S_LOW 4          // low 16 bits (pass 1 result)
#define JP_S_TKEY 5         // signed key of the threshold T (ScoreKeys.key)
#define JP_S_COUNT_ABOVE 6  // #{score > T}
#define JP_S_COUNT_EQUAL 7  // #{score == T}
#define JP_S_TIE_BUDGET 8   // keep - countAbove
#define JP_S_NEED_TIES 9    // 1 when 0 < tieBudget < countEqual (tie ranks needed), else 0
#define JP_S_ERROR 10       // 0, or 1 when the second digit was not found (scores changed between passes)
// Compacting path (see prune_compact.cu): two passes over the data instead of three.
#define JP_S_BCOUNT 11      // elements in the boundary bucket (pass 0 result)
#define JP_S_CAP 12         // candidate buffer capacity (host writes; 0 = never compact)
#define JP_S_COMPACT 13     // 1 when this selection takes the compacting path (0 < BCOUNT <= CAP), decided by find
                            // level 0
#define JP_S_NCAND 14       // candidates appended by jp_prune_split
#define JP_S_IDXT 15        // tie resolution: the tieBudget-th smallest global index among the ties (built 16 bits
                            // a level)
#define JP_S_ITARGET 16     // tie resolution: the rank still to find inside the current prefix
// The shared-histogram path ("v3", see prune_hist11.cu): radix key u = [top 11 bits | middle 16 bits | low 5 bits].
#define JP_S_V3 17          // 1 when this selection takes the shared-histogram path (decided by jp_prune_find11
                            // level 0)
#define JP_S_V3_MID 18      // its middle digit (bits 20..5 of the threshold's radix key)
#define JP_S_V3_ABOVE 19    // elements above the (top, middle) prefix (the bracket path reuses 18 and 19 likewise)
// The sample-bracket path (see prune_bracket.cu): one read of w and g decides everything outside a bracket of 16-bit
// bins.
#define JP_S_BR 20          // 1 while / when the bracket path handles this selection
#define JP_S_BR_LO 21       // lowest 16-bit bin of the bracket
#define JP_S_BR_HI 22       // highest 16-bit bin of the bracket
#define JP_S_BR_ABOVE 23    // elements above the bracket (counted by jp_prune_bracket_split)
#define JP_STATE_LONGS 24
#define JP_BAD_NONE 0x7fffffffffffffffLL

// Mask-pass modes and flags.
#define JP_MODE_SELECT 0     // keep = key > T || (key == T && tieRank < tieBudget)
#define JP_MODE_THRESHOLD 1  // keep = key >= T (T = key(eps), written by the host)
#define JP_FLAG_ZERO_W 1     // zero w at pruned positions
#define JP_FLAG_ZERO_OPT 2   // zero opt0..opt2 (the non-null ones) at pruned positions

// Signed order-preserving key of a non-NaN float (ScoreKeys.key): -0.0 maps like +0.0.
__device__ __forceinline__ int jp_key(float s) {
    int b = __float_as_int(s);
    if (b == (int)0x80000000) b = 0;
    return b ^ ((b >> 31) & 0x7fffffff);
}

__device__ __forceinline__ bool jp_finite(float x) { return (__float_as_int(x) & 0x7f800000) != 0x7f800000; }
__device__ __forceinline__ bool jp_nan(float x) { return (__float_as_int(x) & 0x7fffffff) > 0x7f800000; }

// The per-element criterion score of (w, g), exactly as CriterionScoreSource computes it (float32, round to nearest,
// no FMA); bad = an input the criterion reads is non-finite. The caller reads only what the criterion needs (w or g
// may be anything for a criterion that does not read it). Not for JP_CRIT_BUFFER.
__device__ __forceinline__ float jp_crit_score(int crit, float w, float g, bool& bad) {
    switch (crit) {
        case JP_CRIT_MAGNITUDE: bad = !jp_finite(w); return fabsf(w);
        case JP_CRIT_GRADIENT: bad = !jp_finite(g); return fabsf(g);
        case JP_CRIT_TAYLOR: bad = !(jp_finite(w) && jp_finite(g)); return fabsf(__fmul_rn(w, g));
        case JP_CRIT_TAYLOR_SQUARED: {
            bad = !(jp_finite(w) && jp_finite(g));
            const float p = __fmul_rn(w, g);
            return __fmul_rn(p, p);
        }
        default: bad = !(jp_finite(w) && jp_finite(g)); return -__fmul_rn(w, g);  // JP_CRIT_MOVEMENT
    }
}

// Score of element i of a row, exactly as CriterionScoreSource / ScoreSource.respectingMasks compute it.
// bad = the input the criterion reads is non-finite (criteria) or the score is NaN (BUFFER).
__device__ __forceinline__ float jp_score(int crit, const JpPruneRef& r, long long i, bool& bad) {
    float s;
    bad = false;
    if (crit == JP_CRIT_BUFFER) s = r.s[i];
    else s = jp_crit_score(crit, crit == JP_CRIT_GRADIENT ? 0.f : r.w[i], crit == JP_CRIT_MAGNITUDE ? 0.f : r.g[i],
                           bad);
    if (r.maskIn != nullptr && r.maskIn[i] == 0) s = __int_as_float(0xff800000);  // -Inf: already pruned
    if (crit == JP_CRIT_BUFFER) bad = jp_nan(s);
    return s;
}

// Writes the keep decision of element i: the mask (when there is one) and, at a pruned position, zeros into w
// (JP_FLAG_ZERO_W) and the optimizer states (JP_FLAG_ZERO_OPT). Shared by the select, N:M and expand passes.
// Returns the final decision (a sticky row never revives what maskIn pruned), which is what the callers count.
__device__ __forceinline__ bool jp_apply_keep(const JpPruneRef& r, long long i, bool keepIt, int flags) {
    if ((r.rowFlags & JP_ROW_STICKY) && r.maskIn != nullptr && r.maskIn[i] == 0) keepIt = false;
    if (r.maskOut != nullptr) r.maskOut[i] = keepIt ? 1 : 0;
    if (keepIt) return true;
    if ((flags & JP_FLAG_ZERO_W) && r.w != nullptr) r.w[i] = 0.f;
    if (flags & JP_FLAG_ZERO_OPT) {
        if (r.opt0 != nullptr) r.opt0[i] = 0.f;
        if (r.opt1 != nullptr) r.opt1[i] = 0.f;
        if (r.opt2 != nullptr) r.opt2[i] = 0.f;
    }
    return false;
}

// Records the lowest bad global index (deterministic: the minimum, whatever the order of the atomics).
__device__ __forceinline__ void jp_report_bad(long long* state, long long globalIndex) {
    atomicMin(reinterpret_cast<unsigned long long*>(state + JP_S_BAD), (unsigned long long)globalIndex);
}

// Tensor owning chunk c of the table: the largest t with chunkStart(t) - chunkStart(0) <= c (tensors without chunks
// share their start with the next tensor, so the largest such t is the one that has the chunk).
__device__ __forceinline__ int jp_find_chunk_tensor(const JpPruneRef* tab, int tensors, long long c) {
    const long long base = tab[0].chunkStart;
    int lo = 0, hi = tensors - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) >> 1;
        if (tab[mid].chunkStart - base <= c) lo = mid; else hi = mid - 1;
    }
    return lo;
}

// Prologue of the chunk kernels (one block per chunk c): finds c's tensor (thread 0, into the caller's __shared__
// slot shT), loads its row into r and returns the flat index of c's first element in that tensor. Synchronises, so
// every thread of the block must call it.
__device__ __forceinline__ long long jp_chunk_begin(const JpPruneRef* tab, int tensors, long long c, int& shT,
                                                    JpPruneRef& r) {
    if (threadIdx.x == 0) shT = jp_find_chunk_tensor(tab, tensors, c);
    __syncthreads();
    r = tab[shT];
    return (c - (r.chunkStart - tab[0].chunkStart)) * JP_PRUNE_CHUNK;
}

// Deterministic block-wide sum of one int per thread (blockDim.x == JP_THREADS): warp shuffles, then warp 0.
__device__ __forceinline__ int jp_block_sum_int(int v, int* sh /* [JP_THREADS / 32] */) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    if ((threadIdx.x & 31) == 0) sh[threadIdx.x >> 5] = v;
    __syncthreads();
    int r = 0;
    for (int q = 0; q < JP_THREADS / 32; q++) r += sh[q];
    __syncthreads();
    return r;
}

// Adds a chunk's kept count (one int per thread) to keptPerTensor[t]: a block sum, then one atomic, none when 0.
// Synchronises, so every thread of the block must call it.
__device__ __forceinline__ void jp_add_kept(int kept, int* sh /* [JP_THREADS / 32] */,
                                            unsigned long long* __restrict__ keptPerTensor, int t) {
    kept = jp_block_sum_int(kept, sh);
    if (threadIdx.x == 0 && kept > 0) atomicAdd(keptPerTensor + t, (unsigned long long)kept);
}
