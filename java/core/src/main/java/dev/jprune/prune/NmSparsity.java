package dev.jprune.prune;

import dev.jprune.util.Parallel;

/**
 * N:M semi-structured sparsity (e.g. 2:4): a tensor is viewed as {@code [rows, rowLength]} (for a Linear weight
 * [out, in], rowLength = in; for a conv weight [F, C, kh, kw], rowLength = C·kh·kw), each row is cut into groups of M
 * consecutive elements, and each group keeps its N largest scores.
 *
 * <p><b>Specification</b> (one GPU thread per group): element j of a group of size r is kept iff
 * {@code rank(j) < min(N, r)}, where {@code rank(j)} = number of elements i of the same group with
 * {@code key(s_i) > key(s_j)} or ({@code key(s_i) == key(s_j)} and {@code i < j}) — keys from {@link ScoreKeys},
 * so ties go to the lower index and −0.0 ties with +0.0. When rowLength is not a multiple of M the last group of
 * each row has r = rowLength mod M elements and keeps min(N, r) of them: it never has more than N nonzeros, so every
 * window of M consecutive aligned elements still satisfies "at most N of M" (hardware 2:4 kernels require
 * rowLength % M == 0; callers that need that must check it).
 */
public final class NmSparsity {
    private NmSparsity() {}

    /** N:M mask of user scores viewed as [scores.length / rowLength, rowLength]. Reads scores only. */
    public static byte[] mask(float[] scores, int rowLength, int n, int m) {
        byte[] out = new byte[scores.length];
        apply(ScoreSource.of(new float[][]{scores}), 0, rowLength, n, m, out, null);
        return out;
    }

    /**
     * N:M mask of tensor {@code t} of {@code src}. Writes {@code maskOut} (if non-null) and zeroes
     * {@code weights} at pruned positions (if non-null); both have length {@code src.size(t)}. Returns the kept count.
     */
    public static long apply(ScoreSource src, int t, int rowLength, int n, int m, byte[] maskOut, float[] weights) {
        int size = src.size(t);
        if (maskOut != null && maskOut.length != size) {
            throw new IllegalArgumentException("N:M: mask length " + maskOut.length + " != " + size);
        }
        if (weights != null && weights.length != size) {
            throw new IllegalArgumentException("N:M: weights length " + weights.length + " != " + size);
        }
        if (maskOut == null && weights == null) return apply(src, t, rowLength, n, m, (MaskSink) null);
        MaskSink.Writer one = MaskSink.arrays(maskOut == null ? null : new byte[][] {maskOut},
                weights == null ? null : new float[][] {weights}).open();
        MaskSink.Writer w = new MaskSink.Writer() {  // tensor t of src is the arrays' only tensor
            @Override public void write(int tt, int from, byte[] keep, int n2) { one.write(0, from, keep, n2); }
            @Override public void close() {}
        };
        return apply(src, t, rowLength, n, m, () -> w);
    }

    /**
     * N:M of tensor {@code t} of {@code src} into any {@link MaskSink} (null: count only); the sink receives tensor
     * {@code t}'s decisions under the index {@code t}. A read-only pass runs first, so a NaN score leaves the sink
     * untouched. Returns the kept count.
     */
    public static long apply(ScoreSource src, int t, int rowLength, int n, int m, MaskSink sink) {
        checkArguments(src, t, rowLength, n, m);
        int size = src.size(t);
        // Pass 1 only reads (rejects NaN scores), so a fault leaves the sink untouched; pass 2 writes.
        if (sink != null) run(src, t, rowLength, n, m, size / rowLength, null);
        return run(src, t, rowLength, n, m, size / rowLength, sink);
    }

    /** {@link #apply(ScoreSource, int, int, int, int, MaskSink)} without its read-only pass: for callers that have
     *  already counted every tensor (which rejected any NaN score). */
    static long applyChecked(ScoreSource src, int t, int rowLength, int n, int m, MaskSink sink) {
        checkArguments(src, t, rowLength, n, m);
        return run(src, t, rowLength, n, m, src.size(t) / rowLength, sink);
    }

    private static void checkArguments(ScoreSource src, int t, int rowLength, int n, int m) {
        int size = src.size(t);
        if (m < 1 || n < 0 || n > m) throw new IllegalArgumentException("N:M: need 0 <= N <= M and M >= 1, got " + n
                + ":" + m);
        if (rowLength < 1 || size % rowLength != 0) {
            throw new IllegalArgumentException("N:M: " + src.name(t) + " has " + size
                    + " elements, not a whole number of rows of " + rowLength);
        }
    }

    private static long run(ScoreSource src, int t, int rowLength, int n, int m, int rows, MaskSink sink) {
        long[] keptPerRow = new long[rows];
        RuntimeException[] err = new RuntimeException[rows];
        Parallel.forRange(rows, Math.max(1, 8192 / rowLength), (a, b) -> {
            float[] buf = new float[m];
            int[] key = new int[m];
            // Decisions of consecutive rows are gathered and handed to the sink in blocks of up to BLOCK elements.
            byte[] keep = new byte[Math.max(m, GlobalSelector.BLOCK)];
            int[] pending = {0};
            long[] pendingFrom = {(long) a * rowLength};
            try (MaskSink.Writer out = sink == null ? null : sink.open()) {
                for (int row = a; row < b; row++) {
                    long kept = 0;
                    int base = row * rowLength;
                    for (int g0 = 0; g0 < rowLength; g0 += m) {
                        int r = Math.min(m, rowLength - g0);
                        src.scores(t, base + g0, base + g0 + r, buf);
                        for (int j = 0; j < r; j++) {
                            if (Float.isNaN(buf[j])) throw GlobalSelector.nanScore(src, t, base + g0 + j);
                            key[j] = ScoreKeys.key(buf[j]);
                        }
                        if (out != null && pending[0] + r > keep.length) {
                            out.write(t, (int) pendingFrom[0], keep, pending[0]);
                            pendingFrom[0] += pending[0];
                            pending[0] = 0;
                        }
                        int quota = Math.min(n, r);
                        for (int j = 0; j < r; j++) {
                            int rank = 0;
                            for (int i = 0; i < r; i++) if (key[i] > key[j] || (key[i] == key[j] && i < j)) rank++;
                            boolean keepIt = rank < quota;
                            keep[pending[0]++] = keepIt ? (byte) 1 : (byte) 0;
                            if (keepIt) kept++;
                        }
                        if (out == null) pending[0] = 0;
                    }
                    keptPerRow[row] = kept;
                }
                if (out != null && pending[0] > 0) out.write(t, (int) pendingFrom[0], keep, pending[0]);
            } catch (RuntimeException e) {
                err[a] = e;
            }
        });
        for (RuntimeException e : err) if (e != null) throw e;
        long k = 0;
        for (long x : keptPerRow) k += x;
        return k;
    }

    /** True if no group of M (aligned within each row of rowLength) has more than N nonzero mask entries. */
    public static boolean isValid(byte[] mask, int rowLength, int n, int m) {
        if (rowLength < 1 || mask.length % rowLength != 0) return false;
        for (int base = 0; base < mask.length; base += rowLength) {
            for (int g0 = 0; g0 < rowLength; g0 += m) {
                int nz = 0;
                for (int j = g0; j < Math.min(rowLength, g0 + m); j++) if (mask[base + j] != 0) nz++;
                if (nz > n) return false;
            }
        }
        return true;
    }
}
