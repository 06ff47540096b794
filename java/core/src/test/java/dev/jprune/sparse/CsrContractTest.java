package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;

/** Csr's value semantics, argument checks, 16-bit index limit and the nonzero-balanced row split. */
class CsrContractTest {

    /** Equal arrays and shape make equal matrices; any difference (shape, pattern, value, type) makes them unequal. */
    @Test
    void equalsComparesShapePatternAndValues() {
        Csr a = Csr.fromDense(new float[] {1f, 0f, 2f, 0f, 0f, 3f}, 2, 3);
        Csr same = new Csr(2, 3, new int[] {0, 2, 3}, new int[] {0, 2, 2}, new float[] {1f, 2f, 3f});
        assertEquals(a, same);
        assertEquals(a.hashCode(), same.hashCode(), "equal matrices hash equally");
        assertNotEquals(a, new Csr(3, 3, new int[] {0, 2, 3, 3}, new int[] {0, 2, 2}, new float[] {1f, 2f, 3f}));
        assertNotEquals(a, new Csr(2, 4, new int[] {0, 2, 3}, new int[] {0, 2, 2}, new float[] {1f, 2f, 3f}));
        Csr firstRow = new Csr(2, 3, new int[] {0, 2, 2}, new int[] {1, 2}, new float[] {1f, 2f});
        assertNotEquals(firstRow, new Csr(2, 3, new int[] {0, 1, 2}, new int[] {1, 2}, new float[] {1f, 2f}), "rowPtr");
        assertNotEquals(a, new Csr(2, 3, new int[] {0, 2, 3}, new int[] {0, 1, 2}, new float[] {1f, 2f, 3f}));
        assertNotEquals(a, new Csr(2, 3, new int[] {0, 2, 3}, new int[] {0, 2, 2}, new float[] {1f, 2f, 4f}));
        assertNotEquals(a, (Object) a.toString());
        assertNotEquals(a, null);
    }

    /** The shape takes part in the hash: the same values as [2, 3] and as [3, 2] hash differently. */
    @Test
    void hashCodeDependsOnTheShape() {
        float[] v = {1f, 2f};
        Csr wide = new Csr(2, 3, new int[] {0, 1, 2}, new int[] {0, 1}, v);
        Csr tall = new Csr(3, 2, new int[] {0, 1, 2, 2}, new int[] {0, 1}, v);
        assertNotEquals(wide.hashCode(), tall.hashCode());
    }

    /** fromDense without offset wants exactly rows·cols floats (a longer array is refused too) and names null. */
    @Test
    void fromDenseChecksNullAndExactLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Csr.fromDense(null, 2, 3));
        assertTrue(e.getMessage().contains("null array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Csr.fromDense(new float[7], 2, 3));
        assertTrue(e.getMessage().contains("array has 7 floats") && e.getMessage().contains("needs 6"), e.getMessage());
    }

    /** Zero rows or zero columns are valid shapes; a wrong rowPtr length names the length needed (rows + 1). */
    @Test
    void emptyShapesAreValidAndRowPtrLengthIsNamed() {
        assertEquals(0, new Csr(0, 3, new int[] {0}, new int[0], new float[0]).nnz());
        assertEquals(0, new Csr(2, 0, new int[] {0, 0, 0}, new int[0], new float[0]).nnz());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Csr(2, 2, new int[] {0, 2}, new int[] {0, 1}, new float[] {1f, 2f}));
        assertTrue(e.getMessage().contains("2 rows need 3"), e.getMessage());
    }

    /** 16-bit column indices exist exactly up to 65536 columns (indices 0..65535 fit a char). */
    @Test
    void narrowIndicesUpTo65536Columns() {
        float[] row = new float[65537];
        row[65535] = 1f;
        Csr fits = Csr.fromDense(row, 0, 1, 65536);
        assertNotNull(fits.colIdx16);
        assertEquals(65535, fits.colIdx16[0]);
        assertNull(Csr.fromDense(row, 0, 1, 65537).colIdx16);
    }

    /** Row parts cover [0, rows] in order; each part's cost (nonzeros + rows) is within one row of an equal share. */
    @Test
    void balancedRowPartsSplitTheCostEvenly() {
        Rng rng = new Rng(61);
        for (int parts : new int[] {1, 2, 3, 8}) {
            for (int rows : new int[] {1, 7, 129}) {
                Csr w = Csr.fromDense(SparseFixtures.randomSparse(rng, rows, 40, 0.3, 0, rows / 2), rows, 40);
                int[] b = w.balancedRowParts(parts);
                int[] rp = w.rowPtr();
                assertEquals(parts + 1, b.length);
                assertEquals(0, b[0]);
                assertEquals(rows, b[parts]);
                long total = w.nnz() + rows, maxRow = 0;
                for (int r = 0; r < rows; r++) maxRow = Math.max(maxRow, w.rowNnz(r) + 1L);
                for (int p = 1; p <= parts; p++) {
                    assertTrue(b[p] >= b[p - 1], "ascending");
                    long cost = (rp[b[p]] + b[p]) - (rp[b[p - 1]] + b[p - 1]);
                    assertTrue(Math.abs(cost - (double) total / parts) <= maxRow + 1,
                            "part " + p + " of " + parts + " costs " + cost + " of " + total + " (rows " + rows + ")");
                }
            }
        }
    }

    /** Rows of equal cost split into equal row counts when the part count divides the rows, empty rows included. */
    @Test
    void equalRowsSplitIntoEqualParts() {
        Csr empty = new Csr(8, 5, new int[9], new int[0], new float[0]);
        assertArrayEquals(new int[] {0, 2, 4, 6, 8}, empty.balancedRowParts(4));
        float[] d = new float[12 * 6];
        for (int r = 0; r < 12; r++) for (int c = 0; c < 3; c++) d[r * 6 + 2 * c] = 1f + c;
        assertArrayEquals(new int[] {0, 3, 6, 9, 12}, Csr.fromDense(d, 12, 6).balancedRowParts(4));
        assertArrayEquals(new int[] {0, 4, 8, 12}, Csr.fromDense(d, 12, 6).balancedRowParts(3));
    }
}
