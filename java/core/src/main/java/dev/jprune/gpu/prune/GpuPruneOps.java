package dev.jprune.gpu.prune;

import dev.jprune.gpu.CpuTwin;
import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuInternals;
import dev.jprune.gpu.GpuOps;
import dev.jprune.gpu.GpuOptimizers.StepScores;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.prune.Structured;
import jcuda.driver.CUdeviceptr;

import java.util.ArrayList;
import java.util.List;

/**
 * GPU pruning: fused score + exact top-k selection over many tensors, per-layer and threshold scopes, N:M and
 * structured masks, score accumulation and multi-tensor norms — each the twin ({@link CpuTwin}) of a CPU method whose
 * result it reproduces bit for bit (masks, threshold bits, tie budget, kept counts). The passes are in
 * docs/GPU-PRUNE.md and native/prune.cu.
 *
 * <p>Scores are computed on the fly from each {@link PruneTensor}'s buffers ({@link Criterion}; USER reads the score
 * buffers) and never stored; an existing mask ({@code maskIn}) makes pruned elements score −Infinity. The mask pass
 * writes {@code maskOut} (where non-null), and optionally zeroes the weights and the optimizer states at pruned
 * positions, in the same launch. Extra device memory: a 65536-bin histogram (512 KiB), O(chunks) tie counts
 * (12 bytes per 4096 elements) and the table (128 bytes per tensor) — nothing O(parameters).
 *
 * <p>Errors: arguments are checked on the host before anything is launched (IllegalArgumentException naming the op,
 * the tensor and the fault). A non-finite input (or NaN score) is found by the first pass; the writing passes then do
 * nothing on the device, and the host throws IllegalArgumentException naming the tensor and index — no buffer is
 * modified by a failed call. One host round trip per call (the final state download). Not thread-safe.
 */
public final class GpuPruneOps {
    private static final String SEL = "dev.jprune.prune.GlobalSelector#";

    private final GpuContext ctx;
    private final PruneKernels k;
    private final GpuOps ops;

    public GpuPruneOps(GpuContext ctx) {
        this.ctx = ctx;
        this.k = new PruneKernels(ctx);
        this.ops = new GpuOps(ctx);
    }

    public GpuContext context() { return ctx; }

    // ------------------------------------------------------------------------------------------- validation
    /** Checks every tensor for what {@code criterion} reads and the step writes; returns the layout. */
    static PruneTable check(String op, List<PruneTensor> ts, Criterion criterion, boolean needMaskOut, long[] groups,
                            GpuContext ctx) {
        if (criterion == null) throw new IllegalArgumentException(op + ": null criterion");
        return checkTensors(op, ts, criterion, needMaskOut, groups, ctx);
    }

    /** {@link #check} for a step that reads no score ({@code criterion} null). */
    private static PruneTable checkTensors(String op, List<PruneTensor> ts, Criterion criterion,
                                           boolean needMaskOut, long[] groups, GpuContext ctx) {
        if (ts == null) throw new IllegalArgumentException(op + ": null tensor list");
        long[] len = new long[ts.size()];
        for (int t = 0; t < ts.size(); t++) {
            PruneTensor p = ts.get(t);
            if (p == null) throw new IllegalArgumentException(op + ": tensor " + t + " is null");
            String nm = op + ": " + p.name();
            if (criterion != null && criterion.readsWeight() && p.weights() == null)
                    throw new IllegalArgumentException(nm + ": criterion " + criterion + " needs weights");
            if (criterion != null && criterion.readsGradient() && p.grads() == null)
                    throw new IllegalArgumentException(nm + ": criterion " + criterion + " needs gradients");
            if (criterion == Criterion.USER && p.scores() == null) throw new IllegalArgumentException(nm
                    + ": criterion USER needs a score buffer");
            if (needMaskOut && p.maskOut() == null) throw new IllegalArgumentException(nm + ": no output mask");
            need(nm, "weights", p.weights(), DeviceBuffer.Type.FLOAT, p.length(), ctx);
            need(nm, "gradients", p.grads(), DeviceBuffer.Type.FLOAT, p.length(), ctx);
            need(nm, "scores", p.scores(), DeviceBuffer.Type.FLOAT, p.length(), ctx);
            need(nm, "maskIn", p.maskIn(), DeviceBuffer.Type.BYTE, p.length(), ctx);
            need(nm, "maskOut", p.maskOut(), DeviceBuffer.Type.BYTE, p.length(), ctx);
            need(nm, "opt0", p.opt0(), DeviceBuffer.Type.FLOAT, p.length(), ctx);
            need(nm, "opt1", p.opt1(), DeviceBuffer.Type.FLOAT, p.length(), ctx);
            need(nm, "opt2", p.opt2(), DeviceBuffer.Type.FLOAT, p.length(), ctx);
            len[t] = p.length();
        }
        return groups == null ? PruneTable.layout(len) : PruneTable.layout(len, groups);
    }

    private static void need(String nm, String what, DeviceBuffer b, DeviceBuffer.Type type, long n, GpuContext ctx) {
        if (b == null) return;
        if (b.isClosed()) throw new IllegalArgumentException(nm + ": " + what + " is closed");
        if (ctx != null && b.context() != ctx) throw new IllegalArgumentException(nm + ": " + what
                + " belongs to another GpuContext");
        if (b.type() != type) throw new IllegalArgumentException(nm + ": " + what + " holds "
                + b.type() + ", needs " + type);
        if (b.length() < n) throw new IllegalArgumentException(nm + ": " + what + " has " + b.length()
                + " elements, needs " + n);
    }

    static void checkKeep(String op, long keep, long total) {
        if (keep < 0 || keep > total) throw new IllegalArgumentException(op + ": keep = " + keep
                + " not in [0, " + total + "]");
    }

    static int flags(boolean zeroWeights, boolean zeroOptimizer) {
        return (zeroWeights ? PruneTable.FLAG_ZERO_W : 0) | (zeroOptimizer ? PruneTable.FLAG_ZERO_OPT : 0);
    }

