package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuInternals;
import dev.jprune.prune.Criterion;
import jcuda.driver.CUdeviceptr;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * One exact selection (or one per tensor) on the device, by whichever of the four paths the device takes: the
 * three-pass radix select (native/prune_select.cu), the compacting path (prune_compact.cu), the shared-histogram path
 * (prune_hist11.cu) and the sample-bracket path (prune_bracket.cu); every path gives the same fields
 * (docs/GPU-PRUNE.md). Holds the path settings of its {@link GpuPruneOps} and counts the paths taken.
 */
final class SelectionPaths extends PrunePasses {
    /** Global indices must fit the tie resolution's 3 x 16 bits. */
    static final long MAX_TOTAL = 1L << 48;

    private final PruneSelectKernels selectKernels;
    private final PruneCompactKernels compactKernels;
    private final PruneHist11Kernels hist11Kernels;
    private final PruneBracketKernels bracketKernels;
    /** GpuPruneOps.bracketMin (tests lower it), read at every selection. */
    private final LongSupplier bracketMin;

    /** See {@link GpuPruneOps#setCompaction}. */
    long compaction = -1;
    /** See {@link GpuPruneOps#setSharedHistogram}. */
    boolean sharedHistogram = true;
    /** See {@link GpuPruneOps#setBracketing}. */
    boolean bracketing;
    /** Selections that took (or tried) each path; GpuPruneOps reports them to the tests. */
    long compacted, shared, sharedAttempts, bracketed, bracketAttempts;

    SelectionPaths(GpuContext ctx, LongSupplier bracketMin) {
        super(ctx);
        this.selectKernels = new PruneSelectKernels(ctx);
        this.compactKernels = new PruneCompactKernels(ctx);
        this.hist11Kernels = new PruneHist11Kernels(ctx);
        this.bracketKernels = new PruneBracketKernels(ctx);
        this.bracketMin = bracketMin;
    }

    long capacityFor(long total) {
        if (compaction >= 0) return Math.min(compaction, total);
        if (total < GpuPruneOps.COMPACT_MIN) return 0;
        return Math.max(1L << 16, Math.min(1L << 22, total / 16));
    }

