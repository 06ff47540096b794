package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CsrTest {

    @ParameterizedTest(name = "fromDense/toDense [{0}, {1}] density {2}")
    @CsvSource({"1,1,1.0", "1,7,0.5", "7,1,0.5", "7,129,0.1", "129,7,0.01", "33,65,0.0", "5,9,1.0"})
    void roundTripKeepsExactlyTheNonzeros(int rows, int cols, double density) {
        Rng rng = new Rng(rows * 1000L + cols);
        float[] w = SparseFixtures.randomSparse(rng, rows, cols, density, 0, rows / 2);
        Csr c = Csr.fromDense(w, rows, cols);
        int nz = 0;
        for (float v : w) if (v != 0f) nz++;
        assertEquals(nz, c.nnz());
        assertArrayEquals(w, c.toDense());
        assertEquals(0, c.rowNnz(0), "forced empty row 0");
        assertEquals(4L * (rows + 1) + 8L * nz, c.bytes());
        assertEquals((double) nz / (rows * cols), c.density(), 1e-12);
        // Independent check of the row structure: every stored entry sits where the dense matrix has it.
        int[] rp = c.rowPtr(), ci = c.colIdx();
        float[] v = c.values();
        for (int r = 0; r < rows; r++) {
            for (int k = rp[r]; k < rp[r + 1]; k++) assertEquals(w[r * cols + ci[k]], v[k]);
        }
        // Built from outside with the same arrays it is valid and equal.
        assertEquals(c, new Csr(rows, cols, rp, ci, v));
    }

    @Test
    void negativeZeroIsZeroAndNaNIsKept() {
        float[] w = {-0.0f, 1f, 0f, Float.NaN, 0f, -2f};
        Csr c = Csr.fromDense(w, 2, 3);
        assertEquals(3, c.nnz());
        assertArrayEquals(new int[] {0, 1, 3}, c.rowPtr());
        assertArrayEquals(new int[] {1, 0, 2}, c.colIdx());
        assertTrue(Float.isNaN(c.values()[1]));
    }

    @Test
    void fromDenseWithOffsetReadsOnlyItsWindow() {
        float[] w = {9f, 9f, 1f, 0f, 0f, 2f, 9f};
        Csr c = Csr.fromDense(w, 2, 2, 2);
        assertArrayEquals(new float[] {1f, 0f, 0f, 2f}, c.toDense());
    }

    @Test
    void emptyShapes() {
        Csr c = Csr.fromDense(new float[0], 0, 5);
        assertEquals(0, c.nnz());
        assertEquals(4, c.bytes());
        Csr d = Csr.fromDense(new float[0], 3, 0);
        assertArrayEquals(new int[] {0, 0, 0, 0}, d.rowPtr());
    }

    @Test
    void externalArraysAreCopied() {
        int[] rp = {0, 1, 2};
        int[] ci = {0, 1};
        float[] v = {1f, 2f};
        Csr c = new Csr(2, 2, rp, ci, v);
        rp[1] = 5; ci[0] = 7; v[0] = 42f;
        assertArrayEquals(new float[] {1f, 0f, 0f, 2f}, c.toDense());
        c.values()[0] = 99f; // accessor copies too
        assertArrayEquals(new float[] {1f, 0f, 0f, 2f}, c.toDense());
    }

    private static void assertInvalid(String expectedPart, int rows, int cols, int[] rp, int[] ci, float[] v) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Csr(rows, cols, rp, ci, v));
        assertTrue(e.getMessage().startsWith("Csr") && e.getMessage().contains(expectedPart), e.getMessage());
    }

    @Test
    void invalidCsrIsRejectedNamingTheFault() {
        float[] v2 = {1f, 2f};
        assertInvalid("rowPtr has length", 2, 2, new int[] {0, 2}, new int[] {0, 1}, v2);
        assertInvalid("rowPtr[0] must be 0", 2, 2, new int[] {1, 1, 2}, new int[] {0, 1}, v2);
        assertInvalid("not monotone", 3, 2, new int[] {0, 2, 1, 2}, new int[] {0, 1}, v2);
        assertInvalid("but there are 2 nonzeros", 2, 2, new int[] {0, 1, 1}, new int[] {0, 1}, v2);
        assertInvalid("out of range", 2, 2, new int[] {0, 1, 2}, new int[] {0, 2}, v2);
        assertInvalid("out of range", 2, 2, new int[] {0, 1, 2}, new int[] {-1, 0}, v2);
        assertInvalid("not strictly increasing", 1, 3, new int[] {0, 2}, new int[] {1, 1}, v2);
        assertInvalid("not strictly increasing", 1, 3, new int[] {0, 2}, new int[] {2, 1}, v2);
        assertInvalid("colIdx has 1 entries", 1, 3, new int[] {0, 2}, new int[] {1}, v2);
        assertInvalid("negative shape", -1, 3, new int[] {0}, new int[0], new float[0]);
        assertThrows(IllegalArgumentException.class, () -> new Csr(1, 1, null, new int[0], new float[0]));
    }

    @Test
    void fromDenseRejectsWrongLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Csr.fromDense(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("needs 6"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Csr.fromDense(new float[6], 4, 2, 3));
    }
}