    private static long addr(DeviceBuffer b) { return b == null ? 0L : GpuInternals.address(b, 0); }

    private static long[][] pointers(List<PruneTensor> ts) {
        long[][] p = new long[ts.size()][];
        for (int t = 0; t < p.length; t++) {
            PruneTensor x = ts.get(t);
            p[t] = new long[] {addr(x.weights()), addr(x.grads()), addr(x.scores()),
                    addr(x.maskIn()), addr(x.maskOut()), addr(x.opt0()), addr(x.opt1()), addr(x.opt2())};
        }
        return p;
    }

    private static long[] rowFlags(List<PruneTensor> ts) {
        long[] f = new long[ts.size()];
        for (int t = 0; t < f.length; t++) f[t] = ts.get(t).sticky() ? PruneTable.ROW_STICKY : 0;
        return f;
    }

    /** The device table's rows for {@code ts} (uploaded by the op, e.g. with its states in one copy). */
    private static long[] encode(PruneTable layout, List<PruneTensor> ts) {
        return layout.encode(pointers(ts), rowFlags(ts));
    }

    private DeviceBuffer uploadTable(PruneTable layout, List<PruneTensor> ts) {
        long[] rows = encode(layout, ts);
        DeviceBuffer tab = ctx.allocLong(Math.max(1, rows.length));
        if (rows.length > 0) tab.upload(rows);
        return tab;
    }

    private static CUdeviceptr row(DeviceBuffer table, int t) {
        return GpuInternals.pointer(table, (long) t * PruneTable.ROW_LONGS);
    }
    private static CUdeviceptr slot(DeviceBuffer states, int t) {
        return GpuInternals.pointer(states, (long) t * PruneTable.STATE_LONGS);
    }

    /** The state of selection 0 (a global selection's), read back now: one synchronising copy. */
    private static long[] firstState(DeviceBuffer io) {
        long[] st = new long[PruneTable.STATE_LONGS];
        GpuInternals.download(io, st);
        return st;
    }

    private static long[] freshStates(int count, long[] keep) {
        long[] s = new long[count * PruneTable.STATE_LONGS];
        for (int i = 0; i < count; i++) {
            s[i * PruneTable.STATE_LONGS + PruneTable.S_BAD] = PruneTable.BAD_NONE;
            s[i * PruneTable.STATE_LONGS + PruneTable.S_KEEP] = keep == null ? 0 : keep[i];
        }
        return s;
    }

    /** Throws the input fault recorded in a state, naming tensor, index and (for criteria) the offending value. */
    private void throwIfBad(String op, List<PruneTensor> ts, PruneTable layout, Criterion c, long bad) {
        throwIfBad(op, ts, layout, c, bad, true);
    }

    /** readValue false: the inputs may have changed since the fault (deferred checks), so the value is not shown. */
    private void throwIfBad(String op, List<PruneTensor> ts, PruneTable layout, Criterion c,
                            long bad, boolean readValue) {
        if (bad == PruneTable.BAD_NONE) return;
        int t = layout.tensorOf(bad);
        long i = bad - layout.offset(t);
        PruneTensor p = ts.get(t);
        String detail;
        if (!readValue) {
            detail = c == Criterion.USER ? "score that was NaN" : "non-finite input in an earlier batch";
        } else if (c == Criterion.USER) {
            detail = "score is NaN";
        } else {
            float w = c.readsWeight() ? one(p.weights(), i) : 0f, g = c.readsGradient() ? one(p.grads(), i) : 0f;
            detail = c.readsWeight() && !Float.isFinite(w) ? "non-finite weight " + w : "non-finite gradient " + g;
        }
        throw new IllegalArgumentException(op + " (" + c + "): " + p.name() + " has " + detail + " at index " + i);
    }

    /** Throws the lowest input fault over {@code sels} selection states, then any "scores changed" error. */
    private void checkStates(String op, List<PruneTensor> ts, PruneTable layout, Criterion c, long[] state, int sels) {
        long bad = PruneTable.BAD_NONE;
        for (int s = 0; s < sels; s++) bad = Math.min(bad, state[s * PruneTable.STATE_LONGS + PruneTable.S_BAD]);
        throwIfBad(op, ts, layout, c, bad);
        for (int s = 0; s < sels; s++) {
            if (state[s * PruneTable.STATE_LONGS + PruneTable.S_ERROR] != 0) throw new IllegalStateException(op
                    + ": scores changed between passes");
        }
    }

    private static float one(DeviceBuffer b, long i) {
        float[] v = new float[1];
        b.download(v, 0, i, 1);
        return v[0];
    }

    // ------------------------------------------------------------------------------------------- selection
    /**
     * Exact global selection of the {@code keep} highest scores over all tensors, then the mask pass: writes each
     * tensor's maskOut (if non-null), zeroes weights / optimizer states at pruned positions when asked. Modifies
     * maskOut, and weights / opt buffers per the flags. Returns the selection (same fields as the CPU's).
     */
    @CpuTwin({SEL + "select", "dev.jprune.prune.SelectionReference#select"})
    public GpuSelection select(List<PruneTensor> tensors, Criterion criterion, long keep, boolean zeroWeights,
                               boolean zeroOptimizer) {
        PruneTable layout = check("GpuPruneOps.select", tensors, criterion, false, null, ctx);
        checkKeep("GpuPruneOps.select", keep, layout.total());
        int nt = layout.tensors();
        if (layout.total() == 0) return new GpuSelection(0, 0, 0, 0, 0, 0, new long[nt]);
        return selectOn(tensors, criterion, layout, encode(layout, tensors), new long[] {keep},
                flags(zeroWeights, zeroOptimizer), true)[0];
    }

