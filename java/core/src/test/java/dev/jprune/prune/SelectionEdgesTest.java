package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.testutil.Properties;
import dev.jprune.util.Rng;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Edges of the selection's arithmetic and contracts: the chunk plan is a balanced partition within its limits, a
 * source whose scores change between passes is refused, density bounds are inclusive at 0, min = max and 1, target
 * views accept exactly the int-sized products, a selection is applied only to the source it was made on, and the
 * host engine refuses what it cannot do with a streaming sink.
 */
class SelectionEdgesTest {
    /**
     * {@link GlobalSelector#plan}: chunks cover [0, total) in order, differ in size by at most one, never exceed
     * MAX_TASK (int histogram bins), are at most maxTasks unless MAX_TASK forces more, and are at least minTask long
     * whenever there are several.
     */
    @Test
    void theChunkPlanIsABalancedPartitionWithinItsLimits() {
        Properties.forAll("chunk plan", 0, Duration.ofSeconds(5), r -> {
            long total = switch (r.nextInt(4)) {
                case 0 -> r.nextInt(100);
                case 1 -> r.nextLong(1L << 20);
                case 2 -> GlobalSelector.MAX_TASK * (1 + r.nextInt(5)) + r.nextInt(3) - 1;
                default -> r.nextLong(1L << 36);
            };
            int maxTasks = 1 + r.nextInt(16);
            long minTask = 1 + r.nextLong(1L << 16);
            long[] s = GlobalSelector.plan(total, maxTasks, minTask);
            int tasks = s.length - 1;
            String what = "plan(" + total + ", " + maxTasks + ", " + minTask + ")";
            assertEquals(0, s[0], what);
            assertEquals(total, s[tasks], what);
            long forced = (total + GlobalSelector.MAX_TASK - 1) / GlobalSelector.MAX_TASK;
            assertTrue(tasks >= 1 && tasks <= Math.max(maxTasks, forced), what + ": " + tasks + " chunks");
            long min = Long.MAX_VALUE, max = 0;
            for (int c = 0; c < tasks; c++) {
                long len = s[c + 1] - s[c];
                min = Math.min(min, len);
                max = Math.max(max, len);
            }
            assertTrue(max - min <= 1, what + ": chunk sizes " + min + ".." + max);
            assertTrue(max <= GlobalSelector.MAX_TASK, what + ": a chunk of " + max);
            if (tasks > 1 && tasks > forced) assertTrue(min >= minTask, what + ": a chunk of " + min);
        });
    }

