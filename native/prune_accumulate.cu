// Score accumulation over many batches: SUM or EMA of the per-batch criterion score into each tensor's score buffer.
// Twin: dev.jprune.prune.ScoreAccumulator#accumulate.
#include "prune.cuh"

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
