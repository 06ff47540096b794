package dev.jprune.sparse;

/**
 * The activation handed from stage to stage inside one {@link SparseModel} forward: n samples of {@code features}
 * floats, either sample-major in a flat array ({@code flat[off + s·features + f]}, the NCHW / [N, F] layout of
 * Tensors) or feature-major in rows ({@code rows[f][s]}, what the sparse Linear kernels read and write for batches
 * of more than one sample). {@code buf} names the workspace buffer pair holding it (0 or 1), -1 for the caller's input.
 * Mutable and reused: the workspace owns three of them.
 */
final class Act {
    int n, features, buf;
    boolean featureMajor;
    float[] flat;
    int off;
    float[][] rows;

    Act setFlat(int n, int features, float[] flat, int off, int buf) {
        this.n = n;
        this.features = features;
        this.featureMajor = false;
        this.flat = flat;
        this.off = off;
        this.rows = null;
        this.buf = buf;
        return this;
    }

    Act setRows(int n, int features, float[][] rows, int buf) {
        this.n = n;
        this.features = features;
        this.featureMajor = true;
        this.rows = rows;
        this.flat = null;
        this.off = 0;
        this.buf = buf;
        return this;
    }

    /** The buffer pair a stage reading this activation writes its output to. */
    int outBuf() { return buf == 0 ? 1 : 0; }

    /** The buffer pair a layout conversion of this activation may use (not the output's). */
    int convertBuf() { return buf < 0 ? 1 : buf; }
}
