package dev.jprune.sparse;

import java.util.Arrays;

/**
 * An immutable float32 matrix [rows, cols] in compressed sparse row form: the nonzeros of row r are
 * {@code values[rowPtr[r] .. rowPtr[r+1])} at columns {@code colIdx[...]}, columns strictly increasing within a row.
 * <p>Every instance is validated (rowPtr monotone from 0 to nnz, column indices in range and strictly increasing
 * per row) and owns private copies of its arrays, so a Csr can never be corrupted from outside; the kernels of
 * this package read the arrays directly.
 */
public final class Csr {
    /** Dimensions of the dense matrix. */
    public final int rows, cols;
    final int[] rowPtr;   // [rows + 1]
    final int[] colIdx;   // [nnz]
    final float[] values; // [nnz]
    /** colIdx as unsigned 16-bit indices (2 bytes per nonzero instead of 4) when cols &le; 65536, else null. */
    final char[] colIdx16;

    /**
     * A CSR matrix from arrays built elsewhere (e.g. read from a file). The arrays are copied, not modified.
     *
     * @throws IllegalArgumentException naming the fault when the arrays do not form a valid CSR matrix
     */
    public Csr(int rows, int cols, int[] rowPtr, int[] colIdx, float[] values) {
        this(rows, cols, copy(rowPtr), copy(colIdx), copy(values), true);
    }

    private Csr(int rows, int cols, int[] rowPtr, int[] colIdx, float[] values, boolean validate) {
        this.rows = rows;
        this.cols = cols;
        this.rowPtr = rowPtr;
        this.colIdx = colIdx;
        this.values = values;
        if (validate) validate();
        this.colIdx16 = cols <= 1 << 16 ? narrow(colIdx) : null;
    }

    private static char[] narrow(int[] ci) {
        char[] c = new char[ci.length];
        for (int i = 0; i < ci.length; i++) c[i] = (char) ci[i];
        return c;
    }

    /**
     * Row boundaries b[0] = 0 &le; b[1] &le; … &le; b[parts] = rows splitting the rows into {@code parts} ranges of
     * about equal nonzero count (+ one per row, so empty rows still cost something): work is in the nonzeros, and
     * pruned layers have very uneven rows. Which task computes a row never changes its result.
     */
    int[] balancedRowParts(int parts) {
        int[] b = new int[parts + 1];
        long total = (long) values.length + rows;
        int r = 0;
        for (int p = 1; p < parts; p++) {
            long target = total * p / parts;
            while (r < rows && (long) rowPtr[r] + r < target) r++;
            b[p] = r;
        }
        b[parts] = rows;
        return b;
    }

    private static int[] copy(int[] a) {
        if (a == null) throw new IllegalArgumentException("Csr: null index array");
        return a.clone();
    }

    private static float[] copy(float[] a) {
        if (a == null) throw new IllegalArgumentException("Csr: null values array");
        return a.clone();
    }

    private void validate() {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("Csr: negative shape [" + rows + ", "
                + cols + "]");
        if (rowPtr.length != rows + 1) {
            throw new IllegalArgumentException("Csr: rowPtr has length " + rowPtr.length + " but " + rows
                    + " rows need " + (rows + 1));
        }
        if (colIdx.length != values.length) {
            throw new IllegalArgumentException("Csr: colIdx has " + colIdx.length + " entries but values has "
                    + values.length);
        }
        if (rowPtr[0] != 0) throw new IllegalArgumentException("Csr: rowPtr[0] must be 0 but is " + rowPtr[0]);
        if (rowPtr[rows] != values.length) {
            throw new IllegalArgumentException("Csr: rowPtr[" + rows + "] = " + rowPtr[rows] + " but there are "
                    + values.length + " nonzeros");
        }
        for (int r = 0; r < rows; r++) {
            int a = rowPtr[r], b = rowPtr[r + 1];
            if (b < a) throw new IllegalArgumentException("Csr: rowPtr not monotone at row " + r + ": " + a
                    + " > " + b);
            if (b > values.length) throw new IllegalArgumentException("Csr: rowPtr[" + (r + 1) + "] = " + b
                    + " exceeds the " + values.length + " nonzeros");
            for (int k = a; k < b; k++) {
                int c = colIdx[k];
                if (c < 0 || c >= cols) {
                    throw new IllegalArgumentException("Csr: column index " + c + " out of range [0, " + cols
                            + ") in row " + r + " (entry " + k + ")");
                }
                if (k > a && c <= colIdx[k - 1]) {
                    throw new IllegalArgumentException("Csr: column indices of row " + r + " not strictly increasing: "
                            + colIdx[k - 1] + " then " + c + " (entry " + k + ")");
                }
            }
        }
    }