    /**
     * The passes. global: one selection over the whole table (keep[0]); otherwise one per tensor (keep[t]) on the
     * row view. Per selection: hist(level 0) → find, which picks the path on the device. Three-pass path: hist(level 1)
     * → find → ties → scan → mask (ties and scan return at once unless 0 < tieBudget < countEqual). Compacting path
     * (docs/GPU-PRUNE.md): split → candidate histogram → find → [3 × (tie index histogram → find)] → candidate apply.
     * Both are queued where the selection may compact; each kernel returns at once on the path not taken. With the
     * shared-histogram path on, hist11 → find11 come first and, when the device takes that path, split11 →
     * candidate histograms → find11 × 2 replace the others (the tie and apply kernels are shared). With the bracket
     * path (global selections, setBracketing): sample → bracket → the one full pass → check come first, then one
     * round trip reads whether the bracket held; if so only its candidate kernels, the shared tie / apply kernels and
     * the zeroing pass are queued, else everything above.
     */
    GpuSelection[] selectOn(List<PruneTensor> ts, Criterion c, PruneTable layout, long[] tableRows, long[] keep,
                            int flags, boolean global) {
        int nt = layout.tensors(), crit = PruneTable.criterionCode(c);
        int sels = global ? 1 : nt;
        long maxChunks = 0;
        for (int t = 0; t < nt; t++) maxChunks = Math.max(maxChunks, layout.chunks(t));
        long tieChunks = global ? layout.chunks() : maxChunks;
        if (layout.total() >= MAX_TOTAL) throw new IllegalArgumentException("GpuPruneOps.select: " + layout.total()
                + " elements (max 2^48)");
        long[] cap = new long[sels];
        long maxCap = 0;
        for (int s = 0; s < sels; s++) {
            cap[s] = capacityFor(global ? layout.total() : layout.lengths[s]);
            maxCap = Math.max(maxCap, cap[s]);
        }
        // One host-to-device copy and one device-to-host copy per selection (each is a synchronisation, ~10 µs on a
        // GPU, against ~0.5 ms of passes at 1e8 elements): io = [states | kept per tensor | table rows].
        int stateLongs = sels * PruneTable.STATE_LONGS, keptAt = stateLongs, tableAt = stateLongs + nt;
        long[] io = new long[tableAt + tableRows.length];
        long[] fresh = freshStates(sels, keep);
        for (int s = 0; s < sels; s++) fresh[s * PruneTable.STATE_LONGS + PruneTable.S_CAP] = cap[s];
        boolean bracket = global && bracketing && layout.total() >= bracketMin.getAsLong() && cap[0] > 0 && keep[0] >= 1
                && keep[0] < layout.total()
                && ts.stream().allMatch(t -> t.maskOut() != null && t.maskOut() != t.maskIn());
        long sampled = bracket ? layout.sampled() : 0;
        if (bracket) {
            fresh[PruneTable.S_BR] = 1;
            bracketAttempts++;
        }
        System.arraycopy(fresh, 0, io, 0, stateLongs);
        System.arraycopy(tableRows, 0, io, tableAt, tableRows.length);
        try (DeviceBuffer hist = ctx.allocLong(1 << 16); DeviceBuffer ioDev = ctx.allocLong(io.length);
             DeviceBuffer chunkTies = ctx.allocInt(Math.max(1, tieChunks));
             DeviceBuffer tiesBefore = ctx.allocLong(Math.max(1, tieChunks));
             DeviceBuffer candLow = ctx.allocInt(Math.max(1, maxCap));
             DeviceBuffer candIdx = ctx.allocLong(Math.max(1, maxCap))) {
            GpuInternals.zero(hist);
            ioDev.upload(io);
            GpuInternals.mark(ctx, "select: tables and states uploaded");
            // The selecting passes of every selection first (they only read the inputs and record faults) ...
            boolean bracketHeld = false;
            // Global selections learn with one round trip whether the shared-histogram path took them (as the bracket
            // check above): then the 16-bit paths' five early-exit chunk grids are not queued, nor, if it did not,
            // its own writing kernels. Per layer (one selection per tensor) the round trips would cost more.
            boolean sharedKnown = false, sharedTaken = false;
            for (int s = 0; s < sels; s++) {
                CUdeviceptr table = GpuInternals.pointer(ioDev,
                        tableAt + (long) (global ? 0 : s) * PruneTable.ROW_LONGS);
                int tensors = global ? nt : 1;
                long chunks = global ? layout.chunks() : layout.chunks(s);
                if (chunks == 0) continue;  // an empty tensor: nothing to select (its state stays fresh)
                CUdeviceptr st = slot(ioDev, s);
                if (bracket) {  // first: the kernels after bracketCheck run only if the bracket missed
                    CUdeviceptr keptPtr = GpuInternals.pointer(ioDev, keptAt);
                    bracketKernels.sampleHist(table, tensors, chunks, crit, hist, st);
                    bracketKernels.findBracket(hist, sampled, layout.total(), st);
                    bracketKernels.bracketSplit(table, tensors, chunks, crit, st, candLow, candIdx, keptPtr);
                    bracketKernels.bracketCheck(st, keptPtr, nt);
                    // One round trip: did the bracket hold (or fault)? Then none of the other paths' kernels is
                    // queued — at 1e8 elements their early-exit grids (~24 000 blocks each, seven of them) would cost
                    // more than the wait for one state word.
                    bracketHeld = firstState(ioDev)[PruneTable.S_BR] != 0;
                    GpuInternals.mark(ctx, "select: bracket pass and check (one round trip)");
                    if (bracketHeld) continue;
                }
                if (cap[s] > 0 && sharedHistogram) {
                    hist11Kernels.hist11(table, tensors, chunks, crit, hist, st);
                    hist11Kernels.find11(hist, 0, st);  // takes the selection, or leaves it to the kernels below
                    sharedAttempts++;
                    if (global) {
                        sharedKnown = true;
                        sharedTaken = firstState(ioDev)[PruneTable.S_V3] != 0;
                        if (sharedTaken) continue;
                    }
                }
                selectKernels.hist(table, tensors, chunks, crit, 0, hist, st);
                selectKernels.find(hist, 0, -1, st);
                // returns at once on the compacting path
                selectKernels.hist(table, tensors, chunks, crit, 1, hist, st);
                selectKernels.find(hist, 1, 0, st);
            }
            GpuInternals.mark(ctx, "select: selecting passes (histograms, find)");
            long[] state = new long[stateLongs];
            if (!global) {
                // ... then, per layer, a fault in ANY tensor must stop the writes of ALL of them
                // (GlobalSelector.perLayer selects every tensor before it applies one): each mask pass only sees its
                // own state, so the host checks all states here (one extra round trip, per-layer scope only).
                GpuInternals.download(ioDev, state);
                checkStates("GpuPruneOps.perLayer", ts, layout, c, state, sels);
            }
            for (int s = 0; s < sels; s++) {
                CUdeviceptr table = GpuInternals.pointer(ioDev,
                        tableAt + (long) (global ? 0 : s) * PruneTable.ROW_LONGS);
                int tensors = global ? nt : 1;
                long chunks = global ? layout.chunks() : layout.chunks(s);
                if (chunks == 0) continue;
                CUdeviceptr st = slot(ioDev, s);
                CUdeviceptr keptPtr = GpuInternals.pointer(ioDev, keptAt + (global ? 0 : s));
                boolean sixteen = !bracketHeld && !sharedTaken;  // the 16-bit paths may still take this selection
                if (sixteen) {
                    selectKernels.ties(table, tensors, chunks, crit, st, chunkTies);
                    selectKernels.scan(chunkTies, chunks, st, tiesBefore);
                    selectKernels.mask(table, tensors, chunks, crit, PruneTable.MODE_SELECT, flags, st, tiesBefore,
                            keptPtr);
                }
                if (cap[s] > 0) {
                    if (sixteen) {
                        compactKernels.split(table, tensors, chunks, crit, flags, st, candLow, candIdx, keptPtr);
                        compactKernels.candHist(candLow, cap[s], st, hist);
                        selectKernels.find(hist, 1, 1, st);
                    }
                    if (sharedHistogram && !bracketHeld && (!sharedKnown || sharedTaken)) {
                        hist11Kernels.split11(table, tensors, chunks, crit, flags, st, candLow, candIdx, keptPtr);
                        hist11Kernels.candHist11(candLow, cap[s], 0, st, hist);
                        hist11Kernels.find11(hist, 1, st);
                        hist11Kernels.candHist11(candLow, cap[s], 1, st, hist);
                        hist11Kernels.find11(hist, 2, st);
                    }
                    if (bracketHeld) {
                        for (int level = 0; level < 2; level++) {
                            bracketKernels.candHistBr(candLow, cap[s], level, st, hist);
                            bracketKernels.findBr(hist, level, st);
                        }
                    }
                    for (int level = 0; level < 3; level++) {  // ties by index, for every compacting path
                        compactKernels.candIndexHist(candLow, candIdx, cap[s], level, st, hist);
                        compactKernels.findIndex(hist, level, st);
                    }
                    compactKernels.candApply(table, tensors, candLow, candIdx, cap[s], flags, st, keptPtr);
                    if (bracketHeld) bracketKernels.bracketZero(table, tensors, chunks, flags, st);
                }
            }
            GpuInternals.mark(ctx, "select: writing passes (ties, mask or split, candidates)");
            long[] result = new long[tableAt];
            GpuInternals.download(ioDev, result);
            System.arraycopy(result, 0, state, 0, stateLongs);
            long[] keptHost = java.util.Arrays.copyOfRange(result, keptAt, keptAt + nt);
            GpuInternals.mark(ctx, "select: results downloaded");
            checkStates("GpuPruneOps.select", ts, layout, c, state, sels);
            for (int s = 0; s < sels; s++) {
                compacted += state[s * PruneTable.STATE_LONGS + PruneTable.S_COMPACT];
                shared += state[s * PruneTable.STATE_LONGS + PruneTable.S_V3];
                bracketed += state[s * PruneTable.STATE_LONGS + PruneTable.S_BR];
            }
            GpuSelection[] out = new GpuSelection[sels];
            for (int s = 0; s < sels; s++) {
                int b = s * PruneTable.STATE_LONGS;
                long total = global ? layout.total() : layout.lengths[s];
                if (total == 0) { out[s] = new GpuSelection(0, 0, 0, 0, 0, 0, new long[] {0}); continue; }
                int tkey = (int) state[b + PruneTable.S_TKEY];
                int bits = tkey ^ ((tkey >> 31) & 0x7fffffff);  // ScoreKeys.bitsOfRadixKey(key ^ 0x80000000)
                long[] kp = global ? keptHost : new long[] {keptHost[s]};
                out[s] = new GpuSelection(total, keep[s], bits, state[b + PruneTable.S_TIE_BUDGET],
                        state[b + PruneTable.S_COUNT_ABOVE], state[b + PruneTable.S_COUNT_EQUAL], kp);
            }
            return out;
        }
    }
}
