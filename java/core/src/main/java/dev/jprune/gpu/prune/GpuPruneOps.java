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

import java.util.List;

import static dev.jprune.gpu.prune.PruneChecks.check;
import static dev.jprune.gpu.prune.PrunePasses.freshStates;
import static dev.jprune.gpu.prune.PrunePasses.row;
import static dev.jprune.gpu.prune.PrunePasses.slot;

/**
 * GPU pruning: fused score + exact top-k selection over many tensors, per-layer and threshold scopes, N:M and
 * structured masks, score accumulation and multi-tensor norms — each the twin ({@link CpuTwin}) of a CPU method whose
 * result it reproduces bit for bit (masks, threshold bits, tie budget, kept counts). The passes are in
 * docs/GPU-PRUNE.md and native/prune_*.cu.
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
 *
 * <p>This class is the driver over the package's strategies, which run the passes: {@code SelectionScopes} (global,
 * per-layer, capped and threshold selections, over {@code SelectionPaths}' four device paths), {@code NmPasses},
 * {@code StructuredPasses}, and the {@link Accumulation} below.
 */
public final class GpuPruneOps {
    private static final String SEL = "dev.jprune.prune.GlobalSelector#";
    /** Selections of at least this many elements may take the compacting path (smaller ones are launch-bound). */
    static final long COMPACT_MIN = 1L << 20;

    private final GpuContext ctx;
    private final GpuOps ops;
    private final PrunePasses passes;
    private final SelectionPaths paths;
    private final SelectionScopes scopes;
    private final NmPasses nmPasses;
    private final StructuredPasses structuredPasses;
    private final PruneAccumulateKernels accumulateKernels;
    /** Global selections of at least this many elements may take the bracket path (tests lower it). */
    long bracketMin = COMPACT_MIN;

    public GpuPruneOps(GpuContext ctx) {
        this.ctx = ctx;
        this.ops = new GpuOps(ctx);
        this.passes = new PrunePasses(ctx);
        this.paths = new SelectionPaths(ctx, () -> bracketMin);
        this.scopes = new SelectionScopes(ctx, paths);
        this.nmPasses = new NmPasses(ctx);
        this.structuredPasses = new StructuredPasses(ctx, paths);
        this.accumulateKernels = new PruneAccumulateKernels(ctx);
    }

    public GpuContext context() { return ctx; }

    // ------------------------------------------------------------------------------------------- selection
    /**
     * Exact global selection of the {@code keep} highest scores over all tensors, then the mask pass: writes each
     * tensor's maskOut (if non-null), zeroes weights / optimizer states at pruned positions when asked. Modifies
     * maskOut, and weights / opt buffers per the flags. Returns the selection (same fields as the CPU's).
     */
    @CpuTwin({SEL + "select", "dev.jprune.prune.SelectionReference#select"})
    public GpuSelection select(List<PruneTensor> tensors, Criterion criterion, long keep, boolean zeroWeights,
                               boolean zeroOptimizer) {
        return scopes.select(tensors, criterion, keep, zeroWeights, zeroOptimizer);
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
        return scopes.perLayer(tensors, criterion, sparsity, zeroWeights, zeroOptimizer);
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
        return scopes.selectCapped(tensors, criterion, keep, minDensity, maxDensity, zeroWeights, zeroOptimizer);
    }

    /**
     * Candidate capacity of the compacting selection path (tests and benchmarks compare the paths): -1 (the default)
     * = automatic (selections of ≥ 2^20 elements, capacity total/16 clamped to [2^16, 2^22]); 0 = never (three passes
     * over the data); > 0 = this capacity for every selection. The device takes the compacting path only when the
     * boundary bucket fits the capacity, else the three-pass path: the result is the same either way.
     */
    public void setCompaction(long capacity) {
        if (capacity < -1) throw new IllegalArgumentException("GpuPruneOps.setCompaction: capacity "
                + capacity + " < -1");
        paths.compaction = capacity;
    }

    /** Selections so far that took the compacting path (tests check that the path they force was taken). */
    long compactedSelections() { return paths.compacted; }

    /** Selections so far that took the shared-histogram path (counted among the compacted ones too). */
    long sharedHistogramSelections() { return paths.shared; }

    /** Selections so far that tried the shared-histogram path (taken or fallen back). */
    long sharedHistogramAttempts() { return paths.sharedAttempts; }

    /** Selections so far that took the bracket path (counted among the compacted ones too). */
    long bracketSelections() { return paths.bracketed; }

    /** Selections so far that tried the bracket path (taken, or missed and handed to the other paths). */
    long bracketAttempts() { return paths.bracketAttempts; }

    /**
     * Whether global selections whose every tensor writes its mask to a buffer of its own ({@code maskOut} non-null
     * and not {@code maskIn}) take the sample-bracket path (docs/GPU-PRUNE.md; default off): one read of w and g
     * instead of two, exact like the others, with a fallback on the device when the sample's bracket misses. The
     * masks are written before the last input is checked, so after a FAULT the output masks hold partial results
     * (w, g, the optimizer states and maskIn are untouched, as on every path): for callers whose output masks are
     * scratch until the call succeeds, like GpuBackend's fresh masks.
     */
    public void setBracketing(boolean on) { paths.bracketing = on; }

