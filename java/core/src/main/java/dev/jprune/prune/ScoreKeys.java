package dev.jprune.prune;

/**
 * The order-preserving map from float scores to integer keys on which every selection in this package works.
 *
 * <p><b>Specification</b> (a GPU kernel must reproduce it exactly):
 * <ol>
 *   <li>{@code bits = floatToRawIntBits(score)}; if {@code bits == 0x80000000} (−0.0) then {@code bits = 0}
 *       (−0.0 and +0.0 are the same score and therefore tie).</li>
 *   <li>NaN ({@code (bits & 0x7fffffff) > 0x7f800000}) is rejected: it has no place in an order.</li>
 *   <li>Signed key {@code key = bits ^ ((bits >> 31) & 0x7fffffff)} (arithmetic shift). For any two non-NaN floats
 *       {@code a < b} ⇔ {@code key(a) < key(b)} as signed ints, and {@code a == b} ⇔ equal keys. For non-negative
 *       scores the key equals the raw bits.</li>
 *   <li>Radix key {@code u = key ^ 0x80000000}: the same order read as an <em>unsigned</em> int, so histogram
 *       digits can be taken from the top bits ({@code u >>> 16} and {@code u & 0xffff}).</li>
 * </ol>
 * ±Infinity are allowed (they order at the ends); the scoring passes reject non-finite inputs separately.
 */
public final class ScoreKeys {
    private ScoreKeys() {}

    /** True if {@code bits} is the pattern of a NaN. */
    public static boolean isNaNBits(int bits) {
        return (bits & 0x7fffffff) > 0x7f800000;
    }

    /** Signed order-preserving key of a non-NaN score (−0.0 maps like +0.0). NaN is not checked here. */
    public static int key(float score) {
        int bits = Float.floatToRawIntBits(score);
        if (bits == 0x80000000) bits = 0;
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    /** Unsigned radix key ({@link #key} with the sign bit flipped). */
    public static int radixKey(float score) {
        return key(score) ^ 0x80000000;
    }

    /** Inverse of {@link #radixKey}: the raw IEEE bits of the score with this radix key (canonical, never −0.0). */
    public static int bitsOfRadixKey(int u) {
        int key = u ^ 0x80000000;
        return key ^ ((key >> 31) & 0x7fffffff);
    }
}
