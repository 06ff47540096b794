package dev.jprune.prune;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Radix selection ≡ sort-based reference on many score distributions, sizes and keep counts. */
class SelectionTest {

    interface Gen { float next(Rng r); }

    static float[][] tensors(Rng r, int[] sizes, Gen gen) {
        float[][] s = new float[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            s[t] = new float[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) s[t][i] = gen.next(r);
        }
        return s;
    }

    static long total(float[][] s) {
        long n = 0;
        for (float[] a : s) n += a.length;
        return n;
    }

    /** Keep counts that exercise the edges: 0, 1, total-1, total, and a few random ones. */
    static long[] keeps(Rng r, long total) {
        long[] k = {0, Math.min(1, total), Math.max(0, total - 1), total, total / 2, r.nextInt((int) total + 1),
                r.nextInt((int) total + 1)};
        return Arrays.stream(k).distinct().toArray();
    }

    /** Compares radix (at several chunkings) with the reference; prints the first differing element on failure. */
    static void check(String what, float[][] scores, long keep) {
        ScoreSource src = ScoreSource.of(scores);
        SelectionReference.Result ref = SelectionReference.select(src, keep);
        // maxTasks/minTask = 1 forces chunk boundaries inside tensors and chunks made only of empty tensors.
        int[][] splits = {{32, (int) GlobalSelector.MIN_TASK}, {1, 1}, {3, 1}, {17, 1}};
        for (int[] sp : splits) {
            Selection sel = GlobalSelector.select(src, keep, sp[0], sp[1]);
            String ctx = what + " keep=" + keep + "/" + total(scores) + " tasks<=" + sp[0] + ": " + sel;
            assertEquals(keep, sel.keep, ctx);
            assertEquals(ref.thresholdBits(), sel.thresholdBits,
                    ctx + " threshold (ref " + Float.intBitsToFloat(ref.thresholdBits()) + ")");
            assertEquals(ref.tieBudget(), sel.tieBudget, ctx + " tieBudget");
            byte[][] m = new byte[scores.length][];
            for (int t = 0; t < m.length; t++) { m[t] = new byte[scores[t].length]; Arrays.fill(m[t], (byte) 7); }
            long[] kept = sel.writeMasks(src, m);
            long k = 0;
            for (int t = 0; t < m.length; t++) {
                long kt = 0;
                for (int i = 0; i < m[t].length; i++) {
                    if (m[t][i] != ref.masks()[t][i]) {
                        fail(ctx + ": first mismatch at tensor " + t + " index " + i + " score " + scores[t][i]
                                + " radix " + m[t][i] + " reference " + ref.masks()[t][i]);
                    }
                    kt += m[t][i];
                }
                assertEquals(kt, kept[t], ctx + " kept count of tensor " + t);
                k += kt;
            }
            assertEquals(keep, k, ctx + " exact k");
        }
    }

    static void checkAll(String what, Rng r, int[] sizes, Gen gen) {
        float[][] s = tensors(r, sizes, gen);
        for (long keep : keeps(r, total(s))) check(what, s, keep);
    }

    static final int[][] SHAPES = {{1}, {7}, {129}, {1, 7, 129}, {0, 5, 0, 0, 3, 0}, {1000, 1, 999, 4097},
            {1, 1, 1, 1}, {70000, 3}};

    @Test
    void randomScores() {
        Rng r = new Rng(1);
        for (int[] sh : SHAPES) checkAll("random", r, sh, x -> (float) Math.abs(x.nextGaussian()));
    }

    @Test
    void signedScoresWithInfinities() {
        Rng r = new Rng(2);
        for (int[] sh : SHAPES) {
            checkAll("signed", r, sh, x -> {
                int c = x.nextInt(50);
                if (c == 0) return Float.POSITIVE_INFINITY;
                if (c == 1) return Float.NEGATIVE_INFINITY;
                if (c == 2) return -Float.MAX_VALUE;
                return (float) x.nextGaussian() * 3f;
            });
        }
    }

    @Test
    void duplicateHeavy() {
        Rng r = new Rng(3);
        float[] vals = {0.5f, 1f, 2f};
        for (int[] sh : SHAPES) checkAll("dup3", r, sh, x -> vals[x.nextInt(3)]);
    }

