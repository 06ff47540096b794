package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Per-row counts of a CSR matrix are the nonzeros of each dense row: empty, full and partial rows alike. */
class CsrRowsTest {
    @Test
    void rowNnzCountsEachRowsNonzeros() {
        float[] w = {
            0, 0, 0, 0,     // empty
            1, 2, 3, 4,     // full
            0, -1, 0, 0,    // one
            5, 0, 0, 6,     // first and last
            0, 0, 0, 0};    // empty last row
        Csr c = Csr.fromDense(w, 5, 4);
        int[] want = {0, 4, 1, 2, 0};
        for (int r = 0; r < want.length; r++) assertEquals(want[r], c.rowNnz(r), "row " + r);
        assertEquals(7, c.nnz());
        assertEquals(7 / 20.0, c.density(), 1e-15);
        assertEquals("Csr[5, 4] nnz=7", c.toString());
    }
}
