package dev.jprune.cpu;

import static dev.jprune.testutil.TestArrays.nan;
import static dev.jprune.testutil.TestArrays.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jprune.util.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * CpuDataKernels (the CPU twins of native/data.cu) against naive element loops at odd shapes, on the CPU: outputs are
 * poisoned (NaN, or a sentinel int) one row/column past the written region, which must stay untouched, and the sums
 * must equal the reference bit for bit (same additions in the same order).
 */
class CpuDataKernelsTest {
    private static final int[] SIZES = {1, 7, 129};
    private static final int SENTINEL = 0xDEADBEEF;

    /** Indices into [0, bound), with repeats and the last row. */
    private static int[] indices(Rng r, int n, int bound) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = r.nextInt(bound);
        idx[n - 1] = bound - 1;
        if (n > 2) idx[1] = idx[0];
        return idx;
    }

    private static void assertBits(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    @Test
    void gatherRowsCopiesTheIndexedRowsAndLeavesTheRestOfDst() {
        Rng r = new Rng(1);
        for (int rows : SIZES) for (int rowLen : SIZES) {
            int srcRows = rows + 3;
            float[] src = random(r, srcRows * rowLen);
            int[] idx = indices(r, rows, srcRows);
            float[] expected = nan((rows + 1) * rowLen), dst = nan((rows + 1) * rowLen);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < rowLen; j++) expected[i * rowLen + j] = src[idx[i] * rowLen + j];
            }
            CpuDataKernels.gatherRows(src, idx, dst, rows, rowLen);
            assertBits("gatherRows rows=" + rows + " rowLen=" + rowLen, expected, dst);
        }
    }

    @Test
    void gatherIntsCopiesTheIndexedValuesAndLeavesTheRestOfDst() {
        Rng r = new Rng(2);
        for (int n : SIZES) {
            int[] src = new int[n + 5];
            for (int i = 0; i < src.length; i++) src[i] = (int) r.nextLong();
            int[] idx = indices(r, n, src.length);
            int[] expected = new int[n + 1], dst = new int[n + 1];
            Arrays.fill(expected, SENTINEL);
            Arrays.fill(dst, SENTINEL);
            for (int i = 0; i < n; i++) expected[i] = src[idx[i]];
            CpuDataKernels.gatherInts(src, idx, dst, n);
            assertArrayEquals(expected, dst, "gatherInts n=" + n);
        }
    }

    @Test
    void columnSumAccumulateAddsRowsInIndexOrderIntoTheRunningValue() {
        Rng r = new Rng(3);
        for (int rows : SIZES) for (int cols : SIZES) {
            float[] x = random(r, rows * cols);
            float[] start = random(r, cols + 1);
            start[cols] = Float.NaN; // past the columns: untouched
            float[] expected = start.clone(), acc = start.clone();
            for (int i = 0; i < rows; i++) for (int c = 0; c < cols; c++) expected[c] += x[i * cols + c];
            CpuDataKernels.columnSumAccumulate(x, acc, rows, cols);
            assertBits("columnSumAccumulate rows=" + rows + " cols=" + cols, expected, acc);
        }
    }

    @Test
    void columnSumOverwritesAPoisonedSumWithTheColumnTotals() {
        Rng r = new Rng(4);
        for (int rows : SIZES) for (int cols : SIZES) {
            float[] x = random(r, rows * cols);
            float[] expected = nan(cols + 2), sum = nan(cols + 2);
            for (int c = 0; c < cols; c++) expected[c] = 0f;
            for (int i = 0; i < rows; i++) for (int c = 0; c < cols; c++) expected[c] += x[i * cols + c];
            CpuDataKernels.columnSum(x, sum, rows, cols);
            assertBits("columnSum rows=" + rows + " cols=" + cols, expected, sum);
        }
    }
}