    /**
     * Whether a selection that may compact first tries the shared-histogram path (docs/GPU-PRUNE.md; default on): its
     * first pass histograms the top 11 bits of the keys in shared memory per chunk instead of 16 bits with a global
     * atomic per element. When its boundary bucket exceeds the capacity the device falls back to the other paths (one
     * more read of the inputs); the result is the same on every path. Benchmarks time both.
     */
    public void setSharedHistogram(boolean on) { paths.sharedHistogram = on; }

    /**
     * Checks every element {@code criterion} reads (the first pass of every selection, alone): throws
     * IllegalArgumentException naming the tensor, index and value of the lowest non-finite input (NaN score for USER).
     * Reads only. Used before a sequence of per-tensor steps (N:M) so that a fault in a later tensor writes nothing.
     */
    @CpuTwin("dev.jprune.prune.CriterionScoreSource#scores")
    public void validate(List<PruneTensor> tensors, Criterion criterion) {
        scopes.validate(tensors, criterion);
    }

    /**
     * Threshold mode: keeps exactly the elements with score ≥ eps (float comparison: −0.0 ≥ 0.0): a validating pass,
     * then the mask pass. Modifies maskOut and weights / opt buffers per the flags. Returns the kept count per tensor.
     */
    @CpuTwin(SEL + "threshold")
    public long[] threshold(List<PruneTensor> tensors, Criterion criterion, float eps, boolean zeroWeights,
                            boolean zeroOptimizer) {
        return scopes.threshold(tensors, criterion, eps, zeroWeights, zeroOptimizer);
    }

    /**
     * N:M on one tensor viewed as [length / rowLength, rowLength]: every group of m consecutive elements of a row keeps
     * its min(n, r) highest scores, ties to the lower index (NmSparsity). Modifies maskOut and weights / opt buffers
     * per the flags. Returns the kept count.
     */
    @CpuTwin("dev.jprune.prune.NmSparsity#apply")
    public long nm(PruneTensor tensor, Criterion criterion, int rowLength, int n, int m, boolean zeroWeights,
                   boolean zeroOptimizer) {
        return nmPasses.nm(tensor, criterion, rowLength, n, m, zeroWeights, zeroOptimizer);
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
        return structuredPasses.groupScores(tensors, criterion, groups, norm);
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
        return structuredPasses.structured(tensors, criterion, groups, norm, keepGroups, null, Float.NaN, zeroWeights,
                zeroOptimizer);
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
        return structuredPasses.structured(tensors, criterion, groups, norm, -1, null, eps, zeroWeights, zeroOptimizer);
    }

    /**
     * Structured, per-layer scope: tensor t keeps keepForSparsity(groups[t], sparsity[t]) groups (Structured.perLayer).
     */
    @CpuTwin("dev.jprune.prune.Structured#perLayer")
    public StructuredResult structuredPerLayer(List<PruneTensor> tensors, Criterion criterion, int[] groups,
                                               Structured.Norm norm, double[] sparsity, boolean zeroWeights,
                                               boolean zeroOptimizer) {
        if (sparsity == null) throw new IllegalArgumentException("GpuPruneOps.structuredPerLayer: null sparsities");
        return structuredPasses.structured(tensors, criterion, groups, norm, -1, sparsity, Float.NaN, zeroWeights,
                zeroOptimizer);
    }

    /**
     * Applies an existing BYTE mask of {@code tensor.length()} elements (1 keep): zeroes the weights and / or the
     * optimizer states where it is 0, and writes it to maskOut when there is one (jp_prune_expand with one-element
     * groups). Returns the kept count. Modifies the weights / opt buffers per the flags, and maskOut.
     */
    @CpuTwin("dev.jprune.nn.Parameter#applyMask")
    public long applyMask(PruneTensor tensor, DeviceBuffer mask, boolean zeroWeights, boolean zeroOptimizer) {
        return structuredPasses.applyMask(tensor, mask, zeroWeights, zeroOptimizer);
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
            tab = passes.uploadTable(layout, tensors);
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
            accumulateKernels.accumulate(row(tab, 0), layout.tensors(), layout.chunks(), crit, ema, momentum, c1m, 0,
                    slot(state, 0));
            accumulateKernels.accumulate(row(tab, 0), layout.tensors(), layout.chunks(), crit, ema, momentum, c1m, 1,
                    slot(state, 0));
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
            passes.throwIfBad("GpuPruneOps.accumulate", tensors, layout, criterion, s[PruneTable.S_BAD], false);
        }

        /** check() right after one step: the inputs are unchanged, so the message can show the faulty value. */
        private void checkNow() {
            if (state == null) return;
            long[] s = new long[PruneTable.STATE_LONGS];
            GpuInternals.download(state, s);
            passes.throwIfBad("GpuPruneOps.accumulate", tensors, layout, criterion, s[PruneTable.S_BAD], true);
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
