package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuInternals;
import dev.jprune.gpu.prune.GpuPruneOps.StructuredResult;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.Structured;

import java.util.List;

import static dev.jprune.gpu.prune.PruneChecks.check;
import static dev.jprune.gpu.prune.PruneChecks.checkKeep;
import static dev.jprune.gpu.prune.PruneChecks.checkTensors;
import static dev.jprune.gpu.prune.PruneChecks.flags;
import static dev.jprune.gpu.prune.PruneChecks.need;
import static dev.jprune.gpu.prune.PruneChecks.toLong;

/**
 * Structured pruning on the device (native/prune_structured.cu), Structured's twin: the group scores of every tensor
 * in one launch, an exact selection over them ({@link SelectionPaths} on a table of group-score rows, or a host
 * comparison in threshold mode), then the expansion of the group mask to the element masks. applyMask is the same
 * expansion with one-element groups.
 */
final class StructuredPasses extends PrunePasses {
    private final SelectionPaths paths;
    private final PruneStructuredKernels k;

    StructuredPasses(GpuContext ctx, SelectionPaths paths) {
        super(ctx);
        this.paths = paths;
        this.k = new PruneStructuredKernels(ctx);
    }

    DeviceBuffer groupScores(List<PruneTensor> tensors, Criterion criterion, int[] groups,
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

    StructuredResult structured(List<PruneTensor> ts, Criterion c, int[] groups,
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
                sel = paths.selectOn(gts, Criterion.USER, gl, gl.encode(gp, null), keep, 0, sparsity == null);
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

    long applyMask(PruneTensor tensor, DeviceBuffer mask, boolean zeroWeights, boolean zeroOptimizer) {
        if (tensor == null) throw new IllegalArgumentException("GpuPruneOps.applyMask: null tensor");
        if (mask == null) throw new IllegalArgumentException("GpuPruneOps.applyMask: " + tensor.name() + ": null mask");
        long n = tensor.length();
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
}