    /** Pass 2 finds no candidate in pass 1's bucket: the result would be meaningless, so it is refused. */
    @Test
    void aSourceWhoseScoresChangeBetweenPassesIsRefused() {
        int[] calls = {0};
        ScoreSource drifting = new ScoreSource() {
            @Override public int tensorCount() { return 1; }
            @Override public int size(int t) { return 10; }
            @Override public float score(int t, int i) { return 1f; }
            @Override public void scores(int t, int from, int to, float[] out) {
                java.util.Arrays.fill(out, 0, to - from, calls[0]++ == 0 ? 1f : 1000f);
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GlobalSelector.select(drifting, 3));
        assertTrue(e.getMessage().contains("scores changed between passes"), e.getMessage());
    }

    @Test
    void densityBoundsAreInclusive() {
        long[] sizes = {10, 4};
        long[][] b = GlobalSelector.cappedBounds("op", sizes, t -> "t" + t, new double[] {0, 0.25},
                new double[] {1, 0.25});
        assertArrayEquals(new long[] {0, 1}, b[0]);
        assertArrayEquals(new long[] {10, 1}, b[1]);
        for (double[] bad : new double[][] {{-0.01, 0.5}, {0.6, 0.5}, {0.5, 1.01}, {Double.NaN, 1}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    GlobalSelector.cappedBounds("op", sizes, t -> "t" + t, new double[] {0, bad[0]},
                            new double[] {1, bad[1]}));
            assertTrue(e.getMessage().startsWith("op: t1 needs 0 <= minDensity <= maxDensity <= 1"), e.getMessage());
        }
    }

    @Test
    void targetViewsAcceptExactlyTheIntSizedProducts() {
        assertEquals(0, new PruneTargets.Target("empty rows", 0, 5).size());
        assertEquals(0, new PruneTargets.Target("empty row", 5, 0).size());
        assertEquals(Integer.MAX_VALUE, new PruneTargets.Target("max", 1, Integer.MAX_VALUE).size());
        assertEquals(Integer.MAX_VALUE, PruneTargets.Target.of("max", new int[] {Integer.MAX_VALUE}).size());
        PruneTargets.Target scalar = PruneTargets.Target.of("scalar", new int[0]);
        assertEquals(List.of(1, 1), List.of(scalar.rows(), scalar.rowLength()));
        PruneTargets.Target conv = PruneTargets.Target.of("conv", new int[] {6, 3, 5, 5});
        assertEquals(List.of(6, 75), List.of(conv.rows(), conv.rowLength()));
        assertThrows(IllegalArgumentException.class, () -> new PruneTargets.Target("x", -1, 5));
        assertThrows(IllegalArgumentException.class, () -> new PruneTargets.Target("x", 5, -1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PruneTargets.Target("x", 65536, 32768));
        assertTrue(e.getMessage().contains("bad view [65536, 32768]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PruneTargets.Target.of("big", new int[] {65536,
            32768}));
        assertTrue(e.getMessage().startsWith("big has 2147483648 elements"), e.getMessage());
        PruneSpec spec = PruneSpec.builder().criterion(Criterion.MAGNITUDE).build();
        List<PruneTargets.Target> views = List.of(conv, scalar);
        PruneTargets pt = new PruneTargets(spec, views);
        assertSame(spec, pt.spec());
        assertEquals(views, pt.targets());
        assertEquals(451, pt.candidateCount());
    }

    @Test
    void aSelectionIsAppliedOnlyToTheSourceItWasMadeOn() {
        ScoreSource src = ScoreSource.of(new float[][] {{3, 1, 2}, {5, 4}}, new String[] {"a", "b"});
        Selection sel = GlobalSelector.select(src, 2);
        ScoreSource fewer = ScoreSource.of(new float[][] {{3, 1, 2}}, new String[] {"a"});
        ScoreSource shorter = ScoreSource.of(new float[][] {{3, 1, 2}, {5}}, new String[] {"a", "b"});
        for (ScoreSource other : List.of(fewer, shorter)) {
            String m = assertThrows(IllegalArgumentException.class,
                    () -> sel.apply(other, (MaskSink) null)).getMessage();
            assertTrue(m.startsWith("Selection.apply: "), m);
            byte[][] masks = Structured.newMasks(other);
            m = assertThrows(IllegalArgumentException.class, () -> sel.apply(other, masks, null)).getMessage();
            assertTrue(m.startsWith("Selection.apply: "), m);
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> sel.apply(shorter, (MaskSink) null))
                .getMessage().contains("b has 1 elements, selection was made on 2"));
        byte[][] masks = Structured.newMasks(src);
        assertArrayEquals(new long[] {0, 2}, sel.apply(src, masks, null));
        assertArrayEquals(new byte[][] {{0, 0, 0}, {1, 1}}, masks);
        float[][] w = {{3, 1, 2}, {5, 4}};
        assertArrayEquals(new long[] {0, 2}, sel.apply(ScoreSource.of(w), null, w), "weights alone are zeroed");
        assertArrayEquals(new float[][] {{0, 0, 0}, {5, 4}}, w);
    }

    @Test
    void aStreamingHostEngineRefusesStructuredSelectionAndMismatchedRows() {
        ScoreSource src = ScoreSource.of(new float[][] {{1, 2, 3, 4}, {5, 6}});
        HostSelectionEngine streaming = new HostSelectionEngine(src, MaskSink.arrays(Structured.newMasks(src), null));
        int[] groups = {2, 1};
        for (Runnable r : List.<Runnable>of(() -> streaming.structured(groups, Structured.Norm.L1, 1),
                () -> streaming.structuredPerLayer(groups, Structured.Norm.L1, new double[] {0.5, 0.5}),
                () -> streaming.structuredThreshold(groups, Structured.Norm.L1, 1f))) {
            String m = assertThrows(IllegalArgumentException.class, r::run).getMessage();
            assertTrue(m.startsWith("structured selection writes whole masks in memory"), m);
        }
        assertThrows(IllegalStateException.class, streaming::masks);
        // N:M checks every tensor before the sink hears a decision: a NaN in the last leaves the first unwritten.
        byte[][] out = {{7, 7, 7, 7}, {7, 7}};
        ScoreSource nan = ScoreSource.of(new float[][] {{1, 2, 3, 4}, {5, Float.NaN}});
        HostSelectionEngine checked = new HostSelectionEngine(nan, MaskSink.arrays(out, null));
        assertThrows(IllegalArgumentException.class, () -> checked.nm(new int[] {4, 2}, 1, 2));
        assertArrayEquals(new byte[][] {{7, 7, 7, 7}, {7, 7}}, out);
        HostSelectionEngine host = new HostSelectionEngine(src);
        String m = assertThrows(IllegalArgumentException.class, () -> host.nm(new int[] {4}, 1, 2)).getMessage();
        assertEquals("nm: 1 row lengths for 2 tensors", m);
        assertArrayEquals(new long[] {2, 1}, host.nm(new int[] {4, 2}, 1, 2));
        assertArrayEquals(new byte[][] {{0, 1, 0, 1}, {0, 1}}, host.masks());
    }

