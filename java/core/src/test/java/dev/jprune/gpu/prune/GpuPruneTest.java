package dev.jprune.gpu.prune;

import dev.jprune.gpu.DeviceBuffer;
import dev.jprune.gpu.GpuContext;
import dev.jprune.gpu.GpuProbe;
import dev.jprune.nn.Parameter;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.CriterionScoreSource;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.NmSparsity;
import dev.jprune.prune.ScoreAccumulator;
import dev.jprune.prune.ScoreSource;
import dev.jprune.prune.Selection;
import dev.jprune.prune.SelectionReference;
import dev.jprune.prune.Structured;
import dev.jprune.sparse.Csr;
import dev.jprune.sparse.Spmm;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * GPU ≡ CPU, bit for bit, for the pruning kernels: masks, zeroed weights and optimizer states, threshold bits, tie
 * budgets and kept counts equal GlobalSelector / Selection / SelectionReference / NmSparsity / Structured /
 * ScoreAccumulator on random, duplicate-heavy (3 values), zero-heavy (90% exact zeros), denormal and −0.0 inputs,
 * 1 to 1000 tensors including sizes 0, 1, 7, 129, keep = 0, 1, total. Outputs are poisoned first (masks 7, opt NaN
 * where kept would be wrong). Skips without a GPU.
 */
@Tag("gpu")
class GpuPruneTest {
    private static GpuContext ctx;
    private static GpuPruneOps ops;
    private static final Criterion[] CRITERIA = {Criterion.MAGNITUDE, Criterion.GRADIENT, Criterion.TAYLOR,
            Criterion.TAYLOR_SQUARED, Criterion.MOVEMENT};

    @BeforeAll
    static void open() {
        if (!GpuProbe.get().available()) return;
        ctx = GpuContext.open(0, true);
        ops = new GpuPruneOps(ctx);
    }

    @BeforeEach
    void needGpu() { assumeTrue(GpuProbe.get().available(), "no usable GPU: " + GpuProbe.get().reason()); }

    @AfterAll
    static void close() { if (ctx != null) ctx.close(); }

    enum Kind { RANDOM, DUP3, ZERO90, DENORMAL, NEGZERO }

    private static float value(Rng r, Kind k) {
        switch (k) {
            case DUP3: return new float[] {-0.5f, 0.25f, 1f}[r.nextInt(3)];
            case ZERO90: return r.nextInt(10) == 0 ? r.uniform(-1, 1) : 0f;
            case DENORMAL: return Float.intBitsToFloat(1 + r.nextInt(0x7fffff)) * (r.nextInt(2) == 0 ? 1 : -1);
            case NEGZERO: return r.nextInt(2) == 0 ? -0.0f : (r.nextInt(4) == 0 ? r.uniform(-1, 1) : 0f);
            default: return r.uniform(-1, 1);
        }
    }

    private static float[][] tensors(Rng r, int[] sizes, Kind k) {
        float[][] a = new float[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            a[t] = new float[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) a[t][i] = value(r, k);
        }
        return a;
    }

