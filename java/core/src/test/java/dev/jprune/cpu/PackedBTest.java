package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/** PackedB's two layouts hold op(B) exactly, with zero padding, for odd shapes and both storage orders of B. */
class PackedBTest {
    /**
     * Every element of op(B) reads back from the rows layout and from panels of 16, 32 and 64 columns (narrow,
     * partial and several strips per chunk; one and several chunks), for B stored [K, N] and [N, K]; every padding
     * column of every chunk (up to a multiple of 16) holds +0; floats() counts k x padded width per chunk.
     */
    @Test
    void bothLayoutsHoldOpBExactlyWithZeroPadding() {
        Rng rng = new Rng(41);
        int[][] shapes = {{1, 1}, {7, 7}, {129, 65}, {3, 385}, {17, 1000}, {5, 300}};
        for (int[] sh : shapes) {
            int k = sh[0], n = sh[1];
            for (boolean transB : new boolean[] {false, true}) {
                int ldb = (transB ? k : n) + 3;
                float[] b = new float[(transB ? n : k) * ldb];
                rng.fillUniform(b, 0.5f, 1.5f); // never 0, so a misplaced padding zero shows
                for (int strip : new int[] {0, 16, 32, 64}) {
                    for (int ncMax : new int[] {Gemm.NC, 40}) {
                        PackedB pb = PackedB.allocate(k, n, ncMax, strip);
                        pb.fill(transB, b, 0, ldb, (k & 1) == 0);
                        String what = "k=" + k + " n=" + n + " transB=" + transB + " strip=" + strip + " nc=" + ncMax;
                        long floats = 0;
                        for (int ch = 0; ch < pb.chunks(); ch++) floats += (long) k * Gemm.padded(pb.chunkWidth(ch));
                        assertEquals(floats, pb.floats(), what);
                        for (int p = 0; p < k; p++) {
                            for (int j = 0; j < n; j++) {
                                float want = transB ? b[j * ldb + p] : b[p * ldb + j];
                                assertEquals(want, pb.get(p, j), what + " B[" + p + "," + j + "]");
                            }
                        }
                        assertEquals(0, nonzeroPadding(pb), what + ": padding columns must hold +0");
                    }
                }
            }
        }
    }

    /** The padding columns [chunkWidth, padded) of every chunk and k-row that hold anything but +0. */
    private static int nonzeroPadding(PackedB pb) {
        int bad = 0;
        for (int ch = 0; ch < pb.chunks(); ch++) {
            int wc = pb.chunkWidth(ch), pw = Gemm.padded(wc);
            for (int p = 0; p < pb.k(); p++) {
                for (int j = wc; j < pw; j++) {
                    float v;
                    if (pb.panels == null) {
                        v = pb.rows[ch * pb.k() + p][j];
                    } else {
                        int s0 = j - j % pb.strip, sw = Math.min(pb.strip, pw - s0);
                        v = pb.panels[ch][s0 * pb.k() + p * sw + (j - s0)];
                    }
                    if (Float.floatToRawIntBits(v) != 0) bad++;
                }
            }
        }
        return bad;
    }

    /** The public pack() uses the layout of the running kernels: panels with the Vector API, rows without. */
    @Test
    void packUsesTheRunningKernelsLayout() {
        PackedB pb = PackedB.pack(false, 3, 20, new float[60], 0, 20);
        assertEquals(Gemm.STRIP, pb.strip);
        assertEquals(Simd.vectorApi(), pb.panels != null, Simd.describe());
        assertTrue(PackedB.allocate(3, 20).panels == null, "allocate(k, n) is the rows layout im2col writes");
    }

    /** The sparse kernels need the rows layout: a panel-layout matrix is refused with a clear message. */
    @Test
    void rowsOnlyConsumersRefuseThePanelLayout() {
        PackedB panels = PackedB.allocate(4, 20, Gemm.NC, 16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparseKernels.csrPacked(
                new int[] {0, 0}, new char[0], new float[0], panels, 0, null, false, new float[1][32], 0, 1));
        assertTrue(e.getMessage().contains("rows layout"), e.getMessage());
        assertTrue(!panels.rowsLayout() && PackedB.allocate(4, 20).rowsLayout());
        assertEquals(Gemm.STRIP == 0, PackedB.allocateForGemm(4, 20).rowsLayout(), "Gemm's layout: panels if vector");
    }
}
