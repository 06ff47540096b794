package dev.jprune.gpu.prune;

import dev.jprune.gpu.GpuContext;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.CriterionScoreSource;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.ScoreSource;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * GPU ≡ CPU, bit for bit, for the global selection of {@link GpuPruneOps} (GlobalSelector's twin) and its capped
 * form: masks, zeroed weights and optimizer states, threshold bits, tie budgets and kept counts on every input kind
 * (random, 3 values, 90% zeros, denormals, −0.0), 1 to 1000 tensors including sizes 0, 1, 7, 129, keep = 0, 1,
 * total; a non-finite input on every selection path writes nothing and is named; the phase marks. Skips without a
 * GPU.
 */
@Tag("gpu")
class GpuPruneSelectTest extends GpuPruneTestBase {
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
                GlobalSelector.CappedResult got = pruneOps.selectCapped(d.ts, c, keep, lo, hi, true, true);
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
        float[][][] in = randomInputs(q, sizes);
        float[][] w = in[0], g = in[1], opt = in[2];
        w[1][17] = Float.NaN;
        try (Dev d = new Dev(w, g, null, opt)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pruneOps.selectCapped(d.ts, Criterion.MAGNITUDE, 10, new double[] {0.5, 0.5},
                            new double[] {1, 1}, true, true));
            assertTrue(e.getMessage().contains("infeasible"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> pruneOps.selectCapped(d.ts, Criterion.MAGNITUDE, 10, new double[] {0.6, 0},
                            new double[] {0.5, 1}, true, true));
            assertThrows(IllegalArgumentException.class, () -> pruneOps.selectCapped(d.ts, Criterion.MAGNITUDE, 10,
                    new double[] {0}, new double[] {1}, true, true));
            e = assertThrows(IllegalArgumentException.class,
                    () -> pruneOps.selectCapped(d.ts, Criterion.MAGNITUDE, 60, new double[] {0.1, 0.1},
                            new double[] {0.5, 0.9}, true, true));
            assertTrue(e.getMessage().contains("t1") && e.getMessage().contains("index 17"), e.getMessage());
            for (int t = 0; t < 2; t++) {
                for (byte b : d.mask(t)) assertEquals(7, b, "a refused capped selection wrote a mask");
                assertBitsEqual(w[t], d.floats(d.w[t]), "refused capped: weights t" + t);
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
                pruneOps.setCompaction(path == 0 ? -1 : 1L << 40);
                pruneOps.setSharedHistogram(path != 2);
                pruneOps.setBracketing(path == 3);
                pruneOps.bracketMin = 0;
                // its output masks may hold partial results after a fault (scratch by contract)
                boolean bracket = path == 3;
                String on = new String[] {" (automatic path)", " (compacting, shared histogram)",
                        " (compacting, 16-bit)", " (bracket)"}[path];
                int[] sizes = {7, 5000};
                Rng r = new Rng(4);
                float[][][] in = randomInputs(r, sizes);
                float[][] w = in[0], g = in[1], opt = in[2];
                w[1][4321] = Float.POSITIVE_INFINITY;
                try (Dev d = new Dev(w, g, null, opt)) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> pruneOps.select(d.ts, Criterion.TAYLOR, 100, true, true));
                    assertTrue(e.getMessage().contains("t1") && e.getMessage().contains("4321")
                            && e.getMessage().contains("weight"), e.getMessage());
                    byte[] m = d.mask(1);
                    if (!bracket) for (byte b : m) assertEquals(7, b, "mask untouched" + on);
                    assertBitsEqual(w[1], d.floats(d.w[1]), "weights untouched" + on);
                    assertThrows(IllegalArgumentException.class,
                            () -> pruneOps.threshold(d.ts, Criterion.TAYLOR, 0.1f, true, true));
                    if (!bracket) for (byte b : d.mask(1)) assertEquals(7, b, "mask untouched by threshold" + on);
                    // Per layer: the fault in t1 must also stop the writes of the clean t0 (GlobalSelector.perLayer
                    // selects every tensor before it applies any), and it is named like the global one.
                    e = assertThrows(IllegalArgumentException.class,
                            () -> pruneOps.perLayer(d.ts, Criterion.TAYLOR, new double[] {0.5, 0.5}, true, true));
                    assertTrue(e.getMessage().contains("t1") && e.getMessage().contains("4321"), e.getMessage());
                    for (int t = 0; t < sizes.length; t++) {
                        if (!bracket) for (byte b : d.mask(t)) assertEquals(7, b,
                                "mask of t" + t + " untouched by perLayer" + on);
                        assertBitsEqual(w[t], d.floats(d.w[t]), "weights of t" + t + " untouched by perLayer" + on);
                        assertBitsEqual(opt[t], d.floats(d.opt[t]), "opt of t" + t + " untouched by perLayer" + on);
                    }
                }
            }
        } finally {
            pruneOps.setCompaction(-1);
            pruneOps.setSharedHistogram(true);
            pruneOps.setBracketing(false);
            pruneOps.bracketMin = GpuPruneOps.COMPACT_MIN;
        }
    }

    /** Phase marks (benchmarks): a marked selection reports its four phases in order, non-negative; off again after. */
    @Test
    void phaseMarksReportTheSelectionsPhases() {
        int[] sizes = {4097, 129};
        Rng r = new Rng(3);
        float[][][] in = randomInputs(r, sizes);
        float[][] w = in[0], g = in[1], opt = in[2];
        try (Dev d = new Dev(w, g, null, opt)) {
            ctx.startMarks();
            pruneOps.select(d.ts, Criterion.TAYLOR, 100, false, false);
            List<GpuContext.Phase> ph = ctx.stopMarks();
            assertEquals(List.of("select: tables and states uploaded", "select: selecting passes (histograms, find)",
                    "select: writing passes (ties, mask or split, candidates)", "select: results downloaded"),
                    ph.stream().map(GpuContext.Phase::name).toList());
            for (GpuContext.Phase p : ph) assertTrue(p.millis() >= 0 && Float.isFinite(p.millis()), p.toString());
            assertEquals(List.of(), ctx.stopMarks(), "not recording any more");
            pruneOps.select(d.ts, Criterion.TAYLOR, 100, false, false);  // unmarked: nothing recorded
            assertEquals(List.of(), ctx.stopMarks());
        }
    }
}
