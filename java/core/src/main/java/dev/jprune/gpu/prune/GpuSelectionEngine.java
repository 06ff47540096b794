package dev.jprune.gpu.prune;

import dev.jprune.prune.Criterion;
import dev.jprune.prune.SelectionEngine;
import dev.jprune.prune.Structured;
import java.util.List;

/**
 * The device {@link SelectionEngine}: {@link GpuPruneOps}' fused selections over one prune's tensors. Each tensor's
 * scores are {@code criterion} computed from its device buffers (MAGNITUDE reads the weights; USER reads the score
 * buffer); its maskOut receives the new mask, and weights and optimizer states are zeroed where it prunes (the
 * tensors' maskIn, if sticky, keeps earlier prunes pruned). Masks equal the host engine's bit for bit (GpuPrune*Test,
 * GpuPruningTest). Only kept counts come to the host; the caller downloads the masks when it commits them.
 */
public final class GpuSelectionEngine implements SelectionEngine {
    private final GpuPruneOps ops;
    private final List<PruneTensor> tensors;
    private final Criterion criterion;

    /** An engine over {@code tensors} (each with a maskOut) scored by {@code criterion}, run by {@code ops}. */
    public GpuSelectionEngine(GpuPruneOps ops, List<PruneTensor> tensors, Criterion criterion) {
        this.ops = ops;
        this.tensors = List.copyOf(tensors);
        this.criterion = criterion;
    }

    @Override public int tensorCount() { return tensors.size(); }

    @Override
    public long[] select(long keep) {
        return ops.select(tensors, criterion, keep, true, true).keptPerTensor();
    }

    @Override
    public long[] perLayer(double[] sparsity) {
        GpuSelection[] sel = ops.perLayer(tensors, criterion, sparsity, true, true);
        long[] kept = new long[sel.length];
        for (int t = 0; t < sel.length; t++) kept[t] = sel[t].keptPerTensor()[0];
        return kept;
    }

    @Override
    public long[] capped(long keep, double[] minDensity, double[] maxDensity) {
        return ops.selectCapped(tensors, criterion, keep, minDensity, maxDensity, true, true).keptPerTensor();
    }

    @Override
    public long[] threshold(float eps) {
        return ops.threshold(tensors, criterion, eps, true, true);
    }

    @Override
    public long[] nm(int[] rowLengths, int n, int m) {
        int nt = tensors.size();
        if (rowLengths.length != nt) throw new IllegalArgumentException("nm: " + rowLengths.length + " row lengths for "
                + nt + " tensors");
        ops.validate(tensors, criterion);  // a fault in any tensor before the first is written
        long[] kept = new long[nt];
        for (int t = 0; t < nt; t++) kept[t] = ops.nm(tensors.get(t), criterion, rowLengths[t], n, m, true, true);
        return kept;
    }

    @Override
    public Groups structured(int[] groups, Structured.Norm norm, long keepGroups) {
        GpuPruneOps.StructuredResult r = ops.structuredGlobal(tensors, criterion, groups, norm, keepGroups, true, true);
        return new Groups(r.keptElements(), r.keptGroups());
    }

    @Override
    public Groups structuredThreshold(int[] groups, Structured.Norm norm, float eps) {
        GpuPruneOps.StructuredResult r = ops.structuredThreshold(tensors, criterion, groups, norm, eps, true, true);
        return new Groups(r.keptElements(), r.keptGroups());
    }

    @Override
    public Groups structuredPerLayer(int[] groups, Structured.Norm norm, double[] sparsity) {
        GpuPruneOps.StructuredResult r = ops.structuredPerLayer(tensors, criterion, groups, norm, sparsity, true, true);
        return new Groups(r.keptElements(), r.keptGroups());
    }
}
