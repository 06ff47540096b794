package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuTestBase;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.CriterionScoreSource;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.ScoreSource;
import dev.jprune.prune.Selection;
import dev.jprune.prune.SelectionReference;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the GPU pruning tests share: the {@link GpuPruneOps} over {@link GpuTestBase}'s context, input generators of
 * every kind that breaks selections (3 values, 90% exact zeros, denormals, −0.0), the device state of a case
 * ({@link Dev}: weights, gradients, poisoned output masks, optimizer state per tensor), the bit-for-bit comparisons,
 * and the global and per-layer cases that several test classes run on their paths.
 */
abstract class GpuPruneTestBase extends GpuTestBase {
    static GpuPruneOps pruneOps;

    @BeforeAll
    static void openPruneOps() {
        if (ctx != null) pruneOps = new GpuPruneOps(ctx);
    }

    @AfterAll
    static void dropPruneOps() { pruneOps = null; }

    static final Criterion[] CRITERIA = {Criterion.MAGNITUDE, Criterion.GRADIENT, Criterion.TAYLOR,
            Criterion.TAYLOR_SQUARED, Criterion.MOVEMENT};

    enum Kind { RANDOM, DUP3, ZERO90, DENORMAL, NEGZERO }

    static float value(Rng r, Kind k) {
        switch (k) {
            case DUP3: return new float[] {-0.5f, 0.25f, 1f}[r.nextInt(3)];
            case ZERO90: return r.nextInt(10) == 0 ? r.uniform(-1, 1) : 0f;
            case DENORMAL: return Float.intBitsToFloat(1 + r.nextInt(0x7fffff)) * (r.nextInt(2) == 0 ? 1 : -1);
            case NEGZERO: return r.nextInt(2) == 0 ? -0.0f : (r.nextInt(4) == 0 ? r.uniform(-1, 1) : 0f);
            default: return r.uniform(-1, 1);
        }
    }

    static float[][] tensors(Rng r, int[] sizes, Kind k) {
        float[][] a = new float[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            a[t] = new float[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) a[t][i] = value(r, k);
        }
        return a;
    }

    /** Inputs of a case drawn uniform in [-1, 1) for tensors of {@code sizes}: {w, g, opt}, in that order. */
    static float[][][] randomInputs(Rng r, int[] sizes) {
        return new float[][][] {tensors(r, sizes, Kind.RANDOM), tensors(r, sizes, Kind.RANDOM),
                tensors(r, sizes, Kind.RANDOM)};
    }

    /** Whole rows (groups) pruned in tensor 0, single elements in tensor 3; the others dense. */
    static byte[][] rowAndElementMasks(Rng r, int[] sizes, int[] groups) {
        byte[][] m = new byte[sizes.length][];
        m[0] = new byte[sizes[0]];
        int len0 = sizes[0] / groups[0];
        for (int q = 0; q < groups[0]; q++) Arrays.fill(m[0], q * len0, (q + 1) * len0, (byte) (q % 3 == 1 ? 0 : 1));
        m[3] = new byte[sizes[3]];
        for (int i = 0; i < sizes[3]; i++) m[3][i] = (byte) (r.nextInt(200) == 0 ? 0 : 1);
        return m;
    }