    @Test
    void zeroHeavy() {
        Rng r = new Rng(4);
        for (int[] sh : SHAPES) checkAll("zeros90", r, sh, x -> x.nextInt(10) == 0 ? x.nextFloat() : 0f);
    }

    @Test
    void denormals() {
        Rng r = new Rng(5);
        for (int[] sh : SHAPES) {
            checkAll("denormal", r, sh, x -> {
                int c = x.nextInt(4);
                if (c == 0) return 0f;
                if (c == 1) return Float.MIN_VALUE * (1 + x.nextInt(5));  // a few distinct denormals, many ties
                if (c == 2) return Float.MIN_NORMAL * x.nextFloat();       // arbitrary denormals
                return Float.MIN_NORMAL;
            });
        }
    }

    @Test
    void negativeZeroTiesWithZero() {
        Rng r = new Rng(6);
        for (int[] sh : SHAPES)
            checkAll("pm0", r, sh, x -> x.nextInt(3) == 0 ? 1f : (x.nextInt(2) == 0 ? -0.0f : 0.0f));
        // Direct check: -0.0 at the lower index wins the tie against +0.0.
        byte[][] m = Pruner.globalMasks(new float[][]{{-0.0f, 0.0f, 1f}}, 2);
        assertArrayEquals(new byte[]{1, 0, 1}, m[0]);
        Selection s = GlobalSelector.select(ScoreSource.of(new float[][]{{-0.0f, -0.0f}}), 1);
        assertEquals(0, s.thresholdBits, "threshold is canonical +0.0");
        assertEquals(1, s.tieBudget);
    }

    @Test
    void manyTensors() {
        Rng r = new Rng(7);
        int[] sizes = new int[1000];
        for (int t = 0; t < sizes.length; t++) sizes[t] = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(40);
        checkAll("1000 tensors", r, sizes, x -> x.nextInt(4) == 0 ? 0.25f : x.nextFloat());
    }

    @Test
    void allEmptyAndNoTensors() {
        check("no tensors", new float[0][], 0);
        check("empty tensors", new float[][]{{}, {}}, 0);
        assertThrows(IllegalArgumentException.class, () -> GlobalSelector.select(ScoreSource.of(new float[][]{{}}), 1));
    }

