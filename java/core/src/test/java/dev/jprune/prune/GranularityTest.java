package dev.jprune.prune;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** N:M and structured (row / filter) pruning against straightforward sort-based references. */
class GranularityTest {

    /** Reference N:M: sort each group's indices by (score desc, index asc), keep the first min(N, r). */
    static byte[] referenceNm(float[] s, int rowLength, int n, int m) {
        byte[] out = new byte[s.length];
        for (int base = 0; base < s.length; base += rowLength) {
            for (int g0 = 0; g0 < rowLength; g0 += m) {
                int r = Math.min(m, rowLength - g0);
                Integer[] idx = new Integer[r];
                for (int j = 0; j < r; j++) idx[j] = base + g0 + j;
                Arrays.sort(idx, (a, b) -> s[a] > s[b] ? -1 : s[a] < s[b] ? 1 : Integer.compare(a, b));
                for (int j = 0; j < Math.min(n, r); j++) out[idx[j]] = 1;
            }
        }
        return out;
    }

    @Test
    void nmEqualsReferenceAndIsValid() {
        Rng r = new Rng(41);
        int[][] nms = {{2, 4}, {1, 4}, {4, 8}, {0, 4}, {4, 4}, {3, 7}, {1, 1}};
        int[] rowLens = {1, 4, 7, 8, 129, 256};
        for (int[] nm : nms) {
            for (int rowLength : rowLens) {
                for (int rows : new int[]{1, 3, 17}) {
                    float[] s = new float[rows * rowLength];
                    for (int i = 0; i < s.length; i++) {
                        int c = r.nextInt(4);
                        s[i] = c == 0 ? 0f : c == 1 ? -0.0f : c == 2 ? 0.5f : r.nextFloat();
                    }
                    byte[] got = Pruner.nm(s, rowLength, nm[0], nm[1]);
                    byte[] want = referenceNm(s, rowLength, nm[0], nm[1]);
                    String ctx = nm[0] + ":" + nm[1] + " rowLength " + rowLength + " rows " + rows;
                    for (int i = 0; i < s.length; i++) {
                        if (got[i] != want[i])
                            fail(ctx + ": first mismatch at " + i + " score " + s[i] + " got " + got[i]
                                    + " want " + want[i]);
                    }
                    assertTrue(NmSparsity.isValid(got, rowLength, nm[0], nm[1]), ctx);
                    // Each full group keeps exactly N.
                    if (rowLength % nm[1] == 0) {
                        int k = 0;
                        for (byte b : got) k += b;
                        assertEquals((long) rows * rowLength / nm[1] * nm[0], k, ctx);
                    }
                }
            }
        }
    }

    @Test
    void nmApplyZeroesWeightsAndRejectsBadInput() {
        float[] w = {4, -1, 3, 2, 0.5f, -6, 1, 1};
        float[] s = new float[w.length];
        for (int i = 0; i < w.length; i++) s[i] = Math.abs(w[i]);
        float[] w2 = w.clone();
        byte[] mask = new byte[w.length];
        long kept = NmSparsity.apply(ScoreSource.of(new float[][]{s}), 0, 8, 2, 4, mask, w2);
        assertEquals(4, kept);
        assertArrayEquals(new byte[]{1, 0, 1, 0, 0, 1, 1, 0}, mask);
        for (int i = 0; i < w.length; i++) assertEquals(mask[i] == 1 ? w[i] : 0f, w2[i]);
        assertFalse(NmSparsity.isValid(new byte[]{1, 1, 1, 0}, 4, 2, 4), "3 of 4 must be invalid for 2:4");
        assertThrows(IllegalArgumentException.class, () -> Pruner.nm(new float[10], 4, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> Pruner.nm(new float[8], 4, 5, 4));
        float[] bad = {1, 2, 3, 4, 5, Float.NaN, 7, 8};
        float[] wb = {1, 2, 3, 4, 5, 6, 7, 8};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NmSparsity.apply(ScoreSource.of(new float[][]{bad}), 0, 4, 2, 4, null, wb));
        assertTrue(e.getMessage().contains("index 5"), e.getMessage());
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6, 7, 8}, wb, "weights changed by a failed N:M");
    }

    /** Reference group score: double sum in index order. */
    static float refGroupScore(float[] s, int from, int len, Structured.Norm norm) {
        double a = 0;
        for (int i = from; i < from + len; i++)
            a += norm == Structured.Norm.L1 ? Math.abs((double) s[i]) : (double) s[i] * s[i];
        return (float) (norm == Structured.Norm.L1 ? a : Math.sqrt(a));
    }

    @Test
    void structuredGlobalAndPerLayerEqualReference() {
        Rng r = new Rng(42);
        // [out, in] matrices and a [F, C, kh, kw] conv weight viewed as F groups.
        int[] groups = {7, 1, 129, 16, 0};
        int[] lens = {129, 7, 1, 3 * 3 * 3, 5};
        float[][] s = new float[groups.length][];
        for (int t = 0; t < groups.length; t++) {
            s[t] = new float[groups[t] * lens[t]];
            for (int i = 0; i < s[t].length; i++) s[t][i] = r.nextInt(3) == 0 ? 0f : (float) r.nextGaussian();
        }
        // Duplicate a row so two groups tie exactly.
        System.arraycopy(s[0], 0, s[0], 129, 129);
        ScoreSource src = ScoreSource.of(s);
        for (Structured.Norm norm : Structured.Norm.values()) {
            float[][] ref = new float[groups.length][];
            for (int t = 0; t < groups.length; t++) {
                ref[t] = new float[groups[t]];
                for (int gi = 0; gi < groups[t]; gi++) ref[t][gi] = refGroupScore(s[t], gi * lens[t], lens[t], norm);
            }
            for (double sp : new double[]{0, 0.3, 0.9, 1}) {
                Structured.Result res = Pruner.structuredGlobal(src, groups, norm, sp);
                long keep = GlobalSelector.keepForSparsity(153, sp);
                byte[][] gm = SelectionReference.select(ScoreSource.of(ref), keep).masks();
                checkExpansion(norm + " global " + sp, res, ref, gm, lens);
                double[] per = {sp, sp, sp, sp, sp};
                Structured.Result pl = Pruner.structuredPerLayer(src, groups, norm, per);
                byte[][] gmp = new byte[groups.length][];
                for (int t = 0; t < groups.length; t++) {
                    gmp[t] = SelectionReference.select(ScoreSource.of(new float[][]{ref[t]}),
                            GlobalSelector.keepForSparsity(groups[t], sp)).masks()[0];
                }
                checkExpansion(norm + " per-layer " + sp, pl, ref, gmp, lens);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> Structured.groupScores(src, new int[]{8, 1, 129, 16, 0}, Structured.Norm.L1));
    }

    static void checkExpansion(String ctx, Structured.Result res, float[][] refScores, byte[][] groupMask, int[] lens) {
        for (int t = 0; t < refScores.length; t++) {
            assertArrayEquals(refScores[t], res.groupScores()[t], ctx + " group scores of tensor " + t);
            int k = 0;
            for (int gi = 0; gi < groupMask[t].length; gi++) {
                if (groupMask[t][gi] == 1)
                    assertEquals(gi, res.keptGroups()[t][k++], ctx + " kept index list of tensor " + t);
                for (int i = gi * lens[t]; i < (gi + 1) * lens[t]; i++)
                    assertEquals(groupMask[t][gi], res.masks()[t][i], ctx + " tensor " + t + " element " + i);
            }
            assertEquals(k, res.keptGroups()[t].length, ctx);
        }
    }
}
