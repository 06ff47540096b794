package dev.jprune.sparse;

/**
 * The activation handed from stage to stage inside one {@link SparseModel} forward: n samples of {@code features}
 * floats in one of three layouts ({@link Layout}). {@code buf} names the workspace buffer pair holding it (0 or 1),
 * -1 for the caller's input. Mutable and reused: the workspace owns three of them.
 */
final class Act {
    /** Where sample s's feature f is. */
    enum Layout {
        /** {@code flat[off + s·features + f]}: the NCHW / [N, F] layout of Tensors. */
        SAMPLES,
        /** {@code rows[f][s]}: feature-major rows, what the sparse Linear kernels use for larger batches. */
        ROWS,
        /**
         * {@code flat[f·ld + s]} with {@code ld = SparseKernels.lanesStride(n)}: feature-major in one array, what the
         * sparse Linear kernels use for small batches ({@link dev.jprune.cpu.SparseKernels#csrLanes}).
         */
        LANES
    }

    int n, features, buf;
    Layout layout;
    float[] flat;
    int off;
    float[][] rows;

    Act setFlat(int n, int features, float[] flat, int off, int buf) {
        return set(Layout.SAMPLES, n, features, flat, off, null, buf);
    }

    Act setRows(int n, int features, float[][] rows, int buf) {
        return set(Layout.ROWS, n, features, null, 0, rows, buf);
    }

    Act setLanes(int n, int features, float[] lanes, int buf) {
        return set(Layout.LANES, n, features, lanes, 0, null, buf);
    }

    private Act set(Layout layout, int n, int features, float[] flat, int off, float[][] rows, int buf) {
        this.layout = layout;
        this.n = n;
        this.features = features;
        this.flat = flat;
        this.off = off;
        this.rows = rows;
        this.buf = buf;
        return this;
    }

    /** The buffer pair a stage reading this activation writes its output to. */
    int outBuf() { return buf == 0 ? 1 : 0; }

    /** The buffer pair a layout conversion of this activation may use (not the output's). */
    int convertBuf() { return buf < 0 ? 1 : buf; }
}