    /** {@link #select} with keep = {@link GlobalSelector#keepForSparsity}(total, sparsity). */
    @CpuTwin(SEL + "selectSparsity")
    public GpuSelection selectSparsity(List<PruneTensor> tensors, Criterion criterion, double sparsity,
                                       boolean zeroWeights, boolean zeroOptimizer) {
        long total = check("GpuPruneOps.selectSparsity", tensors, criterion, false, null, ctx).total();
        return select(tensors, criterion, GlobalSelector.keepForSparsity(total, sparsity), zeroWeights, zeroOptimizer);
    }

    /**
     * Per-layer scope: tensor t keeps keepForSparsity(n_t, sparsity[t]) of its own elements (its own selection; the
     * same kernels on a one-row view of the table, looped over tensors, one state per tensor, one download at the end).
     * Modifies maskOut and weights / opt buffers per the flags.
     */
    @CpuTwin(SEL + "perLayer")
    public GpuSelection[] perLayer(List<PruneTensor> tensors, Criterion criterion, double[] sparsity,
                                   boolean zeroWeights, boolean zeroOptimizer) {
        PruneTable layout = check("GpuPruneOps.perLayer", tensors, criterion, false, null, ctx);
        int nt = layout.tensors();
        if (sparsity == null || sparsity.length != nt) {
            throw new IllegalArgumentException("GpuPruneOps.perLayer: " + (sparsity == null ? "null" : sparsity.length)
                    + " sparsities for " + nt + " tensors");
        }
        long[] keep = new long[nt];
        for (int t = 0; t < nt; t++) {
            if (!(sparsity[t] >= 0.0 && sparsity[t] <= 1.0)) {
                throw new IllegalArgumentException("GpuPruneOps.perLayer: sparsity of " + tensors.get(t).name()
                        + " must be in [0, 1], got " + sparsity[t]);
            }
            keep[t] = GlobalSelector.keepForSparsity(layout.lengths[t], sparsity[t]);
        }
        if (nt == 0) return new GpuSelection[0];
        return selectOn(tensors, criterion, layout, encode(layout, tensors), keep,
                flags(zeroWeights, zeroOptimizer), false);
    }

    /**
     * Global selection of {@code keep} elements with per-tensor density bounds, {@link GlobalSelector#selectCapped}'s
     * definition and rounds: tensor t keeps between rint(minDensity[t]·n_t) and rint(maxDensity[t]·n_t) elements.
     * Each round is a counting selection over the tensors not yet clamped (maskIn ranks its pruned elements last; the
     * mask pass writes nothing and counts the decision, one download of the counts per round); the tensors above
     * their max (excess ≥ deficit) or below their min are fixed there. Then the writing passes: one global selection
     * over the free tensors and one per-tensor selection of each fixed tensor's own top count. Cost: (rounds + 1) × 3
     * reads of the inputs, rounds ≤ tensors + 1 (typically 2 or 3). A fault is found in the first round, before
     * anything is written. Modifies maskOut, and weights / opt buffers per the flags. keptPerTensor counts the written
     * masks (the CPU's counts when no tensor is sticky; sticky tensors never revive, ModelPruner's rule).
     */
    @CpuTwin(SEL + "selectCapped")
    public GlobalSelector.CappedResult selectCapped(List<PruneTensor> tensors, Criterion criterion,
                                                    long keep, double[] minDensity, double[] maxDensity,
                                                    boolean zeroWeights, boolean zeroOptimizer) {
        String op = "GpuPruneOps.selectCapped";
        PruneTable layout = check(op, tensors, criterion, false, null, ctx);
        long[][] bounds = GlobalSelector.cappedBounds(op, layout.lengths.clone(), t -> tensors.get(t).name(),
                minDensity, maxDensity);
        GlobalSelector.checkCappedKeep(op, keep, bounds, layout.lengths);
        // Counting view: same scores (maskIn ranks pruned elements last, not sticky: the rounds count the decision,
        // like the CPU's), no output, no flags: the mask pass only counts.
        List<PruneTensor> counting = new ArrayList<>(tensors.size());
        for (PruneTensor p : tensors) {
            counting.add(new PruneTensor(p.name(), p.length(), p.weights(), p.grads(), p.scores(), p.maskIn(), null,
                    null, null, null, false));
        }
        GlobalSelector.CappedPlan plan = GlobalSelector.cappedRounds(op, bounds[0], bounds[1], keep,
                (active, budget) -> select(pick(counting, active), criterion, budget, false, false).keptPerTensor());
        // The writing passes: the free tensors' global selection, then each clamped tensor's own top count.
        long[] written = new long[layout.tensors()];
        long[] free = select(pick(tensors, plan.free()), criterion, plan.freeBudget(), zeroWeights,
                zeroOptimizer).keptPerTensor();
        for (int j = 0; j < plan.free().length; j++) written[plan.free()[j]] = free[j];
        int[] clamped = plan.clampedTensors();
        if (clamped.length > 0) {
            List<PruneTensor> sub = pick(tensors, clamped);
            PruneTable subLayout = check(op, sub, criterion, false, null, ctx);
            long[] each = new long[clamped.length];
            for (int j = 0; j < clamped.length; j++) each[j] = plan.kept()[clamped[j]];
            GpuSelection[] sel = selectOn(sub, criterion, subLayout, encode(subLayout, sub), each,
                    flags(zeroWeights, zeroOptimizer), false);
            for (int j = 0; j < clamped.length; j++) written[clamped[j]] = sel[j].keptPerTensor()[0];
        }
        return new GlobalSelector.CappedResult(written, plan.clamped(), plan.rounds());
    }

    private static List<PruneTensor> pick(List<PruneTensor> ts, int[] idx) {
        List<PruneTensor> out = new ArrayList<>(idx.length);
        for (int t : idx) out.add(ts.get(t));
        return out;
    }

    /** Selections of at least this many elements may take the compacting path (smaller ones are launch-bound). */
    static final long COMPACT_MIN = 1L << 20;
    /** Global indices must fit the tie resolution's 3 x 16 bits. */
    static final long MAX_TOTAL = 1L << 48;

    private long compaction = -1;

