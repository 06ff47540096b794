package dev.jprune.gpu.prune;

import dev.jprune.prune.Criterion;
import dev.jprune.prune.CriterionScoreSource;
import dev.jprune.prune.GlobalSelector;
import dev.jprune.prune.ScoreSource;
import dev.jprune.prune.Selection;
import dev.jprune.util.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The selection paths of {@link GpuPruneOps} (docs/GPU-PRUNE.md: three-pass, compacting, shared histogram, bracket)
 * each give the CPU's selection bit for bit, whichever the device takes and whatever it falls back to: forced paths
 * and candidate capacities on every input kind, global and per layer, and a sample that misleads the bracket. Skips
 * without a GPU.
 */
@Tag("gpu")
class GpuPrunePathsTest extends GpuPruneTestBase {
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
                pruneOps.setSharedHistogram(sharedFirst);
                pruneOps.setBracketing(bracket);
                pruneOps.bracketMin = 0;
                for (long cap : new long[] {1L << 40, 64}) {
                    String name = "compact " + cap + (bracket ? " bracket" : "") + (sharedFirst ? " shared" : "");
                    pruneOps.setCompaction(cap);
                    long before = pruneOps.compactedSelections(), sharedBefore = pruneOps.sharedHistogramSelections();
                    long attemptsBefore = pruneOps.sharedHistogramAttempts();
                    long brBefore = pruneOps.bracketSelections(), brAttemptsBefore = pruneOps.bracketAttempts();
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
                    long compacted = pruneOps.compactedSelections() - before,
                            sharedTaken = pruneOps.sharedHistogramSelections() - sharedBefore;
                    long brTaken = pruneOps.bracketSelections() - brBefore,
                            brTried = pruneOps.bracketAttempts() - brAttemptsBefore;
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
                            pruneOps.sharedHistogramAttempts() - attemptsBefore > sharedTaken, name + ": no fallback");
                }
            }
            pruneOps.setCompaction(0);
            long before = pruneOps.compactedSelections();
            globalCase("never compact", small, Kind.RANDOM, Criterion.TAYLOR, false, 900);
            assertEquals(before, pruneOps.compactedSelections(), "capacity 0 never compacts");
        } finally {
            pruneOps.setCompaction(-1);
            pruneOps.setSharedHistogram(true);
            pruneOps.setBracketing(false);
            pruneOps.bracketMin = GpuPruneOps.COMPACT_MIN;
        }
        assertThrows(IllegalArgumentException.class, () -> pruneOps.setCompaction(-2));
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
            pruneOps.setBracketing(true);
            pruneOps.bracketMin = 0;
            pruneOps.setCompaction(1L << 40);
            long tried = pruneOps.bracketAttempts(), taken = pruneOps.bracketSelections();
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
                    GpuSelection gs = pruneOps.select(d.ts, Criterion.MAGNITUDE, keep, true, true);
                    assertEquals(sel.thresholdBits, gs.thresholdBits(), what + ": threshold bits");
                    assertEquals(sel.tieBudget, gs.tieBudget(), what + ": tie budget");
                    assertEquals(sel.countAbove, gs.countAbove(), what + ": count above");
                    assertArrayEquals(keptCpu, gs.keptPerTensor(), what + ": kept per tensor");
                    assertDeviceState(what, d, mCpu, wCpu, opt);
                }
            }
            long missed = (pruneOps.bracketAttempts() - tried) - (pruneOps.bracketSelections() - taken);
            assertTrue(missed >= 2, missed + " bracket misses, expected the middle keeps to miss");
        } finally {
            pruneOps.setCompaction(-1);
            pruneOps.setBracketing(false);
            pruneOps.bracketMin = GpuPruneOps.COMPACT_MIN;
        }
    }
}