    static float[][] copy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int t = 0; t < a.length; t++) c[t] = a[t].clone();
        return c;
    }

    /** Device state of one test case: w, g, masks, opt for every tensor; closed by the caller. */
    static final class Dev implements AutoCloseable {
        final List<DeviceBuffer> all = new ArrayList<>();
        final List<PruneTensor> ts = new ArrayList<>();
        final DeviceBuffer[] w, g, mOut, opt;

        Dev(float[][] wh, float[][] gh, byte[][] maskIn, float[][] opth) {
            int nt = wh.length;
            w = new DeviceBuffer[nt]; g = new DeviceBuffer[nt]; mOut = new DeviceBuffer[nt]; opt = new DeviceBuffer[nt];
            for (int t = 0; t < nt; t++) {
                w[t] = keep(ctx.allocFloat(wh[t].length)); if (wh[t].length > 0) w[t].upload(wh[t]);
                g[t] = keep(ctx.allocFloat(gh[t].length)); if (gh[t].length > 0) g[t].upload(gh[t]);
                mOut[t] = keep(ctx.allocBytes(wh[t].length));
                byte[] poison = new byte[wh[t].length];
                Arrays.fill(poison, (byte) 7);
                if (poison.length > 0) mOut[t].upload(poison);
                opt[t] = keep(ctx.allocFloat(wh[t].length)); if (wh[t].length > 0) opt[t].upload(opth[t]);
                DeviceBuffer in = null;
                if (maskIn != null && maskIn[t] != null) {
                    in = keep(ctx.allocBytes(wh[t].length)); if (wh[t].length > 0) in.upload(maskIn[t]);
                }
                ts.add(PruneTensor.of("t" + t, w[t], g[t]).withMasks(in, mOut[t])
                        .withOptimizerState(opt[t], null, null));
            }
        }
        private DeviceBuffer keep(DeviceBuffer b) { all.add(b); return b; }
        byte[] mask(int t) {
            byte[] m = new byte[(int) mOut[t].length()]; if (m.length > 0) mOut[t].download(m); return m;
        }
        float[] floats(DeviceBuffer b) {
            float[] a = new float[(int) b.length()]; if (a.length > 0) b.download(a); return a;
        }
        @Override public void close() { for (DeviceBuffer b : all) b.close(); }
    }

    static void assertMask(String what, byte[] cpu, byte[] gpu) {
        for (int i = 0; i < cpu.length; i++) if (cpu[i] != gpu[i]) fail(what + ": mask element " + i + " gpu=" + gpu[i]
                + " cpu=" + cpu[i]);
    }

    /** Every tensor's mask and weights equal the CPU's bit for bit, and its optimizer state is zero exactly where the
     *  CPU's mask prunes (else unchanged from {@code opt}). */
    static void assertDeviceState(String what, Dev d, byte[][] mCpu, float[][] wCpu, float[][] opt) {
        for (int t = 0; t < mCpu.length; t++) {
            assertMask(what + " t" + t, mCpu[t], d.mask(t));
            assertBitsEqual(wCpu[t], d.floats(d.w[t]), what + " weights t" + t);
            float[] o = d.floats(d.opt[t]);
            for (int i = 0; i < o.length; i++) {
                float expect = mCpu[t][i] == 0 ? 0f : opt[t][i];
                if (Float.floatToRawIntBits(expect) != Float.floatToRawIntBits(o[i])) fail(what + " opt t" + t
                        + " element " + i);
            }
        }
    }

    static byte[][] randomMasks(Rng r, int[] sizes) {
        byte[][] m = new byte[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            if (t % 3 == 2) continue;  // some tensors dense (null mask)
            m[t] = new byte[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) m[t][i] = (byte) (r.nextInt(4) == 0 ? 0 : 1);
        }
        return m;
    }

    void globalCase(String name, int[] sizes, Kind kind, Criterion c, boolean masked, long seed) {
        Rng r = new Rng(seed);
        float[][] w = tensors(r, sizes, kind), g = tensors(r, sizes, kind), opt = tensors(r, sizes, Kind.RANDOM);
        byte[][] maskIn = masked ? randomMasks(r, sizes) : null;
        ScoreSource src = new CriterionScoreSource(c, w, g, null);
        if (masked) src = ScoreSource.respectingMasks(src, maskIn);
        long total = src.totalSize();
        for (long keep : new long[] {0, 1, total / 3, total - 1, total}) {
            if (keep < 0 || keep > total) continue;
            String what = name + " " + kind + " " + c + (masked ? " masked" : "") + " keep=" + keep + "/" + total;
            Selection sel = GlobalSelector.select(src, keep);
            float[][] wCpu = copy(w);
            byte[][] mCpu = new byte[sizes.length][];
            for (int t = 0; t < sizes.length; t++) mCpu[t] = new byte[sizes[t]];
            ScoreSource applySrc = new CriterionScoreSource(c, wCpu, g, null);
            if (masked) applySrc = ScoreSource.respectingMasks(applySrc, maskIn);
            long[] keptCpu = sel.apply(applySrc, mCpu, wCpu);
            if (total <= 200_000) {
                SelectionReference.Result ref = SelectionReference.select(src, keep);
                assertEquals(ref.thresholdBits(), sel.thresholdBits, what + " (CPU vs reference)");
                for (int t = 0; t < sizes.length; t++) assertMask(what + " ref t" + t, ref.masks()[t], mCpu[t]);
            }
            try (Dev d = new Dev(w, g, maskIn, opt)) {
                GpuSelection gs = pruneOps.select(d.ts, c, keep, true, true);
                assertEquals(sel.thresholdBits, gs.thresholdBits(), what + ": threshold bits");
                assertEquals(sel.tieBudget, gs.tieBudget(), what + ": tie budget");
                if (total > 0) {
                    assertEquals(sel.countAbove, gs.countAbove(), what + ": count above");
                    assertEquals(sel.countEqual, gs.countEqual(), what + ": count equal");
                }
                assertArrayEquals(keptCpu, gs.keptPerTensor(), what + ": kept per tensor");
                assertDeviceState(what, d, mCpu, wCpu, opt);
            }
        }
    }

    void perLayerCase(String name) {
        int[] sizes = {0, 1, 7, 129, 4096 * 3 + 5, 2000};
        for (Kind k : Kind.values()) {
            Rng r = new Rng(k.ordinal() + 40);
            float[][] w = tensors(r, sizes, k), g = tensors(r, sizes, k), opt = tensors(r, sizes, Kind.RANDOM);
            checkPerLayer(name + " " + k, w, g, opt, true);
        }
    }

    /**
     * pruneOps.perLayer(TAYLOR) at sparsities {0.5, 0, 1, 0.3, 0.9, 0.5} vs GlobalSelector.perLayer: bits, masks,
     * weights, kept.
     */
    void checkPerLayer(String name, float[][] w, float[][] g, float[][] opt, boolean zeroOptimizer) {
        int nt = w.length;
        double[] sp = {0.5, 0.0, 1.0, 0.3, 0.9, 0.5};
        float[][] wCpu = copy(w);
        byte[][] mCpu = new byte[nt][];
        for (int t = 0; t < nt; t++) mCpu[t] = new byte[w[t].length];
        Selection[] sel = GlobalSelector.perLayer(new CriterionScoreSource(Criterion.TAYLOR, wCpu, g, null), sp, mCpu,
                wCpu);
        try (Dev d = new Dev(w, g, null, opt)) {
            GpuSelection[] gs = pruneOps.perLayer(d.ts, Criterion.TAYLOR, sp, true, zeroOptimizer);
            for (int t = 0; t < nt; t++) {
                String what = name + " perLayer t" + t;
                assertEquals(sel[t].thresholdBits, gs[t].thresholdBits(), what);
                assertEquals(sel[t].tieBudget, gs[t].tieBudget(), what);
                assertMask(what, mCpu[t], d.mask(t));
                assertBitsEqual(wCpu[t], d.floats(d.w[t]), what + " weights");
                long kept = 0;
                for (byte b : mCpu[t]) kept += b;
                assertEquals(kept, gs[t].keptPerTensor()[0], what + " kept");
            }
        }
    }
}
