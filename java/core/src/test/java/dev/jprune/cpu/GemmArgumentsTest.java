package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * Gemm's argument rules at their edges: empty products (m, n or k = 0) are accepted, C may share an array with A or B
 * when the windows only touch, and any shared element is refused ("C overlaps A/B").
 */
class GemmArgumentsTest {
    private static float[] random(int n, long seed) {
        float[] a = new float[n];
        new Rng(seed).fillUniform(a, -1, 1);
        return a;
    }

    @Test
    void emptyProductsAreAcceptedAndLeaveCAsTheyMust() {
        float[] a = random(12, 1), b = random(12, 2), c = random(12, 3), c0 = c.clone();
        Gemm.gemm(false, false, 0, 3, 4, 1f, a, 0, 4, b, 0, 3, 0.5f, c, 0, 3); // m = 0: nothing to write
        assertArrayEquals(c0, c);
        Gemm.gemm(false, false, 3, 0, 4, 1f, a, 0, 4, b, 0, 1, 0.5f, c, 0, 1); // n = 0
        assertArrayEquals(c0, c);
        PackedB pb = PackedB.pack(false, 4, 3, b, 0, 3);
        Gemm.gemm(false, 0, 1f, a, 0, 4, pb, 0.5f, c, 0, 3); // packed B, m = 0
        assertArrayEquals(c0, c);
        Gemm.gemm(false, false, 2, 3, 0, 1f, a, 0, 1, b, 0, 3, 0.5f, c, 0, 3); // k = 0: C = beta * C
        for (int i = 0; i < 6; i++) assertEquals(0.5f * c0[i], c[i]);
    }

    @Test
    void packedMatricesOfZeroSizeAreAcceptedAndFloatsCountsThePaddedRows() {
        assertEquals(3 * 16, PackedB.allocate(3, 5).floats(), "3 k-rows of 5 columns padded to 16");
        assertEquals(0, PackedB.allocate(0, 5).floats());
        assertEquals(0, PackedB.allocate(4, 0).floats());
        assertEquals(0, PackedB.pack(false, 0, 3, new float[0], 0, 3).floats());
        assertEquals(0, PackedB.pack(true, 3, 0, new float[0], 0, 3).floats());
        assertThrows(IllegalArgumentException.class, () -> PackedB.allocate(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> PackedB.pack(false, 2, -1, new float[4], 0, 2));
    }

    /**
     * A blocked-size product run on a pool worker (which packs into fresh scratch) and on a new thread (whose scratch
     * cache starts empty) gives the simple loop's bits, as on the calling thread.
     */
    @Test
    void blockedProductsOnPoolWorkersAndFreshThreadsMatchTheSimpleLoop() throws Exception {
        int m = 33, n = 40, k = 70;
        float[] a = random(m * k, 8), b = random(k * n, 9), c0 = random(m * n, 10);
        float[] ref = c0.clone();
        Gemm.gemmSimple(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0.5f, ref, 0, n);
        float[][] out = new float[3][];
        try (dev.jprune.util.Parallel.Context ctx = dev.jprune.util.Parallel.Context.ofThreads(2)) {
            ctx.run(() -> dev.jprune.util.Parallel.forRange(2, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    out[i] = c0.clone();
                    Gemm.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0.5f, out[i], 0, n);
                }
            }));
        }
        Thread t = new Thread(() -> {
            out[2] = c0.clone();
            Gemm.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0.5f, out[2], 0, n);
        });
        t.start();
        t.join();
        for (float[] c : out) assertArrayEquals(ref, c);
    }

    /** C [2, 4] = A [2, 3] · B [3, 4] with A (or B) and C in one array at the given offsets, against separate
     *  arrays. */
    private static void sharedWithA(int offA, int offC, int k) {
        float[] buf = random(40, 4), b = random(12, 5);
        float[] a = java.util.Arrays.copyOfRange(buf, offA, offA + 2 * Math.max(k, 1));
        float[] expected = java.util.Arrays.copyOfRange(buf, offC, offC + 8);
        Gemm.gemm(false, false, 2, 4, k, 1f, a, 0, Math.max(k, 1), b, 0, 4, 0.5f, expected, 0, 4);
        Gemm.gemm(false, false, 2, 4, k, 1f, buf, offA, Math.max(k, 1), b, 0, 4, 0.5f, buf, offC, 4);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(buf, offC, offC + 8));
    }

    private static void sharedWithB(int offB, int offC, int k) {
        float[] buf = random(40, 6), a = random(2 * Math.max(k, 1), 7);
        float[] b = java.util.Arrays.copyOfRange(buf, offB, offB + 4 * k);
        float[] expected = java.util.Arrays.copyOfRange(buf, offC, offC + 8);
        Gemm.gemm(false, false, 2, 4, k, 1f, a, 0, Math.max(k, 1), b, 0, 4, 0.5f, expected, 0, 4);
        Gemm.gemm(false, false, 2, 4, k, 1f, a, 0, Math.max(k, 1), buf, offB, 4, 0.5f, buf, offC, 4);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(buf, offC, offC + 8));
    }

    @Test
    void cMaySitRightBeforeOrAfterAOrBInTheSameArray() {
        sharedWithA(0, 6, 3);   // A [0, 6), C [6, 14)
        sharedWithA(8, 0, 3);   // C [0, 8), A [8, 14)
        sharedWithA(4, 0, 0);   // k = 0: A is empty, nothing is read from it
        sharedWithB(0, 12, 3);  // B [0, 12), C [12, 20)
        sharedWithB(8, 0, 3);   // C [0, 8), B [8, 20)
        sharedWithB(4, 0, 0);   // k = 0: B is empty
    }

    @Test
    void cSharingAnElementWithAOrBIsRefused() {
        float[] buf = new float[40], b = new float[12], a = new float[6];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 4, 3, 1f, buf, 0, 3, b, 0, 4, 0f, buf, 5, 4));
        assertEquals("Gemm: C overlaps A", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 4, 3, 1f, buf, 7, 3, b, 0, 4, 0f, buf, 0, 4));
        assertEquals("Gemm: C overlaps A", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 4, 3, 1f, a, 0, 3, buf, 0, 4, 0f, buf, 11, 4));
        assertEquals("Gemm: C overlaps B", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 4, 3, 1f, a, 0, 3, buf, 7, 4, 0f, buf, 0, 4));
        assertEquals("Gemm: C overlaps B", e.getMessage());
    }
}
