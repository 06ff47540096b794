package dev.jprune.prune;

import dev.jprune.io.CheckpointFiles;
import dev.jprune.io.MappedCheckpoint;

/**
 * Scores of checkpoint tensors read through memory maps, a block at a time, never stored: a {@link Criterion} of the
 * weights (and gradients), with {@link CriterionScoreSource}'s arithmetic bit for bit, or precomputed scores. Inputs
 * are checked in the same pass: a non-finite weight or gradient the criterion reads, or a non-finite precomputed score,
 * throws IllegalArgumentException naming the file, the tensor, the index and the value. Safe from several threads.
 */
final class MappedScores implements ScoreSource {
    private final Criterion criterion;            // null: precomputed scores in w
    private final MappedCheckpoint wMap, gMap;    // gMap null unless the criterion reads gradients
    private final CheckpointFiles.Tensor[] w, g;  // per target
    private final String[] names;
    private static final ThreadLocal<float[][]> BUFFERS =
            ThreadLocal.withInitial(() -> new float[2][GlobalSelector.BLOCK]);

    private MappedScores(Criterion criterion, MappedCheckpoint wMap, CheckpointFiles.Tensor[] w, MappedCheckpoint gMap,
            CheckpointFiles.Tensor[] g) {
        this.criterion = criterion;
        this.wMap = wMap;
        this.w = w;
        this.gMap = gMap;
        this.g = g;
        this.names = new String[w.length];
        for (int t = 0; t < w.length; t++) names[t] = w[t].name();
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
        return new MappedScores(criterion, wMap, w, gMap, g);
    }

    /** Precomputed scores {@code s} (one tensor per target, in target order). */
    static MappedScores precomputed(MappedCheckpoint sMap, CheckpointFiles.Tensor[] s) {
        return new MappedScores(null, sMap, s, null, null);
    }

    @Override public int tensorCount() { return w.length; }
    @Override public int size(int t) { return (int) w[t].elementCount(); }
    @Override public String name(int t) { return names[t]; }

    @Override
    public float score(int t, int i) {
        float[] one = new float[1];
        scores(t, i, i + 1, one);
        return one[0];
    }

    @Override
    public void scores(int t, int from, int to, float[] out) {
        int n = to - from;
        if (criterion == null) {
            wMap.readFloats(w[t], from, n, out, 0);
            for (int j = 0; j < n; j++) {
                if (!Float.isFinite(out[j])) throw fault(wMap, w[t], "score", from + j, out[j]);
            }
            return;
        }
        float[][] buf = BUFFERS.get();
        if (buf[0].length < n) {
            buf = new float[][] {new float[n], new float[n]};
            BUFFERS.set(buf);
        }
        float[] a = buf[0], b = buf[1];
        if (criterion.readsWeight()) wMap.readFloats(w[t], from, n, a, 0);
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
