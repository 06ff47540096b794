package dev.jprune.prune;

import static dev.jprune.prune.CheckpointFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.io.CheckpointFiles;
import dev.jprune.io.DType;
import dev.jprune.io.MappedCheckpoint;
import dev.jprune.io.TensorEntry;
import dev.jprune.testutil.Properties;
import dev.jprune.util.Rng;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MappedScores} is the twin of {@link CriterionScoreSource} over the same values read from a checkpoint: any
 * range [from, to) of any tensor, longer or shorter than the per-thread buffers, one element at a time or in bulk,
 * gives the same score bits; precomputed scores are the file's values; a non-finite input is named with its file,
 * tensor, role and absolute index.
 */
class MappedScoresTest {
    @TempDir Path dir;

    /** Sizes around the selection block (2048): 1, 7, 2049 and 5000 elements; BF16 and F32 on disk. */
    private static Map<String, TensorEntry> values(long seed) {
        Rng rng = new Rng(seed);
        return tensors("one", random(rng, DType.F32, 1), "seven", random(rng, DType.BF16, 7),
                "block", random(rng, DType.F32, 2049), "long", random(rng, DType.BF16, 5, 1000));
    }

    private static CheckpointFiles.Tensor[] targets(CheckpointFiles f, List<String> names) {
        return names.stream().map(f::get).toArray(CheckpointFiles.Tensor[]::new);
    }

    @Test
    void anyRangeScoresAsTheInMemoryCriterionBitForBit() throws Exception {
        Map<String, TensorEntry> wv = values(1), gv = values(2);
        Path wp = write(dir.resolve("w.safetensors"), wv, Map.of());
        Path gp = write(dir.resolve("g.safetensors"), gv, Map.of());
        List<String> names = List.of("one", "seven", "block", "long");
        float[][] w = names.stream().map(n -> wv.get(n).toFloats()).toArray(float[][]::new);
        float[][] g = names.stream().map(n -> gv.get(n).toFloats()).toArray(float[][]::new);
        Criterion[] criteria = {Criterion.MAGNITUDE, Criterion.GRADIENT, Criterion.TAYLOR, Criterion.TAYLOR_SQUARED,
            Criterion.MOVEMENT};
        CheckpointFiles wf = CheckpointFiles.open(wp), gf = CheckpointFiles.open(gp);
        try (MappedCheckpoint wm = MappedCheckpoint.open(wf); MappedCheckpoint gm = MappedCheckpoint.open(gf)) {
            CheckpointFiles.Tensor[] wt = targets(wf, names), gt = targets(gf, names);
            Properties.forAll("mapped scores = criterion scores", 0, Duration.ofSeconds(20), r -> {
                Criterion c = criteria[r.nextInt(criteria.length)];
                ScoreSource mapped = MappedScores.criterion(c, wm, wt, c.readsGradient() ? gm : null,
                        c.readsGradient() ? gt : null);
                ScoreSource ref = new CriterionScoreSource(c, w, g, names.toArray(String[]::new));
                assertEquals(4, mapped.tensorCount());
                int t = r.nextInt(4), size = mapped.size(t);
                assertEquals(w[t].length, size);
                assertEquals(names.get(t), mapped.name(t));
                int from = r.nextInt(size + 1), to = from + r.nextInt(size - from + 1);
                float[] got = new float[to - from], want = new float[to - from];
                mapped.scores(t, from, to, got);
                ref.scores(t, from, to, want);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                            c + " " + names.get(t) + "[" + (from + i) + "] in [" + from + ", " + to + ")");
                }
                int i = r.nextInt(size);
                assertEquals(Float.floatToRawIntBits(ref.score(t, i)), Float.floatToRawIntBits(mapped.score(t, i)),
                        c + " single element " + names.get(t) + "[" + i + "]");
            });
            ScoreSource pre = MappedScores.precomputed(gm, gt, wm, wt);
            for (int t = 0; t < names.size(); t++) {
                float[] got = new float[g[t].length];
                pre.scores(t, 0, got.length, got);
                assertArrayEquals(g[t], got, "precomputed scores of " + names.get(t) + " are the file's values");
                assertEquals(g[t][g[t].length - 1], pre.score(t, g[t].length - 1));
            }
        }
    }

    /** The fault names the file, the tensor, what was read and the absolute index, whichever range found it. */
    @Test
    void aNonFiniteInputIsNamedWithItsAbsoluteIndex() throws Exception {
        float[] w = new float[5000], g = new float[5000];
        java.util.Arrays.fill(w, 0.5f);
        java.util.Arrays.fill(g, 0.25f);
        w[3001] = Float.NaN;
        g[2999] = Float.POSITIVE_INFINITY;
        Path wp = write(dir.resolve("bad-w.safetensors"), tensors("x", f32(w, 5000)), Map.of());
        Path gp = write(dir.resolve("bad-g.safetensors"), tensors("x", f32(g, 5000)), Map.of());
        CheckpointFiles wf = CheckpointFiles.open(wp), gf = CheckpointFiles.open(gp);
        try (MappedCheckpoint wm = MappedCheckpoint.open(wf); MappedCheckpoint gm = MappedCheckpoint.open(gf)) {
            CheckpointFiles.Tensor[] wt = {wf.get("x")}, gt = {gf.get("x")};
            float[] out = new float[3000];
            String m = fault(MappedScores.criterion(Criterion.MAGNITUDE, wm, wt, null, null), 2500, 5000, out);
            assertTrue(m.startsWith(wp + ": tensor 'x' has a non-finite weight (NaN) at index 3001 (criterion"
                    + " magnitude)"), m);
            m = fault(MappedScores.criterion(Criterion.TAYLOR, wm, wt, gm, gt), 2000, 3000, out);
            assertTrue(m.startsWith(gp + ": tensor 'x' has a non-finite gradient (Infinity) at index 2999"), m);
            m = fault(MappedScores.criterion(Criterion.GRADIENT, wm, wt, gm, gt), 3000, 3500, out);
            assertTrue(m.startsWith(wp + ": tensor 'x' has a non-finite weight (NaN) at index 3001"), m);
            m = fault(MappedScores.precomputed(gm, gt, wm, wt), 2500, 3000, out);
            assertTrue(m.startsWith(gp + ": tensor 'x' has a non-finite score (Infinity) at index 2999"), m);
            assertFalse(m.contains("criterion"), "precomputed scores have no criterion: " + m);
        }
    }

    private static String fault(ScoreSource s, int from, int to, float[] out) {
        return assertThrows(IllegalArgumentException.class, () -> s.scores(0, from, to, out)).getMessage();
    }
}