    /**
     * Candidate capacity of the compacting selection path (tests and benchmarks compare the paths): -1 (the default)
     * = automatic (selections of ≥ 2^20 elements, capacity total/16 clamped to [2^16, 2^22]); 0 = never (three passes
     * over the data); > 0 = this capacity for every selection. The device takes the compacting path only when the
     * boundary bucket fits the capacity, else the three-pass path: the result is the same either way.
     */
    public void setCompaction(long capacity) {
        if (capacity < -1) throw new IllegalArgumentException("GpuPruneOps.setCompaction: capacity "
                + capacity + " < -1");
        compaction = capacity;
    }

    private long compacted, shared, sharedAttempts;

    /** Selections so far that took the compacting path (tests check that the path they force was taken). */
    long compactedSelections() { return compacted; }

    /** Selections so far that took the shared-histogram path (counted among the compacted ones too). */
    long sharedHistogramSelections() { return shared; }

    /** Selections so far that tried the shared-histogram path (taken or fallen back). */
    long sharedHistogramAttempts() { return sharedAttempts; }

    private boolean sharedHistogram = true;
    private boolean bracketing;
    /** Global selections of at least this many elements may take the bracket path (tests lower it). */
    long bracketMin = COMPACT_MIN;
    private long bracketed, bracketAttempts;

    /** Selections so far that took the bracket path (counted among the compacted ones too). */
    long bracketSelections() { return bracketed; }

    /** Selections so far that tried the bracket path (taken, or missed and handed to the other paths). */
    long bracketAttempts() { return bracketAttempts; }

    /**
     * Whether global selections whose every tensor writes its mask to a buffer of its own ({@code maskOut} non-null
     * and not {@code maskIn}) take the sample-bracket path (docs/GPU-PRUNE.md; default off): one read of w and g
     * instead of two, exact like the others, with a fallback on the device when the sample's bracket misses. The
     * masks are written before the last input is checked, so after a FAULT the output masks hold partial results
     * (w, g, the optimizer states and maskIn are untouched, as on every path): for callers whose output masks are
     * scratch until the call succeeds, like GpuBackend's fresh masks.
     */
    public void setBracketing(boolean on) { bracketing = on; }

    /**
     * Whether a selection that may compact first tries the shared-histogram path (docs/GPU-PRUNE.md; default on): its
     * first pass histograms the top 11 bits of the keys in shared memory per chunk instead of 16 bits with a global
     * atomic per element. When its boundary bucket exceeds the capacity the device falls back to the other paths (one
     * more read of the inputs); the result is the same on every path. Benchmarks time both.
     */
    public void setSharedHistogram(boolean on) { sharedHistogram = on; }

