package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuInternals;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.GlobalSelector;
import jcuda.driver.CUdeviceptr;

import java.util.ArrayList;
import java.util.List;

import static dev.jprune.gpu.prune.PruneChecks.check;
import static dev.jprune.gpu.prune.PruneChecks.checkKeep;
import static dev.jprune.gpu.prune.PruneChecks.flags;

/**
 * The selection scopes of {@link GpuPruneOps} (GlobalSelector's twins): global, per layer (one selection per tensor on
 * the table's row views), capped (rounds of counting selections, then the writing ones) and threshold, plus the
 * validating pass alone. The selections themselves are {@link SelectionPaths}'; the threshold scope and the
 * validation use the three-pass kernels' validating histogram level and mask pass (native/prune_select.cu).
 */
final class SelectionScopes extends PrunePasses {
    private final SelectionPaths paths;
    private final PruneSelectKernels k;

    SelectionScopes(GpuContext ctx, SelectionPaths paths) {
        super(ctx);
        this.paths = paths;
        this.k = new PruneSelectKernels(ctx);
    }

    GpuSelection select(List<PruneTensor> tensors, Criterion criterion, long keep, boolean zeroWeights,
                        boolean zeroOptimizer) {
        PruneTable layout = check("GpuPruneOps.select", tensors, criterion, false, null, ctx);
        checkKeep("GpuPruneOps.select", keep, layout.total());
        int nt = layout.tensors();
        if (layout.total() == 0) return new GpuSelection(0, 0, 0, 0, 0, 0, new long[nt]);
        return paths.selectOn(tensors, criterion, layout, encode(layout, tensors), new long[] {keep},
                flags(zeroWeights, zeroOptimizer), true)[0];
    }

    GpuSelection[] perLayer(List<PruneTensor> tensors, Criterion criterion, double[] sparsity,
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
        return paths.selectOn(tensors, criterion, layout, encode(layout, tensors), keep,
                flags(zeroWeights, zeroOptimizer), false);
    }

    GlobalSelector.CappedResult selectCapped(List<PruneTensor> tensors, Criterion criterion,
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
            GpuSelection[] sel = paths.selectOn(sub, criterion, subLayout, encode(subLayout, sub), each,
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

    void validate(List<PruneTensor> tensors, Criterion criterion) {
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

    long[] threshold(List<PruneTensor> tensors, Criterion criterion, float eps, boolean zeroWeights,
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
}
