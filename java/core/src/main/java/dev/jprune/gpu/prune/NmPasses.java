package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuInternals;
import dev.jprune.prune.Criterion;

import java.util.List;

import static dev.jprune.gpu.prune.PruneChecks.check;
import static dev.jprune.gpu.prune.PruneChecks.checkNm;
import static dev.jprune.gpu.prune.PruneChecks.flags;

/** N:M masks on the device (native/prune_nm.cu), the twin of NmSparsity.apply; see {@link GpuPruneOps#nm}. */
final class NmPasses extends PrunePasses {
    private final PruneNmKernels k;

    NmPasses(GpuContext ctx) {
        super(ctx);
        this.k = new PruneNmKernels(ctx);
    }

    long nm(PruneTensor tensor, Criterion criterion, int rowLength, int n, int m, boolean zeroWeights,
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
}