    @Test
    void keepOutOfRangeIsRejected() {
        ScoreSource src = ScoreSource.of(new float[][]{{1, 2, 3}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GlobalSelector.select(src, 4));
        assertTrue(e.getMessage().contains("keep = 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GlobalSelector.select(src, -1));
    }

    @Test
    void nanScoreNamesTensorAndIndexAndWritesNothing() {
        float[][] s = {{1, 2}, {3, Float.NaN, 5}};
        ScoreSource src = ScoreSource.of(s, new String[]{"a.weight", "b.weight"});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pruner.globalMasks(src, 2));
        assertTrue(e.getMessage().contains("b.weight") && e.getMessage().contains("index 1"), e.getMessage());
        byte[][] m = {{9, 9}, {9, 9, 9}};
        assertThrows(IllegalArgumentException.class, () -> GlobalSelector.threshold(src, 0.5f, m, null));
        assertArrayEquals(new byte[]{9, 9, 9}, m[1], "threshold wrote masks before failing");
    }

    @Test
    void applyZeroesExactlyThePrunedWeights() {
        Rng r = new Rng(8);
        int[] sizes = {129, 7, 1, 0, 300};
        float[][] w = tensors(r, sizes, x -> (float) x.nextGaussian());
        float[][] g = tensors(r, sizes, x -> (float) x.nextGaussian());
        float[][] w0 = new float[w.length][];
        for (int t = 0; t < w.length; t++) w0[t] = w[t].clone();
        byte[][] masks = Structured.newMasks(ScoreSource.of(w));
        Selection sel = Pruner.globalPrune(Criterion.TAYLOR, w, g, null, 0.7, masks);
        // Reference on materialised scores of the original weights.
        float[][] sc = new float[w.length][];
        for (int t = 0; t < w.length; t++) {
            sc[t] = new float[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) sc[t][i] = Math.abs(w0[t][i] * g[t][i]);
        }
        long keep = GlobalSelector.keepForSparsity(437, 0.7);
        assertEquals(keep, sel.keep);
        SelectionReference.Result ref = SelectionReference.select(ScoreSource.of(sc), keep);
        for (int t = 0; t < w.length; t++) {
            assertArrayEquals(ref.masks()[t], masks[t], "mask of tensor " + t);
            for (int i = 0; i < sizes[t]; i++) {
                assertEquals(masks[t][i] == 1 ? w0[t][i] : 0f, w[t][i], "weight " + t + "/" + i);
            }
        }
    }

    @Test
    void keepForSparsityIsTorchRoundHalfEven() {
        // torch: pruned = round(amount * n) with Python's round (half to even on the exact double product).
        assertEquals(3, GlobalSelector.keepForSparsity(5, 0.5));   // 2.5 -> 2 pruned
        assertEquals(3, GlobalSelector.keepForSparsity(7, 0.5));   // 3.5 -> 4 pruned
        assertEquals(10, GlobalSelector.keepForSparsity(10, 0.0));
        assertEquals(0, GlobalSelector.keepForSparsity(10, 1.0));
        Rng r = new Rng(9);
        for (int it = 0; it < 2000; it++) {
            long n = r.nextInt(1_000_000);
            double s = it % 3 == 0 ? (r.nextInt(41)) / 40.0 : r.nextDouble();
            long pruned = new BigDecimal(s * (double) n).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
            assertEquals(n - pruned, GlobalSelector.keepForSparsity(n, s), "n=" + n + " s=" + s);
        }
        assertThrows(IllegalArgumentException.class, () -> GlobalSelector.keepForSparsity(10, 1.5));
        assertThrows(IllegalArgumentException.class, () -> GlobalSelector.keepForSparsity(10, Double.NaN));
    }

    @Test
    void thresholdModeKeepsScoresAtLeastEps() {
        Rng r = new Rng(10);
        float[][] s = tensors(r, new int[]{129, 0, 7, 1, 5000},
                x -> x.nextInt(5) == 0 ? 0.5f : (x.nextInt(2) == 0 ? -0.0f : x.nextFloat()));
        for (float eps : new float[]{0.5f, 0f, -0.0f, 0.01f, 2f, Float.NEGATIVE_INFINITY}) {
            Pruner.ThresholdResult res = Pruner.threshold(ScoreSource.of(s), eps);
            long k = 0;
            for (int t = 0; t < s.length; t++) {
                for (int i = 0; i < s[t].length; i++) {
                    byte want = s[t][i] >= eps ? (byte) 1 : 0;
                    assertEquals(want, res.masks()[t][i],
                            "eps " + eps + " tensor " + t + " index " + i + " score " + s[t][i]);
                    k += want;
                }
            }
            assertEquals(k, res.kept(), "kept count for eps " + eps);
        }
    }

    @Test
    void perLayerEachTensorOwnFraction() {
        Rng r = new Rng(11);
        int[] sizes = {129, 7, 1, 0, 1000};
        float[][] s = tensors(r, sizes, x -> x.nextInt(3) == 0 ? 1f : x.nextFloat());
        double[] sp = {0.9, 0.5, 0.5, 0.3, 0.25};
        byte[][] m = Pruner.perLayer(ScoreSource.of(s), sp);
        for (int t = 0; t < sizes.length; t++) {
            long keep = GlobalSelector.keepForSparsity(sizes[t], sp[t]);
            SelectionReference.Result ref = SelectionReference.select(ScoreSource.of(new float[][]{s[t]}), keep);
            assertArrayEquals(ref.masks()[0], m[t], "tensor " + t);
        }
    }

    @Test
    void respectingMasksPrunesOldZerosFirst() {
        float[][] s = {{5, 0, 3, 0, 1}};
        byte[][] old = {{1, 0, 1, 1, 0}};
        byte[][] m = Pruner.globalMasks(ScoreSource.respectingMasks(ScoreSource.of(s), old), 3);
        // kept: 5, 3 and the 0 at index 3 (still alive) rather than the pruned 1 at index 4 or the pruned 0 at index 1.
        assertArrayEquals(new byte[]{1, 0, 1, 1, 0}, m[0]);
    }
}
