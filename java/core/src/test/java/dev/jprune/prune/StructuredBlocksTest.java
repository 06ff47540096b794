package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/** Structured group scores over rows longer than one scoring block (2048 scores are read at a time). */
class StructuredBlocksTest {
    static final int[] GROUPS = {3, 2, 0};
    static final int[] LENS = {5000, 2049, 4};  // 2048 + 2048 + 904; 2048 + 1; an empty tensor

    static float[][] scores(long seed) {
        Rng r = new Rng(seed);
        float[][] s = new float[GROUPS.length][];
        for (int t = 0; t < GROUPS.length; t++) {
            s[t] = new float[GROUPS[t] * LENS[t]];
            for (int i = 0; i < s[t].length; i++) s[t][i] = (float) r.nextGaussian();
        }
        return s;
    }

    /** Every element of a long row counts, in every block, exactly as the sequential double sum of the row. */
    @Test
    void groupScoresOfRowsSpanningSeveralBlocksEqualTheWholeRowSum() {
        float[][] s = scores(1);
        // the blocks differ in size so that a block read from the wrong offset changes the sum
        for (int i = 2048; i < 4096; i++) s[0][5000 + i] *= 8f;
        for (Structured.Norm norm : Structured.Norm.values()) {
            float[][] gs = Structured.groupScores(ScoreSource.of(s), GROUPS, norm);
            for (int t = 0; t < GROUPS.length; t++) {
                assertEquals(GROUPS[t], gs[t].length);
                for (int g = 0; g < GROUPS[t]; g++) {
                    assertEquals(GranularityTest.refGroupScore(s[t], g * LENS[t], LENS[t], norm), gs[t][g],
                            norm + " tensor " + t + " group " + g);
                }
            }
        }
    }

    /** A pruned element (score −∞) in a later block makes its whole group score −∞; the other groups are unaffected. */
    @Test
    void aPrunedElementInALaterBlockMakesTheGroupGoFirst() {
        float[][] s = scores(2);
        s[0][5000 + 4500] = Float.NEGATIVE_INFINITY;  // group 1, third block
        s[1][2049 + 2048] = Float.NEGATIVE_INFINITY;  // group 1 of tensor 1, its last element (second block)
        for (Structured.Norm norm : Structured.Norm.values()) {
            float[][] gs = Structured.groupScores(ScoreSource.of(s), GROUPS, norm);
            assertEquals(Float.NEGATIVE_INFINITY, gs[0][1], norm.name());
            assertEquals(Float.NEGATIVE_INFINITY, gs[1][1], norm.name());
            assertEquals(GranularityTest.refGroupScore(s[0], 0, 5000, norm), gs[0][0], norm.name());
            assertEquals(GranularityTest.refGroupScore(s[0], 10000, 5000, norm), gs[0][2], norm.name());
            Structured.Result r = Structured.global(ScoreSource.of(s), GROUPS, norm, 3);
            assertArrayEquals(new int[] {0, 2}, r.keptGroups()[0], "the −∞ rows go first");
            assertArrayEquals(new int[] {0}, r.keptGroups()[1]);
        }
    }

    /** A NaN score in a later block is refused with the tensor and the element's index. */
    @Test
    void aNanScoreInALaterBlockNamesItsIndex() {
        float[][] s = scores(3);
        s[0][2 * 5000 + 4999] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Structured.groupScores(ScoreSource.of(s, new String[] {"conv", "fc", "empty"}), GROUPS,
                        Structured.Norm.L2));
        assertEquals("selection: score of conv at index 14999 is NaN", e.getMessage());
    }

    @Test
    void groupCountsMustDivideTheTensors() {
        ScoreSource src = ScoreSource.of(scores(4), new String[] {"a", "b", "c"});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Structured.groupScores(src, new int[] {3, 2}, Structured.Norm.L1));
        assertEquals("structured: 2 group counts for 3 tensors", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Structured.groupScores(src, new int[] {7, 2, 0}, Structured.Norm.L1));
        assertEquals("structured: a has 15000 elements, not divisible into 7 groups", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Structured.groupScores(src, new int[] {0, 2, 0}, Structured.Norm.L1));
        assertTrue(e.getMessage().contains("not divisible into 0 groups"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Structured.groupScores(ScoreSource.of(new float[][] {{}}), new int[] {-1}, Structured.Norm.L1));
        assertTrue(e.getMessage().contains("into -1 groups"), e.getMessage());
        assertEquals(0, Structured.groupScores(ScoreSource.of(new float[][] {{}}), new int[] {0},
                Structured.Norm.L1)[0].length);
        assertEquals(1, Structured.groupScores(ScoreSource.of(new float[][] {{}}), new int[] {1},
                Structured.Norm.L2)[0].length, "one empty group");
    }
}