    /** RANDOM scores are a pure function of (seed, tensor, index); names are reported as given, else the default. */
    @Test
    void randomScoresArePureAndNamed() {
        RandomScores a = new RandomScores(7, new int[] {3, 5}, new String[] {"x", "y"});
        RandomScores b = new RandomScores(7, new int[] {3, 5}, null);
        assertEquals(List.of("x", "y"), List.of(a.name(0), a.name(1)));
        assertEquals("tensor 1", b.name(1), "no names: the ScoreSource default");
        assertEquals(2, b.tensorCount());
        assertEquals(5, b.size(1));
        for (int i = 0; i < 5; i++) {
            assertEquals(Rng.hashUniform(7, 1, i), a.score(1, i));
            assertEquals(a.score(1, i), b.score(1, i));
        }
        assertNotEquals(a.score(0, 0), new RandomScores(8, new int[] {3, 5}, null).score(0, 0), "the seed counts");
    }

    @Test
    void nmValidityHoldsForRowsOfOne() {
        assertTrue(NmSparsity.isValid(new byte[] {1, 0, 1}, 1, 1, 1));
        assertFalse(NmSparsity.isValid(new byte[] {1, 0, 1}, 1, 0, 1));
        assertFalse(NmSparsity.isValid(new byte[] {1, 0, 1}, 0, 1, 1));
        assertFalse(NmSparsity.isValid(new byte[] {1, 0, 1}, 2, 1, 1), "3 is not a whole number of rows of 2");
        assertTrue(NmSparsity.isValid(new byte[] {1, 0, 0, 1, 1}, 5, 2, 4), "the short last group keeps at most N");
        assertFalse(NmSparsity.isValid(new byte[] {1, 0, 1, 1, 1, 1}, 6, 2, 4));
    }

    /** The classic array signatures zero the pruned weights also when no mask array is asked for. */
    @Test
    void weightsAloneAreZeroedWhereTheSelectionPrunes() {
        float[][] w = {{3, -1, 2, 0.5f}, {5, -4}};
        GlobalSelector.perLayer(ScoreSource.of(w), new double[] {0.5, 0.5}, null, w);
        assertArrayEquals(new float[][] {{3, 0, 2, 0}, {5, 0}}, w, "per layer, by signed score");
        float[][] v = {{3, -1, 2, 0.5f}, {5, -4}};
        assertArrayEquals(new long[] {2, 1}, GlobalSelector.threshold(ScoreSource.of(v), 2f, null, v));
        assertArrayEquals(new float[][] {{3, 0, 2, 0}, {5, 0}}, v, "threshold");
        float[] x = {1, 4, 3, 2, 7, 5};
        assertEquals(2, NmSparsity.apply(ScoreSource.of(new float[][] {x.clone()}), 0, 3, 1, 3, null, x));
        assertArrayEquals(new float[] {0, 4, 0, 0, 7, 0}, x, "N:M into the weights alone");
    }

    /**
     * N:M into a sink checks every row first: a NaN in the last row leaves the sink's arrays as they were, also when
     * the rows before it hold more decisions than the pass buffers (2048) and would have been handed over already.
     */
    @Test
    void aNaNScoreLeavesTheNmSinkUntouched() {
        float[] s = new float[3000];
        for (int i = 0; i < s.length; i++) s[i] = i % 7;
        s[2999] = Float.NaN;
        byte[] mask = new byte[3000];
        java.util.Arrays.fill(mask, (byte) 7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                NmSparsity.apply(ScoreSource.of(new float[][] {s}, new String[] {"fc"}), 0, 2, 1, 2,
                        MaskSink.arrays(new byte[][] {mask}, null)));
        assertTrue(e.getMessage().contains("fc at index 2999 is NaN"), e.getMessage());
        for (byte m : mask) assertEquals(7, m, "no decision reached the sink");
    }

    /** The SNIP normaliser's sum reads every element exactly once, whatever the tensor sizes around its block. */
    @Test
    void scoreSumsCoverEveryElementOnceAtBlockEdges() {
        int b = Criterion.SUM_BLOCK;
        int[] sizes = {0, b - 1, b, b + 1, 1};
        float[][] ones = new float[sizes.length][];
        long n = 0;
        for (int t = 0; t < sizes.length; t++) {
            ones[t] = new float[sizes[t]];
            java.util.Arrays.fill(ones[t], 1f);
            n += sizes[t];
        }
        assertEquals(n, ScoreSums.sum(ScoreSource.of(ones)), "a sum of ones counts the elements");
        ones[3][b] = Float.NaN;
        String m = assertThrows(IllegalArgumentException.class, () -> ScoreSums.sum(ScoreSource.of(ones)))
                .getMessage();
        assertTrue(m.contains("tensor 3 at index " + b + " is NaN"), m);
    }

    @Test
    void scoresWithoutAFormulaAreRefusedWithTheWayToGiveThem() {
        float[][] w = {{1}};
        String m = assertThrows(IllegalArgumentException.class, () -> new CriterionScoreSource(Criterion.USER, w, null,
                null)).getMessage();
        assertTrue(m.endsWith("has no per-element formula; use ScoreSource.of(scores)"), m);
        m = assertThrows(IllegalArgumentException.class, () -> new CriterionScoreSource(Criterion.RANDOM, w, null,
                null)).getMessage();
        assertTrue(m.endsWith("criterion RANDOM has no per-element formula"), m);
    }
}
