package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.prune.Criterion;

import java.util.List;

/**
 * Host-side argument checks of {@link GpuPruneOps}' steps (pure Java; GPU-free tests call them): each throws
 * IllegalArgumentException naming the op, the tensor and the fault, before anything is launched.
 */
final class PruneChecks {
    private PruneChecks() {}

    /** Checks every tensor for what {@code criterion} reads and the step writes; returns the layout. */
    static PruneTable check(String op, List<PruneTensor> ts, Criterion criterion, boolean needMaskOut, long[] groups,
                            GpuContext ctx) {
        if (criterion == null) throw new IllegalArgumentException(op + ": null criterion");
        return checkTensors(op, ts, criterion, needMaskOut, groups, ctx);
    }

    /** {@link #check} for a step that reads no score ({@code criterion} null). */
    static PruneTable checkTensors(String op, List<PruneTensor> ts, Criterion criterion,
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

    static void need(String nm, String what, DeviceBuffer b, DeviceBuffer.Type type, long n, GpuContext ctx) {
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

    /** NmSparsity's argument rules (pure; GPU-free tests use it). */
    static void checkNm(String name, long size, int rowLength, int n, int m) {
        if (m < 1 || n < 0 || n > m) throw new IllegalArgumentException("N:M: need 0 <= N <= M and M >= 1, got "
                + n + ":" + m);
        if (rowLength < 1 || size % rowLength != 0) {
            throw new IllegalArgumentException("N:M: " + name + " has " + size
                    + " elements, not a whole number of rows of " + rowLength);
        }
    }

    static long[] toLong(int[] groups, List<PruneTensor> ts) {
        if (groups == null) throw new IllegalArgumentException("structured: null group counts");
        if (ts != null && groups.length != ts.size()) throw new IllegalArgumentException("structured: " + groups.length
                + " group counts for " + ts.size() + " tensors");
        long[] g = new long[groups.length];
        for (int i = 0; i < g.length; i++) g[i] = groups[i];
        return g;
    }
}