    /**
     * The exact nonzeros of the dense row-major matrix {@code w[off .. off + rows·cols)} ([rows, cols]); {@code w} is
     * not modified. Zero means {@code == 0f}, so −0.0 is dropped and NaN is kept. For a masked Parameter this keeps
     * exactly the surviving nonzero weights, because masked weights are 0 by invariant.
     */
    public static Csr fromDense(float[] w, int off, int rows, int cols) {
        if (w == null) throw new IllegalArgumentException("Csr.fromDense: null array");
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("Csr.fromDense: negative shape [" + rows + ", "
                + cols + "]");
        long need = (long) rows * cols;
        if (off < 0 || off + need > w.length) {
            throw new IllegalArgumentException("Csr.fromDense: [" + rows + ", " + cols + "] at offset " + off
                    + " needs " + need + " floats but the array has " + w.length);
        }
        int nnz = 0;
        for (int i = 0; i < need; i++) if (w[off + i] != 0f) nnz++;
        int[] rp = new int[rows + 1];
        int[] ci = new int[nnz];
        float[] v = new float[nnz];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            int base = off + r * cols;
            for (int c = 0; c < cols; c++) {
                float x = w[base + c];
                if (x != 0f) { ci[k] = c; v[k] = x; k++; }
            }
            rp[r + 1] = k;
        }
        return new Csr(rows, cols, rp, ci, v, false);
    }

    /** {@link #fromDense(float[], int, int, int)} at offset 0; {@code w.length} must be rows·cols exactly. */
    public static Csr fromDense(float[] w, int rows, int cols) {
        if (w != null && w.length != (long) rows * cols) {
            throw new IllegalArgumentException("Csr.fromDense: array has " + w.length + " floats but [" + rows + ", "
                    + cols + "] needs " + (long) rows * cols);
        }
        return fromDense(w, 0, rows, cols);
    }

    /** A new dense row-major [rows, cols] array (zeros where no entry is stored). */
    public float[] toDense() {
        float[] d = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) d[r * cols + colIdx[k]] = values[k];
        }
        return d;
    }

    /** Number of stored entries. */
    public int nnz() { return values.length; }

    /** Stored entries in row {@code r}. */
    public int rowNnz(int r) { return rowPtr[r + 1] - rowPtr[r]; }

    /** nnz / (rows·cols); 0 for an empty shape. */
    public double density() {
        long n = (long) rows * cols;
        return n == 0 ? 0 : (double) nnz() / n;
    }

    /** Storage in bytes: 4·(rows + 1) for rowPtr + 4·nnz for colIdx + 4·nnz for values. */
    public long bytes() { return 4L * rowPtr.length + 4L * colIdx.length + 4L * values.length; }

    /** Copies of the arrays (the matrix stays immutable). */
    public int[] rowPtr() { return rowPtr.clone(); }
    /** Column of every stored value, row by row (a copy, [nnz]). */
    public int[] colIdx() { return colIdx.clone(); }
    /** The stored values, row by row (a copy, [nnz]). */
    public float[] values() { return values.clone(); }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Csr)) return false;
        Csr c = (Csr) o;
        return rows == c.rows && cols == c.cols && Arrays.equals(rowPtr, c.rowPtr) && Arrays.equals(colIdx, c.colIdx)
                && Arrays.equals(values, c.values);
    }

    @Override
    public int hashCode() { return 31 * (31 * rows + cols) + Arrays.hashCode(values); }

    @Override
    public String toString() { return "Csr[" + rows + ", " + cols + "] nnz=" + nnz(); }
}
