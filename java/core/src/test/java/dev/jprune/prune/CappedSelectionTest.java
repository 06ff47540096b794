package dev.jprune.prune;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Global selection with per-tensor density caps ≡ a brute-force evaluation of its definition. */
class CappedSelectionTest {

    /** Definition: walk the global order; the first position p where Σ clamp(c_t(p), min_t, max_t) == keep. */
    static long[] referenceCounts(float[][] s, long keep, long[] min, long[] max) {
        int nt = s.length, total = 0;
        for (float[] a : s) total += a.length;
        float[] sc = new float[total];
        int[] tensor = new int[total];
        int gi = 0;
        for (int t = 0; t < nt; t++) for (float v : s[t]) { sc[gi] = v; tensor[gi++] = t; }
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> sc[a] > sc[b] ? -1 : sc[a] < sc[b] ? 1 : Integer.compare(a, b));
        long[] c = new long[nt];
        for (int p = 0; ; p++) {
            long f = 0;
            for (int t = 0; t < nt; t++) f += Math.max(min[t], Math.min(max[t], c[t]));
            if (f == keep) {
                long[] k = new long[nt];
                for (int t = 0; t < nt; t++) k[t] = Math.max(min[t], Math.min(max[t], c[t]));
                return k;
            }
            if (p == total) fail("no position satisfies the definition (infeasible case generated)");
            c[tensor[order[p]]]++;
        }
    }

    @Test
    void matchesDefinitionOnRandomCases() {
        Rng r = new Rng(21);
        int bothSides = 0;
        for (int it = 0; it < 400; it++) {
            int nt = 1 + r.nextInt(6);
            float[][] s = new float[nt][];
            double[] lo = new double[nt], hi = new double[nt];
            long[] min = new long[nt], max = new long[nt];
            long sumMin = 0, sumMax = 0;
            for (int t = 0; t < nt; t++) {
                int n = r.nextInt(5) == 0 ? r.nextInt(3) : r.nextInt(200);
                s[t] = new float[n];
                // Tensors on different scales so that caps bind from both sides.
                float scale = (float) Math.pow(10, r.nextInt(5) - 2);
                for (int i = 0; i < n; i++) s[t][i] = r.nextInt(6) == 0 ? 0f : scale * r.nextFloat();
                lo[t] = r.nextInt(3) == 0 ? 0 : 0.5 * r.nextDouble();
                hi[t] = r.nextInt(3) == 0 ? 1 : lo[t] + (1 - lo[t]) * r.nextDouble();
                min[t] = (long) Math.rint(lo[t] * n);
                max[t] = (long) Math.rint(hi[t] * n);
                sumMin += min[t];
                sumMax += max[t];
            }
            long keep = sumMin + (sumMax == sumMin ? 0 : (long) (r.nextDouble() * (sumMax - sumMin + 1)));
            keep = Math.min(keep, sumMax);
            long[] want = referenceCounts(s, keep, min, max);
            byte[][] m = Structured.newMasks(ScoreSource.of(s));
            GlobalSelector.CappedResult res = GlobalSelector.selectCapped(ScoreSource.of(s), keep, lo, hi, m, null);
            String ctx = "case " + it + " keep " + keep + " min " + Arrays.toString(min) + " max "
                    + Arrays.toString(max);
            assertArrayEquals(want, res.keptPerTensor(), ctx);
            boolean sawMin = false, sawMax = false;
            for (int t = 0; t < nt; t++) {
                byte[] refMask = SelectionReference.select(ScoreSource.of(new float[][]{s[t]}), want[t]).masks()[0];
                assertArrayEquals(refMask, m[t], ctx + " mask of tensor " + t);
                if (res.clamped()[t] && want[t] == min[t] && min[t] != max[t]) sawMin = true;
                if (res.clamped()[t] && want[t] == max[t] && min[t] != max[t]) sawMax = true;
            }
            if (sawMin && sawMax) bothSides++;
        }
        assertTrue(bothSides > 0,
                "no generated case clamped tensors on both sides; the test does not cover the one-sided rule");
    }

    @Test
    void infeasibleBoundsAreRejected() {
        float[][] s = {{1, 2, 3, 4}, {5, 6}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GlobalSelector.selectCapped(ScoreSource.of(s), 1, new double[]{0.5, 0.5},
                        new double[]{1, 1}, null, null));
        assertTrue(e.getMessage().contains("infeasible"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> GlobalSelector.selectCapped(ScoreSource.of(s), 3, new double[]{0.6, 0},
                        new double[]{0.5, 1}, null, null));
    }
}