    long capacityFor(long total) {
        if (compaction >= 0) return Math.min(compaction, total);
        if (total < COMPACT_MIN) return 0;
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
    private GpuSelection[] selectOn(List<PruneTensor> ts, Criterion c, PruneTable layout, long[] tableRows, long[] keep,
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
        boolean bracket = global && bracketing && layout.total() >= bracketMin && cap[0] > 0 && keep[0] >= 1
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
                    k.sampleHist(table, tensors, chunks, crit, hist, st);
                    k.findBracket(hist, sampled, layout.total(), st);
                    k.bracketSplit(table, tensors, chunks, crit, st, candLow, candIdx, keptPtr);
                    k.bracketCheck(st, keptPtr, nt);
                    // One round trip: did the bracket hold (or fault)? Then none of the other paths' kernels is
                    // queued — at 1e8 elements their early-exit grids (~24 000 blocks each, seven of them) would cost
                    // more than the wait for one state word.
                    bracketHeld = firstState(ioDev)[PruneTable.S_BR] != 0;
                    GpuInternals.mark(ctx, "select: bracket pass and check (one round trip)");
                    if (bracketHeld) continue;
                }
                if (cap[s] > 0 && sharedHistogram) {
                    k.hist11(table, tensors, chunks, crit, hist, st);
                    k.find11(hist, 0, st);  // takes the selection, or leaves it to the kernels below
                    sharedAttempts++;
                    if (global) {
                        sharedKnown = true;
                        sharedTaken = firstState(ioDev)[PruneTable.S_V3] != 0;
                        if (sharedTaken) continue;
                    }
                }
                k.hist(table, tensors, chunks, crit, 0, hist, st);
                k.find(hist, 0, -1, st);
                k.hist(table, tensors, chunks, crit, 1, hist, st);  // returns at once on the compacting path
                k.find(hist, 1, 0, st);
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
                    k.ties(table, tensors, chunks, crit, st, chunkTies);
                    k.scan(chunkTies, chunks, st, tiesBefore);
                    k.mask(table, tensors, chunks, crit, PruneTable.MODE_SELECT, flags, st, tiesBefore, keptPtr);
                }
                if (cap[s] > 0) {
                    if (sixteen) {
                        k.split(table, tensors, chunks, crit, flags, st, candLow, candIdx, keptPtr);
                        k.candHist(candLow, cap[s], st, hist);
                        k.find(hist, 1, 1, st);
                    }
                    if (sharedHistogram && !bracketHeld && (!sharedKnown || sharedTaken)) {
                        k.split11(table, tensors, chunks, crit, flags, st, candLow, candIdx, keptPtr);
                        k.candHist11(candLow, cap[s], 0, st, hist);
                        k.find11(hist, 1, st);
                        k.candHist11(candLow, cap[s], 1, st, hist);
                        k.find11(hist, 2, st);
                    }
                    if (bracketHeld) {
                        for (int level = 0; level < 2; level++) {
                            k.candHistBr(candLow, cap[s], level, st, hist);
                            k.findBr(hist, level, st);
                        }
                    }
                    for (int level = 0; level < 3; level++) {  // ties by index, for every compacting path
                        k.candIndexHist(candLow, candIdx, cap[s], level, st, hist);
                        k.findIndex(hist, level, st);
                    }
                    k.candApply(table, tensors, candLow, candIdx, cap[s], flags, st, keptPtr);
                    if (bracketHeld) k.bracketZero(table, tensors, chunks, flags, st);
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

    /**
     * Checks every element {@code criterion} reads (the first pass of every selection, alone): throws
     * IllegalArgumentException naming the tensor, index and value of the lowest non-finite input (NaN score for USER).
     * Reads only. Used before a sequence of per-tensor steps (N:M) so that a fault in a later tensor writes nothing.
     */
    @CpuTwin("dev.jprune.prune.CriterionScoreSource#scores")
    public void validate(List<PruneTensor> tensors, Criterion criterion) {
        PruneTable layout = check("GpuPruneOps.validate", tensors, criterion, false, null, ctx);
        if (layout.total() == 0) return;
        try (DeviceBuffer tab = uploadTable(layout, tensors);
             DeviceBuffer state = ctx.allocLong(PruneTable.STATE_LONGS)) {
            long[] s = freshStates(1, null);
            state.upload(s);
            k.hist(row(tab, 0), layout.tensors(), layout.chunks(), PruneTable.criterionCode(criterion),
                    2, null, slot(state, 0));
            GpuInternals.download(state, s);
            throwIfBad("GpuPruneOps.validate", tensors, layout, criterion, s[PruneTable.S_BAD]);
        }
    }

    /**
     * Threshold mode: keeps exactly the elements with score ≥ eps (float comparison: −0.0 ≥ 0.0): a validating pass,
     * then the mask pass. Modifies maskOut and weights / opt buffers per the flags. Returns the kept count per tensor.
     */
    @CpuTwin(SEL + "threshold")
    public long[] threshold(List<PruneTensor> tensors, Criterion criterion, float eps, boolean zeroWeights,
                            boolean zeroOptimizer) {
        if (Float.isNaN(eps)) throw new IllegalArgumentException("GpuPruneOps.threshold: eps is NaN");
        PruneTable layout = check("GpuPruneOps.threshold", tensors, criterion, false, null, ctx);
        int nt = layout.tensors();
        if (layout.total() == 0) return new long[nt];
        int crit = PruneTable.criterionCode(criterion);
        try (DeviceBuffer tab = uploadTable(layout, tensors);
             DeviceBuffer state = ctx.allocLong(PruneTable.STATE_LONGS);
             DeviceBuffer kept = ctx.allocLong(nt)) {
            long[] s = freshStates(1, null);
            s[PruneTable.S_TKEY] = dev.jprune.prune.ScoreKeys.key(eps);
            state.upload(s);
            GpuInternals.zero(kept);
            CUdeviceptr st = slot(state, 0);
            k.hist(row(tab, 0), nt, layout.chunks(), crit, 2, null, st);  // validate only (writes no histogram)
            k.mask(row(tab, 0), nt, layout.chunks(), crit, PruneTable.MODE_THRESHOLD,
                    flags(zeroWeights, zeroOptimizer), st, null, GpuInternals.pointer(kept, 0));
            GpuInternals.download(state, s);
            throwIfBad("GpuPruneOps.threshold", tensors, layout, criterion, s[PruneTable.S_BAD]);
            long[] out = new long[nt];
            GpuInternals.download(kept, out);
            return out;
        }
    }

    /**
     * N:M on one tensor viewed as [length / rowLength, rowLength]: every group of m consecutive elements of a row keeps
     * its min(n, r) highest scores, ties to the lower index (NmSparsity). Modifies maskOut and weights / opt buffers
     * per the flags. Returns the kept count.
     */
    @CpuTwin("dev.jprune.prune.NmSparsity#apply")
    public long nm(PruneTensor tensor, Criterion criterion, int rowLength, int n, int m, boolean zeroWeights,
                   boolean zeroOptimizer) {
        PruneTable layout = check("GpuPruneOps.nm", List.of(tensor), criterion, false, null, ctx);
        checkNm(tensor.name(), tensor.length(), rowLength, n, m);
        if (tensor.length() == 0) return 0;
        long groups = tensor.length() / rowLength * ((rowLength + m - 1) / m);
        int crit = PruneTable.criterionCode(criterion);
        // Zeroing w inside the ranking pass would change the scores later ranks of the same group read: then the
        // mask is written first (into a scratch mask if the tensor has none) and w is zeroed from it (phase 2).
        boolean deferW = zeroWeights && criterion.readsWeight();
        try (DeviceBuffer scratch = deferW && tensor.maskOut() == null ? ctx.allocBytes(tensor.length()) : null) {
            PruneTensor tt = scratch == null ? tensor : tensor.withMasks(tensor.maskIn(), scratch);
            return nmOn(tt, layout, crit, rowLength, n, m, groups, deferW, flags(zeroWeights && !deferW, zeroOptimizer),
                    criterion);
        }
    }

    private long nmOn(PruneTensor tensor, PruneTable layout, int crit, int rowLength, int n, int m,
                      long groups, boolean deferW, int fl, Criterion criterion) {
        try (DeviceBuffer tab = uploadTable(layout, List.of(tensor));
             DeviceBuffer state = ctx.allocLong(PruneTable.STATE_LONGS);
             DeviceBuffer kept = ctx.allocLong(1)) {
            long[] s = freshStates(1, null);
            state.upload(s);
            GpuInternals.zero(kept);
            k.nm(row(tab, 0), crit, rowLength, n, m, 0, fl, slot(state, 0), GpuInternals.pointer(kept, 0), groups);
            k.nm(row(tab, 0), crit, rowLength, n, m, 1, fl, slot(state, 0), GpuInternals.pointer(kept, 0), groups);
            if (deferW) k.nm(row(tab, 0), crit, rowLength, n, m, 2, 0, slot(state, 0),
                    GpuInternals.pointer(kept, 0), groups);
            GpuInternals.download(state, s);
            throwIfBad("GpuPruneOps.nm", List.of(tensor), layout, criterion, s[PruneTable.S_BAD]);
            long[] out = new long[1];
            GpuInternals.download(kept, out);
            return out[0];
        }
    }

    /** NmSparsity's argument rules (pure; GPU-free tests use it). */
    static void checkNm(String name, long size, int rowLength, int n, int m) {
        if (m < 1 || n < 0 || n > m) throw new IllegalArgumentException("N:M: need 0 <= N <= M and M >= 1, got "
                + n + ":" + m);
        if (rowLength < 1 || size % rowLength != 0) {
            throw new IllegalArgumentException("N:M: " + name + " has " + size
                    + " elements, not a whole number of rows of " + rowLength);
        }
    }

    // ------------------------------------------------------------------------------------------- structured
    /**
     * Group scores (L1 / L2 of the element scores of each row / filter) of every tensor in one launch, into a new FLOAT
     * buffer of Σ groups (tensor t's groups at {@link PruneTable#groupOffset}); the caller closes it. Bit-identical to
     * {@link Structured#groupScores}.
     */
    @CpuTwin("dev.jprune.prune.Structured#groupScores")
    public DeviceBuffer groupScores(List<PruneTensor> tensors, Criterion criterion, int[] groups,
                                    Structured.Norm norm) {
        PruneTable layout = check("GpuPruneOps.groupScores", tensors, criterion, false, toLong(groups, tensors), ctx);
        DeviceBuffer out = ctx.allocFloat(Math.max(1, layout.totalGroups()));
        boolean ok = false;
        try (DeviceBuffer tab = uploadTable(layout, tensors);
             DeviceBuffer state = ctx.allocLong(PruneTable.STATE_LONGS)) {
            groupScoresOn(tensors, criterion, layout, tab, norm, out, state);
            ok = true;
            return out;
        } finally {
            if (!ok) out.close();
        }
    }

    private void groupScoresOn(List<PruneTensor> ts, Criterion c, PruneTable layout, DeviceBuffer tab,
                               Structured.Norm norm, DeviceBuffer out, DeviceBuffer state) {
        long[] s = freshStates(1, null);
        state.upload(s);
        if (layout.totalGroups() > 0) {
            k.groupScores(row(tab, 0), layout.tensors(), PruneTable.criterionCode(c),
                    norm == Structured.Norm.L1 ? 0 : 1, layout.totalGroups(), out, slot(state, 0));
        }
        GpuInternals.download(state, s);
        throwIfBad("GpuPruneOps.groupScores", ts, layout, c, s[PruneTable.S_BAD]);
    }

    private static long[] toLong(int[] groups, List<PruneTensor> ts) {
        if (groups == null) throw new IllegalArgumentException("structured: null group counts");
        if (ts != null && groups.length != ts.size()) throw new IllegalArgumentException("structured: " + groups.length
                + " group counts for " + ts.size() + " tensors");
        long[] g = new long[groups.length];
        for (int i = 0; i < g.length; i++) g[i] = groups[i];
        return g;
    }

    /**
     * Result of a structured step: the selection on the group scores, the kept elements per tensor, and the kept group
     * indices of each tensor, ascending (Structured.Result#keptGroups).
     */
    public record StructuredResult(GpuSelection[] groupSelections, long[] keptElements, int[][] keptGroups) {}

    /**
     * Structured, global scope: the keepGroups highest group scores over all tensors are kept (Structured.global),
     * expanded to element masks. Modifies maskOut and weights / opt buffers per the flags.
     */
    @CpuTwin("dev.jprune.prune.Structured#global")
    public StructuredResult structuredGlobal(List<PruneTensor> tensors, Criterion criterion, int[] groups,
                                             Structured.Norm norm, long keepGroups, boolean zeroWeights,
                                             boolean zeroOptimizer) {
        return structured(tensors, criterion, groups, norm, keepGroups, null, Float.NaN, zeroWeights, zeroOptimizer);
    }

    /**
     * Structured threshold: keeps exactly the groups whose score is at least {@code eps} (Structured.threshold),
     * expanded to element masks. The group scores (Σ groups floats) are compared on the host: one small download and
     * upload. Modifies maskOut and weights / opt buffers per the flags.
     */
    @CpuTwin("dev.jprune.prune.Structured#threshold")
    public StructuredResult structuredThreshold(List<PruneTensor> tensors, Criterion criterion, int[] groups,
            Structured.Norm norm,
                                                float eps, boolean zeroWeights, boolean zeroOptimizer) {
        if (Float.isNaN(eps)) throw new IllegalArgumentException("GpuPruneOps.structuredThreshold: eps is NaN");
        return structured(tensors, criterion, groups, norm, -1, null, eps, zeroWeights, zeroOptimizer);
    }

    /**
     * Structured, per-layer scope: tensor t keeps keepForSparsity(groups[t], sparsity[t]) groups (Structured.perLayer).
     */
    @CpuTwin("dev.jprune.prune.Structured#perLayer")
    public StructuredResult structuredPerLayer(List<PruneTensor> tensors, Criterion criterion, int[] groups,
                                               Structured.Norm norm, double[] sparsity, boolean zeroWeights,
                                               boolean zeroOptimizer) {
        if (sparsity == null) throw new IllegalArgumentException("structuredPerLayer: null sparsities");
        return structured(tensors, criterion, groups, norm, -1, sparsity, Float.NaN, zeroWeights, zeroOptimizer);
    }

    private StructuredResult structured(List<PruneTensor> ts, Criterion c, int[] groups,
                                        Structured.Norm norm, long keepGroups, double[] sparsity, float eps,
                                        boolean zeroWeights, boolean zeroOptimizer) {
        boolean threshold = !Float.isNaN(eps);
        String op = threshold ? "GpuPruneOps.structuredThreshold"
                : sparsity == null ? "GpuPruneOps.structuredGlobal" : "GpuPruneOps.structuredPerLayer";
        PruneTable layout = check(op, ts, c, false, toLong(groups, ts), ctx);
        int nt = layout.tensors();
        if (sparsity == null && !threshold) checkKeep(op, keepGroups, layout.totalGroups());
        long gTotal = layout.totalGroups();
        try (DeviceBuffer tab = uploadTable(layout, ts); DeviceBuffer state = ctx.allocLong(PruneTable.STATE_LONGS);
             DeviceBuffer gs = ctx.allocFloat(Math.max(1, gTotal));
             DeviceBuffer gm = ctx.allocBytes(Math.max(1, gTotal));
             DeviceBuffer kept = ctx.allocLong(Math.max(1, nt))) {
            // Sparsities are checked (by perLayer below) before anything is written; group scores only read.
            groupScoresOn(ts, c, layout, tab, norm, gs, state);
            // The group table: tensor t's group scores as a USER score buffer, its group mask as the output mask.
            long[] glen = new long[nt];
            long[][] gp = new long[nt][];
            List<PruneTensor> gts = new java.util.ArrayList<>(nt);
            for (int t = 0; t < nt; t++) {
                glen[t] = groups[t];
                long off = layout.groupOffset(t);
                gp[t] = new long[] {0, 0, GpuInternals.address(gs, off), 0, GpuInternals.address(gm, off), 0, 0, 0};
                gts.add(new PruneTensor(ts.get(t).name() + " (groups)", groups[t], null, null, null, null,
                        null, null, null, null));
            }
            PruneTable gl = PruneTable.layout(glen);
            long[] keep = {keepGroups};
            if (sparsity != null) {
                // checked even when there are no groups at all (GlobalSelector.perLayer always checks them)
                if (sparsity.length != nt) throw new IllegalArgumentException(op + ": " + sparsity.length
                        + " sparsities for " + nt + " tensors");
                keep = new long[nt];
                for (int t = 0; t < nt; t++) {
                    if (!(sparsity[t] >= 0.0 && sparsity[t] <= 1.0)) {
                        throw new IllegalArgumentException(op + ": sparsity of " + ts.get(t).name()
                                + " must be in [0, 1], got " + sparsity[t]);
                    }
                    keep[t] = GlobalSelector.keepForSparsity(groups[t], sparsity[t]);
                }
            }
            GpuSelection[] sel;
            if (threshold) {
                // score >= eps as a float comparison, as GlobalSelector.threshold (group scores are never NaN).
                float[] hs = new float[(int) gTotal];
                if (gTotal > 0) gs.download(hs);
                byte[] hm = new byte[hs.length];
                for (int g = 0; g < hs.length; g++) hm[g] = (byte) (hs[g] >= eps ? 1 : 0);
                if (gTotal > 0) gm.upload(hm);
                sel = new GpuSelection[0];
            } else if (gl.total() == 0) {
                // no groups: one empty selection (global) or one per tensor (per layer), like selectOn's
                sel = new GpuSelection[sparsity == null ? 1 : nt];
                for (int i = 0; i < sel.length; i++) sel[i] = new GpuSelection(0, 0, 0, 0, 0, 0,
                        new long[sparsity == null ? nt : 1]);
            } else {
                sel = selectOn(gts, Criterion.USER, gl, gl.encode(gp, null), keep, 0, sparsity == null);
            }
            GpuInternals.zero(kept);
            if (layout.chunks() > 0) {
                long maxGroupLen = 0;
                for (int t = 0; t < nt; t++) {
                    if (groups[t] > 0) maxGroupLen = Math.max(maxGroupLen, ts.get(t).length() / groups[t]);
                }
                k.expand(row(tab, 0), nt, layout.chunks(), maxGroupLen, gm, flags(zeroWeights, zeroOptimizer),
                        GpuInternals.pointer(kept, 0));
            }
            long[] ke = new long[nt];
            GpuInternals.download(kept, ke);
            return new StructuredResult(sel, ke, keptGroups(gm, layout, groups));
        }
    }

    /**
     * Applies an existing BYTE mask of {@code tensor.length()} elements (1 keep): zeroes the weights and / or the
     * optimizer states where it is 0, and writes it to maskOut when there is one (jp_prune_expand with one-element
     * groups). Returns the kept count. Modifies the weights / opt buffers per the flags, and maskOut.
     */
    @CpuTwin("dev.jprune.nn.Parameter#applyMask")
    public long applyMask(PruneTensor tensor, DeviceBuffer mask, boolean zeroWeights, boolean zeroOptimizer) {
        long n = tensor.length();
        if (tensor == null) throw new IllegalArgumentException("GpuPruneOps.applyMask: null tensor");
        if (mask == null) throw new IllegalArgumentException("GpuPruneOps.applyMask: " + tensor.name() + ": null mask");
        PruneTable layout = checkTensors("GpuPruneOps.applyMask", List.of(tensor), null, false, new long[] {n}, ctx);
        need("GpuPruneOps.applyMask: " + tensor.name(), "mask", mask, DeviceBuffer.Type.BYTE, n, ctx);
        if (n == 0) return 0;
        try (DeviceBuffer tab = uploadTable(layout, List.of(tensor)); DeviceBuffer kept = ctx.allocLong(1)) {
            GpuInternals.zero(kept);
            k.expand(row(tab, 0), 1, layout.chunks(), 1, mask, flags(zeroWeights, zeroOptimizer),
                    GpuInternals.pointer(kept, 0));
            long[] out = new long[1];
            GpuInternals.download(kept, out);
            return out[0];
        }
    }

    /** The kept group indices per tensor from the device group mask (Σ groups bytes: one small download). */
    private static int[][] keptGroups(DeviceBuffer groupMask, PruneTable layout, int[] groups) {
        byte[] gm = new byte[(int) layout.totalGroups()];
        if (gm.length > 0) groupMask.download(gm);
        int[][] out = new int[groups.length][];
        for (int t = 0; t < groups.length; t++) {
            int off = (int) layout.groupOffset(t), n = 0;
            for (int q = 0; q < groups[t]; q++) n += gm[off + q];
            out[t] = new int[n];
            for (int q = 0, j = 0; q < groups[t]; q++) if (gm[off + q] != 0) out[t][j++] = q;
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------- statistics
    /**
     * ScoreAccumulator.accumulate on the device: each tensor's {@code scores} buffer s gets the batch statistic
     * x = criterion(w, g): SUM s = s + x; EMA s = m·s + (1 − m)·x ((1 − m) rounded to float once, products rounded,
     * no FMA). Inputs are validated first; a fault leaves every buffer unchanged. Modifies the score buffers only.
     */
    @CpuTwin("dev.jprune.prune.ScoreAccumulator#accumulate")
    public void accumulate(List<PruneTensor> tensors, Criterion criterion, ScoreAccumulator.Mode mode, float momentum) {
        try (Accumulation a = accumulation(tensors, criterion, mode, momentum)) {
            a.step();
            a.checkNow();
        }
    }

    /**
     * {@link #accumulate} over many batches without a host synchronisation per batch (training steps): the table is
     * uploaded once, {@link Accumulation#step} only queues the kernels, and {@link Accumulation#check} reads the
     * fault state. After a batch with a non-finite input, that batch and every later one change nothing (the
     * device state records the fault), so the buffers keep the sum of the batches before it.
     * The tensors' buffers must stay allocated until {@link Accumulation#close}.
     */
    @CpuTwin("dev.jprune.prune.ScoreAccumulator#accumulate")
    public Accumulation accumulation(List<PruneTensor> tensors, Criterion criterion, ScoreAccumulator.Mode mode,
                                     float momentum) {
        if (criterion == Criterion.USER) throw new IllegalArgumentException("GpuPruneOps.accumulate: criterion USER "
                + "has no per-batch formula");
        if (mode == ScoreAccumulator.Mode.EMA && !(momentum >= 0f && momentum < 1f)) {
            throw new IllegalArgumentException("GpuPruneOps.accumulate: EMA momentum must be in [0, 1), got "
                    + momentum);
        }
        PruneTable layout = check("GpuPruneOps.accumulate", tensors, criterion, false, null, ctx);
        for (PruneTensor p : tensors) {
            if (p.scores() == null) throw new IllegalArgumentException("GpuPruneOps.accumulate: " + p.name()
                    + " has no score buffer");
        }
        return new Accumulation(List.copyOf(tensors), layout, criterion, mode == ScoreAccumulator.Mode.EMA, momentum);
    }

    /** Device score accumulation over a fixed tensor table; see {@link #accumulation}. Not thread-safe. */
    public final class Accumulation implements AutoCloseable {
        private final List<PruneTensor> tensors;
        private final PruneTable layout;
        private final Criterion criterion;
        private final int crit;
        private final boolean ema;
        private final float momentum, c1m;
        private final DeviceBuffer tab, state;  // null when the tensors hold no element

        private Accumulation(List<PruneTensor> tensors, PruneTable layout, Criterion criterion,
                             boolean ema, float momentum) {
            this.tensors = tensors;
            this.layout = layout;
            this.criterion = criterion;
            this.crit = PruneTable.criterionCode(criterion);
            this.ema = ema;
            this.momentum = momentum;
            this.c1m = 1f - momentum;
            if (layout.total() == 0) {
                tab = state = null;
                return;
            }
            tab = uploadTable(layout, tensors);
            DeviceBuffer st = null;
            try {
                st = ctx.allocLong(PruneTable.STATE_LONGS);
                st.upload(freshStates(1, null));
            } catch (RuntimeException e) {
                tab.close();
                if (st != null) st.close();
                throw e;
            }
            state = st;
        }

        /**
         * Queues one batch: phase 0 validates, phase 1 updates unless a fault was ever recorded. Modifies the scores.
         */
        public void step() {
            if (tab == null) return;
            k.accumulate(row(tab, 0), layout.tensors(), layout.chunks(), crit, ema, momentum, c1m, 0, slot(state, 0));
            k.accumulate(row(tab, 0), layout.tensors(), layout.chunks(), crit, ema, momentum, c1m, 1, slot(state, 0));
        }

        /**
         * The same accumulation fused into the optimizer step of tensor t ({@link StepScores}: the step must
         * read this tensor's weights and gradients), sharing this accumulation's fault state, so {@link #check} covers
         * both. Unlike {@link #step}, a fused step cannot hold back its writes after a fault: once check() reports one,
         * the sums are invalid. Null when the tensors hold no element.
         */
        public StepScores stepScores(int t) {
            if (t < 0 || t >= tensors.size()) throw new IllegalArgumentException("Accumulation.stepScores: tensor " + t
                    + " not in [0, " + tensors.size() + ")");
            if (state == null) return null;
            return new StepScores(tensors.get(t).scores(), crit, ema, momentum, state, layout.offset(t));
        }

        /** Waits for the queued batches; throws IllegalArgumentException naming the first faulty element, if any. */
        public void check() {
            if (state == null) return;
            long[] s = new long[PruneTable.STATE_LONGS];
            GpuInternals.download(state, s);
            throwIfBad("GpuPruneOps.accumulate", tensors, layout, criterion, s[PruneTable.S_BAD], false);
        }

        /** check() right after one step: the inputs are unchanged, so the message can show the faulty value. */
        private void checkNow() {
            if (state == null) return;
            long[] s = new long[PruneTable.STATE_LONGS];
            GpuInternals.download(state, s);
            throwIfBad("GpuPruneOps.accumulate", tensors, layout, criterion, s[PruneTable.S_BAD], true);
        }

        @Override
        public void close() {
            if (tab != null) tab.close();
            if (state != null) state.close();
        }
    }

    /**
     * Σ x² over many tensors in one pass (reduce.cu: double partials, fixed order) with per-tensor sums in the same
     * pass — the global norm for clip-by-norm is sqrt of the result. Modifies only {@code perTensor}.
     */
    @CpuTwin("dev.jprune.cpu.CpuKernels#sumSquares")
    public double sumSquares(List<DeviceBuffer> tensors, double[] perTensor) {
        return ops.reductions().sumSquares(tensors, perTensor);
    }
}
