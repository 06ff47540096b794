package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuInternals;
import dev.jprune.prune.Criterion;
import jcuda.driver.CUdeviceptr;

import java.util.List;

/**
 * What every strategy of {@link GpuPruneOps} shares: the device table of a step's tensors (encoded rows, upload, row
 * views), the selection state slots, and the host side of the fault protocol (the lowest bad global index recorded
 * on the device becomes an IllegalArgumentException naming the tensor, the index and the value).
 */
class PrunePasses {
    final GpuContext ctx;

    PrunePasses(GpuContext ctx) { this.ctx = ctx; }

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
    static long[] encode(PruneTable layout, List<PruneTensor> ts) {
        return layout.encode(pointers(ts), rowFlags(ts));
    }

    DeviceBuffer uploadTable(PruneTable layout, List<PruneTensor> ts) {
        long[] rows = encode(layout, ts);
        DeviceBuffer tab = ctx.allocLong(Math.max(1, rows.length));
        if (rows.length > 0) tab.upload(rows);
        return tab;
    }

    static CUdeviceptr row(DeviceBuffer table, int t) {
        return GpuInternals.pointer(table, (long) t * PruneTable.ROW_LONGS);
    }
    static CUdeviceptr slot(DeviceBuffer states, int t) {
        return GpuInternals.pointer(states, (long) t * PruneTable.STATE_LONGS);
    }

    /** The state of selection 0 (a global selection's), read back now: one synchronising copy. */
    static long[] firstState(DeviceBuffer io) {
        long[] st = new long[PruneTable.STATE_LONGS];
        GpuInternals.download(io, st);
        return st;
    }

    static long[] freshStates(int count, long[] keep) {
        long[] s = new long[count * PruneTable.STATE_LONGS];
        for (int i = 0; i < count; i++) {
            s[i * PruneTable.STATE_LONGS + PruneTable.S_BAD] = PruneTable.BAD_NONE;
            s[i * PruneTable.STATE_LONGS + PruneTable.S_KEEP] = keep == null ? 0 : keep[i];
        }
        return s;
    }

    /** Throws the input fault recorded in a state, naming tensor, index and (for criteria) the offending value. */
    void throwIfBad(String op, List<PruneTensor> ts, PruneTable layout, Criterion c, long bad) {
        throwIfBad(op, ts, layout, c, bad, true);
    }

    /** readValue false: the inputs may have changed since the fault (deferred checks), so the value is not shown. */
    void throwIfBad(String op, List<PruneTensor> ts, PruneTable layout, Criterion c,
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
    void checkStates(String op, List<PruneTensor> ts, PruneTable layout, Criterion c, long[] state, int sels) {
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
}