    private static float[][] copy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int t = 0; t < a.length; t++) c[t] = a[t].clone();
        return c;
    }

    /** Device state of one test case: w, g, masks, opt for every tensor; closed by the caller. */
    private static final class Dev implements AutoCloseable {
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

    private static void assertSameBits(String what, float[] cpu, float[] gpu) {
        for (int i = 0; i < cpu.length; i++) {
            if (Float.floatToRawIntBits(cpu[i]) != Float.floatToRawIntBits(gpu[i])) {
                fail(what + ": element " + i + " gpu=" + gpu[i] + " cpu=" + cpu[i]);
            }
        }
    }

    private static void assertMask(String what, byte[] cpu, byte[] gpu) {
        for (int i = 0; i < cpu.length; i++) if (cpu[i] != gpu[i]) fail(what + ": mask element " + i + " gpu=" + gpu[i]
                + " cpu=" + cpu[i]);
    }

    /** Every tensor's mask and weights equal the CPU's bit for bit, and its optimizer state is zero exactly where the
     *  CPU's mask prunes (else unchanged from {@code opt}). */
    private static void assertDeviceState(String what, Dev d, byte[][] mCpu, float[][] wCpu, float[][] opt) {
        for (int t = 0; t < mCpu.length; t++) {
            assertMask(what + " t" + t, mCpu[t], d.mask(t));
            assertSameBits(what + " weights t" + t, wCpu[t], d.floats(d.w[t]));
            float[] o = d.floats(d.opt[t]);
            for (int i = 0; i < o.length; i++) {
                float expect = mCpu[t][i] == 0 ? 0f : opt[t][i];
                if (Float.floatToRawIntBits(expect) != Float.floatToRawIntBits(o[i])) fail(what + " opt t" + t
                        + " element " + i);
            }
        }
    }

    private static byte[][] randomMasks(Rng r, int[] sizes) {
        byte[][] m = new byte[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            if (t % 3 == 2) continue;  // some tensors dense (null mask)
            m[t] = new byte[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) m[t][i] = (byte) (r.nextInt(4) == 0 ? 0 : 1);
        }
        return m;
    }

    private void globalCase(String name, int[] sizes, Kind kind, Criterion c, boolean masked, long seed) {
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
                GpuSelection gs = ops.select(d.ts, c, keep, true, true);
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

    @Test
    void globalSelectionEqualsCpuOnEveryInputKind() {
        int[] small = {1, 7, 0, 129, 4096, 4097, 1};
        long seed = 1;
        for (Kind k : Kind.values()) {
            for (Criterion c : CRITERIA) {
                globalCase("small", small, k, c, false, seed++);
                globalCase("small", small, k, c, true, seed++);
            }
        }
    }

    @Test
    void globalSelectionOverManyTensorsAndLargeOnes() {
        Rng r = new Rng(99);
        int[] many = new int[1000];
        for (int t = 0; t < many.length; t++) many[t] = new int[] {0, 1, 7, 129, r.nextInt(300)}[t % 5];
        globalCase("1000 tensors", many, Kind.DUP3, Criterion.TAYLOR, true, 5);
        globalCase("1000 tensors", many, Kind.RANDOM, Criterion.MOVEMENT, false, 6);
        globalCase("large", new int[] {300_001, 0, 1_000_003}, Kind.ZERO90, Criterion.MAGNITUDE, false, 7);
        globalCase("large", new int[] {500_000, 77}, Kind.NEGZERO, Criterion.TAYLOR_SQUARED, true, 8);
    }

    /**
     * The compacting paths (two passes over the data, the boundary bucket resolved on candidates, ties by a radix
     * select over their global indices) give the CPU's results bit for bit, like the three-pass path: every input kind
     * and criterion, masked or not, 1000 tensors, per-layer, with a capacity that always fits and one (64) that makes
     * the device fall back whenever the bucket is larger; both with the shared-histogram path (11-bit first digit)
     * tried first and without it. The default (automatic) path is what the other tests run.
     */
    @Test
    void compactingSelectionEqualsCpu() {
        int[] small = {1, 7, 0, 129, 4096, 4097, 1};
        Rng r = new Rng(98);
        int[] many = new int[1000];
        for (int t = 0; t < many.length; t++) many[t] = new int[] {0, 1, 7, 129, r.nextInt(300)}[t % 5];
        try {
            // 0: shared histogram first, 1: + the bracket path first, 2: 16-bit only
            for (int mode = 0; mode < 3; mode++) {
                boolean sharedFirst = mode < 2, bracket = mode == 1;
                ops.setSharedHistogram(sharedFirst);
                ops.setBracketing(bracket);
                ops.bracketMin = 0;
                for (long cap : new long[] {1L << 40, 64}) {
                    String name = "compact " + cap + (bracket ? " bracket" : "") + (sharedFirst ? " shared" : "");
                    ops.setCompaction(cap);
                    long before = ops.compactedSelections(), sharedBefore = ops.sharedHistogramSelections();
                    long attemptsBefore = ops.sharedHistogramAttempts();
                    long brBefore = ops.bracketSelections(), brAttemptsBefore = ops.bracketAttempts();
                    long seed = 500;
                    for (Kind k : Kind.values()) {
                        for (Criterion c : new Criterion[] {Criterion.TAYLOR, Criterion.MOVEMENT,
                                Criterion.MAGNITUDE}) {
                            globalCase(name + " small", small, k, c, false, seed++);
                            globalCase(name + " small", small, k, c, true, seed++);
                        }
                    }
                    globalCase(name + " 1000 tensors", many, Kind.DUP3, Criterion.TAYLOR, true, seed++);
                    globalCase(name + " 1000 tensors", many, Kind.RANDOM, Criterion.MOVEMENT, false, seed++);
                    perLayerCase(name);
                    long compacted = ops.compactedSelections() - before,
                            sharedTaken = ops.sharedHistogramSelections() - sharedBefore;
                    long brTaken = ops.bracketSelections() - brBefore,
                            brTried = ops.bracketAttempts() - brAttemptsBefore;
                    assertTrue(compacted > 0, name + ": no selection took a compacting path");
                    if (bracket) {
                        // Capacity 64: the bracket (64 sample ranks of margin at least) holds more candidates than
                        // that, so the device hands every selection on; with room, it keeps them.
                        if (cap == 64) assertTrue(brTried > brTaken, name + ": no bracket miss");
                        else assertTrue(brTaken > 0, name + ": no selection took the bracket path");
                    } else {
                        assertEquals(0, brTried, name + ": the bracket path is off");
                    }
                    if (sharedFirst && !bracket) assertTrue(sharedTaken > 0,
                            name + ": no selection took the shared-histogram path");
                    if (!sharedFirst) assertEquals(0, sharedTaken, name + ": the shared-histogram path is off");
                    // Capacity 64: duplicate-heavy inputs overflow the 11-bit bucket, and the device falls back.
                    if (sharedFirst && cap == 64) assertTrue(
                            ops.sharedHistogramAttempts() - attemptsBefore > sharedTaken, name + ": no fallback");
                }
            }
            ops.setCompaction(0);
            long before = ops.compactedSelections();
            globalCase("never compact", small, Kind.RANDOM, Criterion.TAYLOR, false, 900);
            assertEquals(before, ops.compactedSelections(), "capacity 0 never compacts");
        } finally {
            ops.setCompaction(-1);
            ops.setSharedHistogram(true);
            ops.setBracketing(false);
            ops.bracketMin = GpuPruneOps.COMPACT_MIN;
        }
        assertThrows(IllegalArgumentException.class, () -> ops.setCompaction(-2));
    }

    /**
     * The capped global selection (per-tensor min / max density) equals GlobalSelector.selectCapped bit for bit: kept
     * counts, clamped flags, rounds, masks, zeroed weights and optimizer state, on tensors of different scales so that
     * bounds bind from both sides, with and without prior masks, duplicate-heavy inputs; infeasible bounds and a NaN
     * input are refused with nothing written.
     */
    @Test
    void cappedSelectionEqualsCpu() {
        Rng r = new Rng(77);
        int bothSides = 0, multiRound = 0;
        for (int it = 0; it < 40; it++) {
            int nt = 1 + r.nextInt(6);
            int[] sizes = new int[nt];
            double[] lo = new double[nt], hi = new double[nt];
            long sumMin = 0, sumMax = 0;
            for (int t = 0; t < nt; t++) {
                sizes[t] = r.nextInt(5) == 0 ? r.nextInt(3) : (it % 8 == 0 ? 4097 + r.nextInt(9000) : r.nextInt(700));
                lo[t] = r.nextInt(3) == 0 ? 0 : 0.5 * r.nextDouble();
                hi[t] = r.nextInt(3) == 0 ? 1 : lo[t] + (1 - lo[t]) * r.nextDouble();
                sumMin += (long) Math.rint(lo[t] * sizes[t]);
                sumMax += (long) Math.rint(hi[t] * sizes[t]);
            }
            long keep = Math.min(sumMax, sumMin + (long) (r.nextDouble() * (sumMax - sumMin + 1)));
            Kind kind = it % 3 == 0 ? Kind.DUP3 : Kind.RANDOM;
            float[][] w = tensors(r, sizes, kind), g = tensors(r, sizes, Kind.ZERO90),
                    opt = tensors(r, sizes, Kind.RANDOM);
            for (int t = 0; t < nt; t++) {  // tensors on different scales, so that the bounds bind
                float scale = (float) Math.pow(10, r.nextInt(5) - 2);
                for (int i = 0; i < sizes[t]; i++) w[t][i] *= scale;
            }
            byte[][] maskIn = it % 2 == 1 ? randomMasks(r, sizes) : null;
            Criterion c = it % 4 < 2 ? Criterion.MAGNITUDE : Criterion.TAYLOR;
            String what = "capped case " + it + " " + c + " " + kind + (maskIn != null ? " masked" : "") + " sizes "
                    + Arrays.toString(sizes) + " keep " + keep + " lo " + Arrays.toString(lo) + " hi "
                    + Arrays.toString(hi);
            float[][] wCpu = copy(w);
            byte[][] mCpu = new byte[nt][];
            for (int t = 0; t < nt; t++) mCpu[t] = new byte[sizes[t]];
            ScoreSource src = new CriterionScoreSource(c, wCpu, g, null);
            if (maskIn != null) src = ScoreSource.respectingMasks(src, maskIn);
            // The CPU selects first and applies after, so wCpu is read before it is zeroed, as on the device.
            GlobalSelector.CappedResult want = GlobalSelector.selectCapped(src, keep, lo, hi, mCpu, wCpu);
            try (Dev d = new Dev(w, g, maskIn, opt)) {
                GlobalSelector.CappedResult got = ops.selectCapped(d.ts, c, keep, lo, hi, true, true);
                assertArrayEquals(want.keptPerTensor(), got.keptPerTensor(), what + ": kept");
                assertArrayEquals(want.clamped(), got.clamped(), what + ": clamped");
                assertEquals(want.rounds(), got.rounds(), what + ": rounds");
                assertDeviceState(what, d, mCpu, wCpu, opt);
            }
            boolean sawMin = false, sawMax = false;
            for (int t = 0; t < nt; t++) {
                long min = (long) Math.rint(lo[t] * sizes[t]), max = (long) Math.rint(hi[t] * sizes[t]);
                if (want.clamped()[t] && min != max && want.keptPerTensor()[t] == min) sawMin = true;
                if (want.clamped()[t] && min != max && want.keptPerTensor()[t] == max) sawMax = true;
            }
            if (sawMin && sawMax) bothSides++;
            if (want.rounds() > 2) multiRound++;
        }
        assertTrue(bothSides > 0, "no case clamped tensors on both sides");
        assertTrue(multiRound > 0, "no case needed more than two rounds");
        // Refusals: infeasible bounds, a NaN input (nothing written: masks stay poisoned, weights unchanged).
        int[] sizes = {100, 50};
        Rng q = new Rng(5);
        float[][] w = tensors(q, sizes, Kind.RANDOM), g = tensors(q, sizes, Kind.RANDOM),
                opt = tensors(q, sizes, Kind.RANDOM);
        w[1][17] = Float.NaN;
        try (Dev d = new Dev(w, g, null, opt)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ops.selectCapped(d.ts, Criterion.MAGNITUDE, 10, new double[] {0.5, 0.5},
                            new double[] {1, 1}, true, true));
            assertTrue(e.getMessage().contains("infeasible"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> ops.selectCapped(d.ts, Criterion.MAGNITUDE, 10, new double[] {0.6, 0},
                            new double[] {0.5, 1}, true, true));
            assertThrows(IllegalArgumentException.class, () -> ops.selectCapped(d.ts, Criterion.MAGNITUDE, 10,
                    new double[] {0}, new double[] {1}, true, true));
            e = assertThrows(IllegalArgumentException.class,
                    () -> ops.selectCapped(d.ts, Criterion.MAGNITUDE, 60, new double[] {0.1, 0.1},
                            new double[] {0.5, 0.9}, true, true));
            assertTrue(e.getMessage().contains("t1") && e.getMessage().contains("index 17"), e.getMessage());
            for (int t = 0; t < 2; t++) {
                for (byte b : d.mask(t)) assertEquals(7, b, "a refused capped selection wrote a mask");
                assertSameBits("refused capped: weights t" + t, w[t], d.floats(d.w[t]));
            }
        }
    }

    /** Phase marks (benchmarks): a marked selection reports its four phases in order, non-negative; off again after. */
    @Test
    void phaseMarksReportTheSelectionsPhases() {
        int[] sizes = {4097, 129};
        Rng r = new Rng(3);
        float[][] w = tensors(r, sizes, Kind.RANDOM), g = tensors(r, sizes, Kind.RANDOM),
                opt = tensors(r, sizes, Kind.RANDOM);
        try (Dev d = new Dev(w, g, null, opt)) {
            ctx.startMarks();
            ops.select(d.ts, Criterion.TAYLOR, 100, false, false);
            List<GpuContext.Phase> ph = ctx.stopMarks();
            assertEquals(List.of("select: tables and states uploaded", "select: selecting passes (histograms, find)",
                    "select: writing passes (ties, mask or split, candidates)", "select: results downloaded"),
                    ph.stream().map(GpuContext.Phase::name).toList());
            for (GpuContext.Phase p : ph) assertTrue(p.millis() >= 0 && Float.isFinite(p.millis()), p.toString());
            assertEquals(List.of(), ctx.stopMarks(), "not recording any more");
            ops.select(d.ts, Criterion.TAYLOR, 100, false, false);  // unmarked: nothing recorded
            assertEquals(List.of(), ctx.stopMarks());
        }
    }

    private void perLayerCase(String name) {
        int[] sizes = {0, 1, 7, 129, 4096 * 3 + 5, 2000};
        for (Kind k : Kind.values()) {
            Rng r = new Rng(k.ordinal() + 40);
            float[][] w = tensors(r, sizes, k), g = tensors(r, sizes, k), opt = tensors(r, sizes, Kind.RANDOM);
            checkPerLayer(name + " " + k, w, g, opt, true);
        }
    }

    /**
     * ops.perLayer(TAYLOR) at sparsities {0.5, 0, 1, 0.3, 0.9, 0.5} vs GlobalSelector.perLayer: bits, masks, weights,
     * kept.
     */
    private void checkPerLayer(String name, float[][] w, float[][] g, float[][] opt, boolean zeroOptimizer) {
        int nt = w.length;
        double[] sp = {0.5, 0.0, 1.0, 0.3, 0.9, 0.5};
        float[][] wCpu = copy(w);
        byte[][] mCpu = new byte[nt][];
        for (int t = 0; t < nt; t++) mCpu[t] = new byte[w[t].length];
        Selection[] sel = GlobalSelector.perLayer(new CriterionScoreSource(Criterion.TAYLOR, wCpu, g, null), sp, mCpu,
                wCpu);
        try (Dev d = new Dev(w, g, null, opt)) {
            GpuSelection[] gs = ops.perLayer(d.ts, Criterion.TAYLOR, sp, true, zeroOptimizer);
            for (int t = 0; t < nt; t++) {
                String what = name + " perLayer t" + t;
                assertEquals(sel[t].thresholdBits, gs[t].thresholdBits(), what);
                assertEquals(sel[t].tieBudget, gs[t].tieBudget(), what);
                assertMask(what, mCpu[t], d.mask(t));
                assertSameBits(what + " weights", wCpu[t], d.floats(d.w[t]));
                long kept = 0;
                for (byte b : mCpu[t]) kept += b;
                assertEquals(kept, gs[t].keptPerTensor()[0], what + " kept");
            }
        }
    }

    @Test
    void userScoresAndAccumulatorMatchCpu() {
        Rng r = new Rng(3);
        int[] sizes = {129, 0, 4097, 7};
        for (ScoreAccumulator.Mode mode : ScoreAccumulator.Mode.values()) {
            ScoreAccumulator acc = new ScoreAccumulator(Criterion.MOVEMENT, mode, 0.9f, sizes, null);
            List<DeviceBuffer> bufs = new ArrayList<>();
            try {
                List<PruneTensor> ts = new ArrayList<>();
                float[][] w = tensors(r, sizes, Kind.RANDOM);
                DeviceBuffer[] s = new DeviceBuffer[sizes.length], wd = new DeviceBuffer[sizes.length],
                        gd = new DeviceBuffer[sizes.length];
                for (int t = 0; t < sizes.length; t++) {
                    s[t] = ctx.allocFloat(sizes[t]); bufs.add(s[t]);
                    wd[t] = ctx.allocFloat(sizes[t]); bufs.add(wd[t]);
                    gd[t] = ctx.allocFloat(sizes[t]); bufs.add(gd[t]);
                    if (sizes[t] > 0) { s[t].upload(new float[sizes[t]]); wd[t].upload(w[t]); }
                    ts.add(PruneTensor.of("t" + t, wd[t], gd[t]).withScores(s[t]));
                }
                for (int batch = 0; batch < 3; batch++) {
                    float[][] g = tensors(r, sizes, batch == 1 ? Kind.DUP3 : Kind.RANDOM);
                    for (int t = 0; t < sizes.length; t++) if (sizes[t] > 0) gd[t].upload(g[t]);
                    acc.accumulate(w, g);
                    ops.accumulate(ts, Criterion.MOVEMENT, mode, 0.9f);
                }
                for (int t = 0; t < sizes.length; t++) {
                    float[] got = new float[sizes[t]];
                    if (got.length > 0) s[t].download(got);
                    assertSameBits("accumulate " + mode + " t" + t, acc.buffers()[t], got);
                }
                ScoreSource src = acc.source();
                long keep = src.totalSize() / 2;
                Selection sel = GlobalSelector.select(src, keep);
                GpuSelection gs = ops.select(ts, Criterion.USER, keep, false, false);
                assertEquals(sel.thresholdBits, gs.thresholdBits());
                assertEquals(sel.tieBudget, gs.tieBudget());
                // bad input: a NaN gradient leaves the buffers unchanged and names the tensor and index
                float[] before = new float[sizes[2]];
                s[2].download(before);
                float[] gBad = new float[sizes[2]];
                gBad[1234] = Float.NaN;
                gd[2].upload(gBad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> ops.accumulate(ts, Criterion.MOVEMENT, mode, 0.9f));
                assertTrue(e.getMessage().contains("t2") && e.getMessage().contains("1234"), e.getMessage());
                float[] after = new float[sizes[2]];
                s[2].download(after);
                assertSameBits("unchanged after fault", before, after);

                // Many batches on one table (training steps): no host sync per batch; a fault stops the sums at that
                // batch, later good batches change nothing, and check() names the element.
                try (GpuPruneOps.Accumulation a = ops.accumulation(ts, Criterion.MOVEMENT, mode, 0.9f)) {
                    float[][] g = tensors(r, sizes, Kind.RANDOM);
                    for (int t = 0; t < sizes.length; t++) if (sizes[t] > 0) gd[t].upload(g[t]);
                    acc.accumulate(w, g);
                    a.step();
                    a.check();
                    for (int t = 0; t < sizes.length; t++) {
                        float[] got = new float[sizes[t]];
                        if (got.length > 0) s[t].download(got);
                        assertSameBits("accumulation step " + mode + " t" + t, acc.buffers()[t], got);
                    }
                    gd[2].upload(gBad);
                    a.step();
                    gd[2].upload(g[2]);
                    a.step();
                    IllegalArgumentException late = assertThrows(IllegalArgumentException.class, a::check);
                    assertTrue(late.getMessage().contains("t2") && late.getMessage().contains("1234"),
                            late.getMessage());
                    for (int t = 0; t < sizes.length; t++) {
                        float[] got = new float[sizes[t]];
                        if (got.length > 0) s[t].download(got);
                        assertSameBits("sums stop at the faulty batch, t" + t, acc.buffers()[t], got);
                    }
                }
            } finally {
                for (DeviceBuffer b : bufs) b.close();
            }
        }
    }

    /**
     * On every selection path: the automatic one, and the compacting paths forced with and without the shared
     * histogram.
     */
    @Test
    void nonFiniteInputWritesNothingAndNamesTheElement() {
        try {
            for (int path = 0; path < 4; path++) {
                ops.setCompaction(path == 0 ? -1 : 1L << 40);
                ops.setSharedHistogram(path != 2);
                ops.setBracketing(path == 3);
                ops.bracketMin = 0;
                // its output masks may hold partial results after a fault (scratch by contract)
                boolean bracket = path == 3;
                String on = new String[] {" (automatic path)", " (compacting, shared histogram)",
                        " (compacting, 16-bit)", " (bracket)"}[path];
                int[] sizes = {7, 5000};
                Rng r = new Rng(4);
                float[][] w = tensors(r, sizes, Kind.RANDOM), g = tensors(r, sizes, Kind.RANDOM),
                        opt = tensors(r, sizes, Kind.RANDOM);
                w[1][4321] = Float.POSITIVE_INFINITY;
                try (Dev d = new Dev(w, g, null, opt)) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> ops.select(d.ts, Criterion.TAYLOR, 100, true, true));
                    assertTrue(e.getMessage().contains("t1") && e.getMessage().contains("4321")
                            && e.getMessage().contains("weight"), e.getMessage());
                    byte[] m = d.mask(1);
                    if (!bracket) for (byte b : m) assertEquals(7, b, "mask untouched" + on);
                    assertSameBits("weights untouched" + on, w[1], d.floats(d.w[1]));
                    assertThrows(IllegalArgumentException.class,
                            () -> ops.threshold(d.ts, Criterion.TAYLOR, 0.1f, true, true));
                    if (!bracket) for (byte b : d.mask(1)) assertEquals(7, b, "mask untouched by threshold" + on);
                    // Per layer: the fault in t1 must also stop the writes of the clean t0 (GlobalSelector.perLayer
                    // selects every tensor before it applies any), and it is named like the global one.
                    e = assertThrows(IllegalArgumentException.class,
                            () -> ops.perLayer(d.ts, Criterion.TAYLOR, new double[] {0.5, 0.5}, true, true));
                    assertTrue(e.getMessage().contains("t1") && e.getMessage().contains("4321"), e.getMessage());
                    for (int t = 0; t < sizes.length; t++) {
                        if (!bracket) for (byte b : d.mask(t)) assertEquals(7, b,
                                "mask of t" + t + " untouched by perLayer" + on);
                        assertSameBits("weights of t" + t + " untouched by perLayer" + on, w[t], d.floats(d.w[t]));
                        assertSameBits("opt of t" + t + " untouched by perLayer" + on, opt[t], d.floats(d.opt[t]));
                    }
                }
            }
        } finally {
            ops.setCompaction(-1);
            ops.setSharedHistogram(true);
            ops.setBracketing(false);
            ops.bracketMin = GpuPruneOps.COMPACT_MIN;
        }
    }

    /**
     * A sample that misrepresents the data (the sampled positions hold tiny scores, the rest large ones): the bracket
     * misses, the device hands the selection to the other paths, and the result is still the CPU's bit for bit (the
     * masks the bracket pass wrote are all rewritten).
     */
    @Test
    void biasedSampleMissesTheBracketAndFallsBack() {
        int[] sizes = {200_000, 0, 90_000, 300};  // large enough for a bracket narrower than the sample
        Rng r = new Rng(77);
        float[][] w = new float[sizes.length][], g = tensors(r, sizes, Kind.RANDOM),
                opt = tensors(r, sizes, Kind.RANDOM);
        long chunk = 0;
        for (int t = 0; t < sizes.length; t++) {
            w[t] = new float[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) {
                long c = chunk + i / PruneTable.CHUNK,
                        off = (c % (PruneTable.CHUNK / PruneTable.SAMPLE_LEN)) * PruneTable.SAMPLE_LEN;
                int inChunk = i % PruneTable.CHUNK;
                boolean sampled = inChunk >= off && inChunk < off + PruneTable.SAMPLE_LEN;
                w[t][i] = (float) ((sampled ? 1e-6 : 1.0) * (0.5 + r.nextDouble()));
            }
            chunk += (sizes[t] + PruneTable.CHUNK - 1) / PruneTable.CHUNK;
        }
        try {
            ops.setBracketing(true);
            ops.bracketMin = 0;
            ops.setCompaction(1L << 40);
            long tried = ops.bracketAttempts(), taken = ops.bracketSelections();
            ScoreSource src = new CriterionScoreSource(Criterion.MAGNITUDE, w, g, null);
            long total = src.totalSize();
            for (long keep : new long[] {1, total / 3, total / 2, total - 1}) {
                String what = "biased sample keep=" + keep + "/" + total;
                Selection sel = GlobalSelector.select(src, keep);
                float[][] wCpu = copy(w);
                byte[][] mCpu = new byte[sizes.length][];
                for (int t = 0; t < sizes.length; t++) mCpu[t] = new byte[sizes[t]];
                long[] keptCpu = sel.apply(new CriterionScoreSource(Criterion.MAGNITUDE, wCpu, g, null), mCpu, wCpu);
                try (Dev d = new Dev(w, g, null, opt)) {
                    GpuSelection gs = ops.select(d.ts, Criterion.MAGNITUDE, keep, true, true);
                    assertEquals(sel.thresholdBits, gs.thresholdBits(), what + ": threshold bits");
                    assertEquals(sel.tieBudget, gs.tieBudget(), what + ": tie budget");
                    assertEquals(sel.countAbove, gs.countAbove(), what + ": count above");
                    assertArrayEquals(keptCpu, gs.keptPerTensor(), what + ": kept per tensor");
                    assertDeviceState(what, d, mCpu, wCpu, opt);
                }
            }
            long missed = (ops.bracketAttempts() - tried) - (ops.bracketSelections() - taken);
            assertTrue(missed >= 2, missed + " bracket misses, expected the middle keeps to miss");
        } finally {
            ops.setCompaction(-1);
            ops.setBracketing(false);
            ops.bracketMin = GpuPruneOps.COMPACT_MIN;
        }
    }

    @Test
    void perLayerThresholdAndNmEqualCpu() {
        int[] sizes = {0, 1, 7, 129, 4096 * 3 + 5, 2000};
        for (Kind k : Kind.values()) {
            Rng r = new Rng(k.ordinal() + 10);
            float[][] w = tensors(r, sizes, k), g = tensors(r, sizes, k), opt = tensors(r, sizes, Kind.RANDOM);
            ScoreSource src = new CriterionScoreSource(Criterion.TAYLOR, w, g, null);
            checkPerLayer(k.toString(), w, g, opt, false);
            for (float eps : new float[] {0f, -0.0f, 1e-3f, Float.MIN_VALUE}) {
                byte[][] mt = new byte[sizes.length][];
                for (int t = 0; t < sizes.length; t++) mt[t] = new byte[sizes[t]];
                long[] kept = GlobalSelector.threshold(src, eps, mt, null);
                try (Dev d = new Dev(w, g, null, opt)) {
                    assertArrayEquals(kept, ops.threshold(d.ts, Criterion.TAYLOR, eps, false, false),
                            k + " threshold " + eps);
                    for (int t = 0; t < sizes.length; t++) assertMask(k + " threshold " + eps + " t" + t, mt[t],
                            d.mask(t));
                }
            }
            int[][] nmCases = {{2, 4, 129}, {1, 3, 7}, {2, 4, 4096}, {0, 4, 16}, {4, 4, 8}};
            for (int[] nmc : nmCases) {
                int n = nmc[0], m = nmc[1], rowLen = nmc[2];
                int rows = 5;
                float[][] w1 = tensors(r, new int[] {rows * rowLen}, k), g1 = tensors(r, new int[] {rows * rowLen}, k);
                byte[] mc = new byte[rows * rowLen];
                long keptCpu = NmSparsity.apply(new CriterionScoreSource(Criterion.MAGNITUDE, w1, g1, null), 0, rowLen,
                        n, m, mc, null);
                try (Dev d = new Dev(w1, g1, null, tensors(r, new int[] {rows * rowLen}, Kind.RANDOM))) {
                    assertEquals(keptCpu, ops.nm(d.ts.get(0), Criterion.MAGNITUDE, rowLen, n, m, false, false));
                    assertMask(k + " " + n + ":" + m + " row " + rowLen, mc, d.mask(0));
                }
                // Zeroing the weights a criterion reads: MOVEMENT scores −w·g < 0 would rise to 0 if w were zeroed
                // while the group is still being ranked; the CPU ranks each group on the original scores.
                for (Criterion c : new Criterion[] {Criterion.MOVEMENT, Criterion.MAGNITUDE}) {
                    float[][] wz = copy(w1);
                    byte[] mz = new byte[rows * rowLen];
                    long keptZ = NmSparsity.apply(new CriterionScoreSource(c, wz, g1, null), 0, rowLen, n, m, mz,
                            wz[0]);
                    try (Dev d = new Dev(w1, g1, null, tensors(r, new int[] {rows * rowLen}, Kind.RANDOM))) {
                        String what = k + " " + c + " zeroing " + n + ":" + m + " row " + rowLen;
                        assertEquals(keptZ, ops.nm(d.ts.get(0), c, rowLen, n, m, true, false), what);
                        assertMask(what, mz, d.mask(0));
                        assertSameBits(what + " weights", wz[0], d.floats(d.w[0]));
                        // without an output mask (scratch mask inside): the same weights
                        d.w[0].upload(w1[0]);
                        assertEquals(keptZ, ops.nm(d.ts.get(0).withMasks(null, null), c, rowLen, n, m, true, false),
                                what + " no mask");
                        assertSameBits(what + " weights, no mask", wz[0], d.floats(d.w[0]));
                    }
                }
            }
        }
    }

    @Test
    void structuredGroupScoresAndMasksEqualCpu() {
        int[] sizes = {12 * 129, 0, 7 * 3, 300 * 40};
        int[] groups = {12, 0, 7, 300};
        for (Kind k : new Kind[] {Kind.RANDOM, Kind.DUP3, Kind.ZERO90}) {
          for (boolean masked : new boolean[] {false, true}) {
            Rng r = new Rng(20 + k.ordinal());
            float[][] w = tensors(r, sizes, k), g = tensors(r, sizes, k), opt = tensors(r, sizes, Kind.RANDOM);
            // masked: an earlier prune removed whole rows of some tensors and single elements of others; their
            // elements score −Inf, and a group holding one scores −Inf (not |−Inf| = +Inf).
            byte[][] maskIn = masked ? rowAndElementMasks(r, sizes, groups) : null;
            ScoreSource src = new CriterionScoreSource(Criterion.TAYLOR, w, g, null);
            if (masked) src = ScoreSource.respectingMasks(src, maskIn);
            ScoreSource fsrc = src;
            for (Structured.Norm norm : Structured.Norm.values()) {
                float[][] gsCpu = Structured.groupScores(src, groups, norm);
                Structured.Result res = Structured.global(src, groups, norm, 100);
                Structured.Result resL = Structured.perLayer(src, groups, norm, new double[] {0.5, 0, 0.3, 0.9});
                if (masked) {
                    boolean minusInf = false;
                    for (float[] a : gsCpu) for (float v : a) minusInf |= v == Float.NEGATIVE_INFINITY;
                    assertTrue(minusInf, "the masked case has pruned groups");
                }
                try (Dev d = new Dev(w, g, maskIn, opt)) {
                    try (DeviceBuffer gs = ops.groupScores(d.ts, Criterion.TAYLOR, groups, norm)) {
                        float[] all = d.floats(gs);
                        int off = 0;
                        for (int t = 0; t < sizes.length; t++) {
                            assertSameBits(k + " " + norm + " group scores t" + t, gsCpu[t],
                                    Arrays.copyOfRange(all, off, off + groups[t]));
                            off += groups[t];
                        }
                    }
                    ops.structuredGlobal(d.ts, Criterion.TAYLOR, groups, norm, 100, false, false);
                    for (int t = 0; t < sizes.length; t++) assertMask(k + " " + norm + " structured global t" + t,
                            res.masks()[t], d.mask(t));
                    ops.structuredPerLayer(d.ts, Criterion.TAYLOR, groups, norm, new double[] {0.5, 0, 0.3, 0.9}, false,
                            false);
                    for (int t = 0; t < sizes.length; t++) assertMask(k + " " + norm + " structured perLayer t" + t,
                            resL.masks()[t], d.mask(t));
                    // no groups at all: the sparsities are still checked, and there is one (empty) selection per tensor
                    List<PruneTensor> empty = List.of(d.ts.get(1), d.ts.get(1));
                    assertThrows(IllegalArgumentException.class,
                            () -> ops.structuredPerLayer(empty, Criterion.TAYLOR, new int[] {0, 0}, norm,
                                    new double[] {0.5}, false, false));
                    assertEquals(2, ops.structuredPerLayer(empty, Criterion.TAYLOR, new int[] {0, 0}, norm,
                            new double[] {0.5, 0.5}, false, false).groupSelections().length);
                }
            }
          }
        }
    }

    /** Whole rows (groups) pruned in tensor 0, single elements in tensor 3; the others dense. */
    private static byte[][] rowAndElementMasks(Rng r, int[] sizes, int[] groups) {
        byte[][] m = new byte[sizes.length][];
        m[0] = new byte[sizes[0]];
        int len0 = sizes[0] / groups[0];
        for (int q = 0; q < groups[0]; q++) Arrays.fill(m[0], q * len0, (q + 1) * len0, (byte) (q % 3 == 1 ? 0 : 1));
        m[3] = new byte[sizes[3]];
        for (int i = 0; i < sizes[3]; i++) m[3][i] = (byte) (r.nextInt(200) == 0 ? 0 : 1);
        return m;
    }

    /**
     * A prior mask ({@link PruneTensor#withPriorMask}) is sticky: the written mask is the CPU decision AND the prior
     * mask, kept counts count that, and pruned weights / optimizer state are zeroed (ModelPruner.prune's rule) — for
     * every selection kind, at keep budgets large enough that the decision alone would revive pruned elements.
     */
    @Test
    void priorMasksAreStickyInEverySelection() {
        int[] sizes = {12 * 129, 0, 7 * 3, 300 * 40};
        int[] groups = {12, 0, 7, 300};
        int[] rowLen = {129, 1, 3, 40};
        Rng r = new Rng(77);
        float[][] w = tensors(r, sizes, Kind.DUP3), g = tensors(r, sizes, Kind.RANDOM),
                opt = tensors(r, sizes, Kind.RANDOM);
        byte[][] prior = rowAndElementMasks(r, sizes, groups);
        prior[2] = new byte[sizes[2]];
        for (int i = 0; i < sizes[2]; i++) prior[2][i] = (byte) (i % 2);
        ScoreSource src = ScoreSource.respectingMasks(new CriterionScoreSource(Criterion.TAYLOR, w, g, null), prior);
        long total = Arrays.stream(sizes).asLongStream().sum();
        for (String kind : new String[] {"global", "perLayer", "threshold", "nm", "structured"}) {
            byte[][] cpu = new byte[sizes.length][];
            for (int t = 0; t < sizes.length; t++) cpu[t] = new byte[sizes[t]];
            switch (kind) {
                case "global" -> GlobalSelector.select(src, total - 10).writeMasks(src, cpu);
                case "perLayer" -> GlobalSelector.perLayer(src, new double[] {0.01, 0.5, 0.1, 0.001}, cpu, null);
                case "threshold" -> GlobalSelector.threshold(src, Float.NEGATIVE_INFINITY, cpu, null);
                case "nm" -> {
                    for (int t = 0; t < sizes.length; t++) NmSparsity.apply(src, t, rowLen[t], 3, 4, cpu[t], null);
                }
                default -> cpu = Structured.global(src, groups, Structured.Norm.L1, 310).masks();
            }
            long[] keptCpu = new long[sizes.length];
            for (int t = 0; t < sizes.length; t++) {
                for (int i = 0; i < sizes[t]; i++) {
                    if (prior[t] != null) cpu[t][i] &= prior[t][i];
                    keptCpu[t] += cpu[t][i];
                }
            }
            try (Dev d = new Dev(w, g, prior, opt)) {
                List<PruneTensor> ts = new ArrayList<>();
                for (PruneTensor p : d.ts) ts.add(p.withPriorMask(p.maskIn(), p.maskOut()));
                long[] kept = switch (kind) {
                    case "global" -> ops.select(ts, Criterion.TAYLOR, total - 10, true, true).keptPerTensor();
                    case "perLayer" -> Arrays.stream(ops.perLayer(ts, Criterion.TAYLOR,
                                    new double[] {0.01, 0.5, 0.1, 0.001}, true, true))
                            .mapToLong(x -> x.keptPerTensor()[0]).toArray();
                    case "threshold" -> ops.threshold(ts, Criterion.TAYLOR, Float.NEGATIVE_INFINITY, true, true);
                    case "nm" -> {
                        long[] k = new long[sizes.length];
                        for (int t = 0; t < sizes.length; t++) k[t] = ops.nm(ts.get(t), Criterion.TAYLOR, rowLen[t], 3,
                                4, true, true);
                        yield k;
                    }
                    default -> ops.structuredGlobal(ts, Criterion.TAYLOR, groups, Structured.Norm.L1, 310, true, true)
                            .keptElements();
                };
                assertArrayEquals(keptCpu, kept, kind + " kept counts");
                for (int t = 0; t < sizes.length; t++) {
                    assertMask(kind + " sticky t" + t, cpu[t], d.mask(t));
                    float[] wd = d.floats(d.w[t]), od = d.floats(d.opt[t]);
                    for (int i = 0; i < sizes[t]; i++) {
                        float we = cpu[t][i] == 0 ? 0f : w[t][i], oe = cpu[t][i] == 0 ? 0f : opt[t][i];
                        if (Float.floatToRawIntBits(we) != Float.floatToRawIntBits(wd[i])
                                || Float.floatToRawIntBits(oe) != Float.floatToRawIntBits(od[i])) {
                            fail(kind + " t" + t + " element " + i + ": w " + wd[i] + " (want " + we + "), opt " + od[i]
                                    + " (want " + oe + ")");
                        }
                    }
                }
            }
        }
    }

    private static final int[][] CSR_SHAPES = {{1, 1}, {7, 129}, {129, 7}, {300, 784}, {64, 4096}};

    private static float[] sparseWeights(Rng r, int out, int in) {
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextInt(10) < 7 ? (r.nextInt(5) == 0 ? -0.0f : 0f) : r.uniform(-1, 1);
        }
        return w;
    }

    /** y = relu(x·Wᵀ + b) on {@code path} at odd batch sizes, poisoned output, against Spmm.linear; returns the paths
     *  that ran. */
    private static java.util.Set<GpuSparseLinear.Path> checkForward(Rng r, Csr cpu, GpuSparseLinear sl, float[] bias,
                                                                   GpuSparseLinear.Path path) {
        java.util.Set<GpuSparseLinear.Path> ran = java.util.EnumSet.noneOf(GpuSparseLinear.Path.class);
        int out = cpu.rows, in = cpu.cols;
        for (int n : new int[] {1, 7, 16, 33}) {
            float[] x = new float[n * in];
            r.fillUniform(x, -1, 1);
            float[] yCpu = new float[n * out];
            Spmm.linear(cpu, x, n, bias, yCpu);
            try (DeviceBuffer xd = ctx.upload(x); DeviceBuffer yd = ctx.allocFloat((long) n * out)) {
                float[] nan = new float[n * out];
                Arrays.fill(nan, Float.NaN);
                yd.upload(nan);
                ran.add(sl.forward(xd, n, yd, GpuSparseLinear.Activation.RELU, path));
                float[] y = new float[n * out];
                yd.download(y);
                for (int i = 0; i < y.length; i++) {
                    float ref = Math.max(0f, yCpu[i]);
                    double tol = 1e-5 + 1e-5 * Math.abs(ref) + 1e-6 * in;
                    if (!(Math.abs(y[i] - ref) <= tol)) {
                        fail(path + " [" + out + "," + in + "] n=" + n + " element " + i + " gpu=" + y[i]
                                + " cpu=" + ref);
                    }
                }
            }
        }
        return ran;
    }

    @Test
    void csrBuildAndSpmmMatchCpu() {
        Rng r = new Rng(30);
        for (int[] shape : CSR_SHAPES) {
            int out = shape[0], in = shape[1];
            float[] w = sparseWeights(r, out, in);
            float[] bias = new float[out];
            r.fillUniform(bias, -1, 1);
            Csr cpu = Csr.fromDense(w, out, in);
            try (DeviceBuffer wd = ctx.upload(w); DeviceBuffer bd = ctx.upload(bias);
                 GpuSparseLinear sl = GpuSparseLinear.fromDense(ctx, wd, 0, out, in, bd)) {
                assertEquals(cpu, sl.toCsr(), "CSR of [" + out + ", " + in + "]");
                assertEquals(java.util.Set.of(GpuSparseLinear.Path.OURS),
                        checkForward(r, cpu, sl, bias, GpuSparseLinear.Path.OURS));
                GpuSparseLinear.Choice c = sl.choose(8, 3);
                assertNotNull(c.reason());
                assertTrue(c.oursMs() >= 0);
            }
        }
    }

    /**
     * The cuSPARSE path against the CPU where the library is usable; elsewhere (the emulator, a machine without
     * libcusparse) a skip that names why, never an error. Reports where libcusparse was loaded from (gpu-check.sh
     * prints it in its summary).
     */
    @Test
    void cusparseSpmmMatchesCpu(org.junit.jupiter.api.TestReporter reporter) {
        GpuProbe p = GpuProbe.get();
        assumeTrue(p.jcusparseAvailable(), "skipped: cuSPARSE unavailable (" + p.jcusparseReason() + ")");
        Rng r = new Rng(31);
        for (int[] shape : CSR_SHAPES) {
            int out = shape[0], in = shape[1];
            float[] w = sparseWeights(r, out, in);
            float[] bias = new float[out];
            r.fillUniform(bias, -1, 1);
            Csr cpu = Csr.fromDense(w, out, in);
            if (cpu.nnz() == 0) continue;
            try (DeviceBuffer wd = ctx.upload(w); DeviceBuffer bd = ctx.upload(bias);
                 GpuSparseLinear sl = GpuSparseLinear.fromDense(ctx, wd, 0, out, in, bd)) {
                java.util.Set<GpuSparseLinear.Path> ran = checkForward(r, cpu, sl, bias, GpuSparseLinear.Path.CUSPARSE);
                assumeTrue(sl.cusparseReason() == null, "skipped: cuSPARSE unavailable (" + sl.cusparseReason() + ")");
                assertEquals(java.util.Set.of(GpuSparseLinear.Path.CUSPARSE), ran, "the cuSPARSE path must have run");
            }
        }
        String lib = dev.jprune.gpu.GpuDoctor.loadedLibrary("libcusparse");
        reporter.publishEntry("cusparse", "ran; libcusparse from " + lib);
    }

    /**
     * applyMask ≡ Parameter.applyMask (weights +0 where the mask is 0), and with zeroOptimizer the optimizer state too:
     * sizes 1, 7, 129 with every flag combination; the flags off leave weights / state untouched (NaN poison stays
     * where the mask is 0); the kept count is the mask's ones. A null tensor or mask is one clear error.
     */
    @Test
    void applyMaskEqualsCpu() {
        for (int n : new int[] {1, 7, 129}) {
            for (int flags = 0; flags < 4; flags++) {
                boolean zeroWeights = (flags & 1) != 0, zeroOptimizer = (flags & 2) != 0;
                Rng r = new Rng(31L * n + flags);
                float[] w = new float[n], s1 = new float[n];
                byte[] mask = new byte[n];
                long ones = 0;
                for (int i = 0; i < n; i++) {
                    mask[i] = (byte) (i == 0 ? 0 : r.nextInt(2)); // at least one pruned element
                    ones += mask[i];
                    w[i] = mask[i] == 0 && i % 3 == 0 ? Float.NaN : r.uniform(-1, 1);
                    s1[i] = mask[i] == 0 && i % 2 == 0 ? Float.NaN : r.uniform(-1, 1);
                }
                try (DeviceBuffer dw = ctx.allocFloat(n); DeviceBuffer ds = ctx.allocFloat(n);
                     DeviceBuffer dm = ctx.allocBytes(n)) {
                    dw.upload(w);
                    ds.upload(s1);
                    dm.upload(mask);
                    PruneTensor t = PruneTensor.of("t", dw, null).withOptimizerState(ds, null, null);
                    assertEquals(ones, ops.applyMask(t, dm, zeroWeights, zeroOptimizer), "kept, n " + n);
                    float[] gotW = new float[n], gotS = new float[n];
                    dw.download(gotW);
                    ds.download(gotS);
                    Parameter p = new Parameter("weight", Parameter.Kind.WEIGHT, Tensor.wrap(w.clone(), n));
                    p.mask = mask.clone();
                    p.applyMask();
                    float[] wantW = zeroWeights ? p.value.data : w;
                    for (int i = 0; i < n; i++) {
                        String where = "n " + n + ", flags " + flags + ", element " + i;
                        assertEquals(Float.floatToRawIntBits(wantW[i]), Float.floatToRawIntBits(gotW[i]), where);
                        float wantS = zeroOptimizer && mask[i] == 0 ? 0f : s1[i];
                        assertEquals(Float.floatToRawIntBits(wantS), Float.floatToRawIntBits(gotS[i]), where);
                    }
                }
            }
        }
        try (DeviceBuffer dm = ctx.allocBytes(1); DeviceBuffer dw = ctx.allocFloat(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ops.applyMask(null, dm, true, true));
            assertTrue(e.getMessage().contains("null tensor"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> ops.applyMask(PruneTensor.of("w", dw, null), null, true, true));
            assertTrue(e.getMessage().contains("w: null mask"), e.getMessage());
        }
    }
}
