package dev.jprune.spark;

import dev.jprune.prune.ScoreKeys;

/**
 * The per-shard half of the sharded radix select: histograms of one digit of the scores' radix keys
 * ({@link ScoreKeys#radixKey}, 32 bits) restricted to the keys that start with the digits already chosen. Digits are
 * 11, 11 and 10 bits (2048, 2048 and 1024 counters), so three all-reduced passes find the exact threshold.
 */
final class RadixHistogram {
    private RadixHistogram() {}

    static final int PASSES = 3;
    /** Right shift of pass p's digit. */
    static final int[] SHIFT = {21, 10, 0};
    /** Width of pass p's digit in bits. */
    static final int[] BITS = {11, 11, 10};

    static int bins(int pass) { return 1 << BITS[pass]; }

    /**
     * Adds to {@code hist} (length {@link #bins}) the pass-{@code pass} digit of every score whose higher digits equal
     * {@code prefix} (the digits chosen by earlier passes, most significant first; 0 for pass 0). Pass 0 rejects NaN.
     *
     * @throws IllegalArgumentException on a NaN score, naming the shard's global index
     */
    static void count(float[] scores, long offset, int pass, int prefix, long[] hist) {
        int shift = SHIFT[pass], mask = bins(pass) - 1, high = shift + BITS[pass];
        for (int i = 0; i < scores.length; i++) {
            float s = scores[i];
            if (pass == 0 && Float.isNaN(s)) throw new IllegalArgumentException("selection: score at global index "
                    + (offset + i) + " is NaN");
            int u = ScoreKeys.radixKey(s);
            if (pass == 0 || (u >>> high) == prefix) hist[(u >>> shift) & mask]++;
        }
    }

    /** Result of a scan: the chosen bin and how many counted elements lie in higher bins. */
    record Pick(int bin, long above) {}

    /**
     * Scans {@code hist} from the top bin down, skipping empty bins, to the first bin b with {@code above + hist[b] ≥
     * rank}: the rank-th largest element (rank ≥ 0; rank 0 picks the highest non-empty bin) lies in b. Bin −1 when no
     * bin qualifies (the counts changed between passes).
     */
    static Pick scan(long[] hist, long rank) {
        long above = 0;
        for (int b = hist.length - 1; b >= 0; b--) {
            if (hist[b] == 0) continue;
            if (above + hist[b] >= rank) return new Pick(b, above);
            above += hist[b];
        }
        return new Pick(-1, above);
    }

    /** Adds {@code b} into {@code a} and returns {@code a} (the all-reduce's combine: exact, in any order). */
    static long[] add(long[] a, long[] b) {
        for (int i = 0; i < a.length; i++) a[i] += b[i];
        return a;
    }
}
