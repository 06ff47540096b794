package dev.jprune.prune;

import dev.jprune.io.CheckpointFiles;
import dev.jprune.io.MappedCheckpoint;

/**
 * Scores of checkpoint tensors read through memory maps, a block at a time, never stored: a {@link Criterion} of the
 * weights (and gradients), with {@link CriterionScoreSource}'s arithmetic bit for bit, or precomputed scores.
 *
 * <p>Inputs are checked in the same pass: a non-finite weight, gradient or precomputed score throws
 * IllegalArgumentException naming the file, the tensor, the index and the value. The weights are checked even where
 * the scores do not read them (GRADIENT, precomputed scores): they are what the output holds, and a non-finite value
 * is never written (torch-prune's NAME_orig · NAME_mask would turn a pruned NaN into a NaN weight). Safe from several
 * threads.
 */
final class MappedScores implements ScoreSource {
    private final Criterion criterion;            // null: precomputed scores in s
    private final MappedCheckpoint wMap, gMap, sMap;
    private final CheckpointFiles.Tensor[] w, g, s; // per target; g and s null where not used
    private static final ThreadLocal<float[][]> BUFFERS =
            ThreadLocal.withInitial(() -> new float[2][GlobalSelector.BLOCK]);

    private MappedScores(Criterion criterion, MappedCheckpoint wMap, CheckpointFiles.Tensor[] w, MappedCheckpoint gMap,
            CheckpointFiles.Tensor[] g, MappedCheckpoint sMap, CheckpointFiles.Tensor[] s) {
        this.criterion = criterion;
        this.wMap = wMap;
        this.w = w;
        this.gMap = gMap;
        this.g = g;
        this.sMap = sMap;
        this.s = s;
    }

    /** {@code criterion} (not USER) over weights {@code w} and, if it reads them, gradients {@code g} (same order). */
    static MappedScores criterion(Criterion criterion, MappedCheckpoint wMap, CheckpointFiles.Tensor[] w,
            MappedCheckpoint gMap, CheckpointFiles.Tensor[] g) {
        if (criterion == Criterion.USER) {
            throw new IllegalArgumentException("MappedScores: USER scores come from a file");
        }
        if (criterion.readsGradient() && (gMap == null || g == null)) {
            throw new IllegalArgumentException("criterion " + criterion + " needs gradients");
        }
        return new MappedScores(criterion, wMap, w, gMap, g, null, null);
    }

    /** Precomputed scores {@code s} for the weights {@code w} (one tensor each per target, in target order). */
    static MappedScores precomputed(MappedCheckpoint sMap, CheckpointFiles.Tensor[] s, MappedCheckpoint wMap,
            CheckpointFiles.Tensor[] w) {
        return new MappedScores(null, wMap, w, null, null, sMap, s);
    }

    @Override public int tensorCount() { return w.length; }
    @Override public int size(int t) { return (int) w[t].elementCount(); }
    @Override public String name(int t) { return w[t].name(); }

    @Override
    public float score(int t, int i) {
        float[] one = new float[1];
        scores(t, i, i + 1, one);
        return one[0];
    }

    @Override
    public void scores(int t, int from, int to, float[] out) {
        int n = to - from;
        float[][] buf = BUFFERS.get();
        if (buf[0].length < n) {
            buf = new float[][] {new float[n], new float[n]};
            BUFFERS.set(buf);
        }
        float[] a = buf[0], b = buf[1];
        wMap.readFloats(w[t], from, n, a, 0);
        if (criterion == null || !criterion.readsWeight()) {
            for (int j = 0; j < n; j++) if (!Float.isFinite(a[j])) throw fault(wMap, w[t], "weight", from + j, a[j]);
        }
        if (criterion == null) {
            sMap.readFloats(s[t], from, n, out, 0);
            for (int j = 0; j < n; j++) if (!Float.isFinite(out[j])) throw fault(sMap, s[t], "score", from + j, out[j]);
            return;
        }
        if (criterion.readsGradient()) gMap.readFloats(g[t], from, n, b, 0);
        int bad = CriterionScoreSource.scoreBlock(criterion, a, 0, b, 0, n, out);
        if (bad >= 0) {
            if (criterion.readsWeight() && !Float.isFinite(a[bad])) {
                throw fault(wMap, w[t], "weight", from + bad, a[bad]);
            }
            throw fault(gMap, g[t], "gradient", from + bad, b[bad]);
        }
    }

    private IllegalArgumentException fault(MappedCheckpoint map, CheckpointFiles.Tensor t, String what, int i,
            float v) {
        String file = map.files().files().get(t.file()).toString();
        String by = criterion == null ? "" : " (criterion " + criterion.name().toLowerCase(java.util.Locale.ROOT) + ")";
        return new IllegalArgumentException(file + ": tensor '" + t.name() + "' has a non-finite " + what + " (" + v
                + ") at index " + i + by);
    }
}
