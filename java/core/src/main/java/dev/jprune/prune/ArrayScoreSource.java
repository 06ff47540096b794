package dev.jprune.prune;

/** Scores held in one float array per tensor (criterion USER, accumulated buffers, group scores). Not copied. */
public final class ArrayScoreSource implements ScoreSource {
    private final float[][] scores;
    private final String[] names;

    /** @param names tensor names for error messages, or null */
    public ArrayScoreSource(float[][] scores, String[] names) {
        if (names != null && names.length != scores.length) {
            throw new IllegalArgumentException("ArrayScoreSource: " + names.length + " names for " + scores.length
                    + " tensors");
        }
        for (int t = 0; t < scores.length; t++) {
            if (scores[t] == null) throw new IllegalArgumentException("ArrayScoreSource: scores of tensor " + t
                    + " are null");
        }
        this.scores = scores;
        this.names = names;
    }

    @Override public int tensorCount() { return scores.length; }
    @Override public int size(int t) { return scores[t].length; }
    @Override public float score(int t, int i) { return scores[t][i]; }
    @Override public void scores(int t, int from, int to, float[] out) {
        System.arraycopy(scores[t], from, out, 0, to - from);
    }
    @Override public String name(int t) { return names == null ? ScoreSource.super.name(t) : names[t]; }
}
