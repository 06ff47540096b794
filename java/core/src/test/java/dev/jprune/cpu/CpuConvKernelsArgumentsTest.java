package dev.jprune.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * CpuConvKernels' argument checks, kernel by kernel: each size that must be positive is refused at 0 or below and each
 * array one element too short is refused, with an IllegalArgumentException whose message names the kernel and the
 * argument (not an ArrayIndexOutOfBoundsException from the loops, and not silently nothing). Valid edge cases (n = 0
 * for dropout, an input of exactly 2^31-1 elements for pooling) pass the checks.
 */
class CpuConvKernelsArgumentsTest {
    /** {@code call} throws an IllegalArgumentException whose message starts "CpuConvKernels.op: fault". */
    private static void rejects(String op, String fault, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, op + ": " + fault);
        String prefix = "CpuConvKernels." + op + ": " + fault;
        if (!e.getMessage().startsWith(prefix))
            throw new AssertionError("expected '" + prefix + "...', got: " + e.getMessage());
    }

    private static float[] f(int n) { return new float[n]; }

    // conv geometry used below: n=2, c=3, h=5, w=4, kernel 3x2, stride 1, pad 1 -> OH = 5, OW = 5, P = 25;
    // x [2, 3, 5, 4] has 120 elements, col [3*3*2, 2*25] has 900
    @Test
    void im2colRefusesNonPositiveSizesAndShortArrays() {
        rejects("im2col", "n = 0", () -> CpuConvKernels.im2col(f(120), 0, 3, 5, 4, 3, 2, 1, 1, f(900)));
        rejects("im2col", "c = -1", () -> CpuConvKernels.im2col(f(120), 2, -1, 5, 4, 3, 2, 1, 1, f(900)));
        rejects("im2col", "h = 0", () -> CpuConvKernels.im2col(f(120), 2, 3, 0, 4, 3, 2, 1, 1, f(900)));
        rejects("im2col", "w = 0", () -> CpuConvKernels.im2col(f(120), 2, 3, 5, 0, 3, 2, 1, 1, f(900)));
        rejects("im2col", "kh = 0", () -> CpuConvKernels.im2col(f(120), 2, 3, 5, 4, 0, 2, 1, 1, f(900)));
        rejects("im2col", "kw = -2", () -> CpuConvKernels.im2col(f(120), 2, 3, 5, 4, 3, -2, 1, 1, f(900)));
        rejects("im2col", "stride = 0", () -> CpuConvKernels.im2col(f(120), 2, 3, 5, 4, 3, 2, 0, 1, f(900)));
        rejects("im2col", "x has 119 elements, needs 120",
                () -> CpuConvKernels.im2col(f(119), 2, 3, 5, 4, 3, 2, 1, 1, f(900)));
        rejects("im2col", "col has 899 elements, needs 900",
                () -> CpuConvKernels.im2col(f(120), 2, 3, 5, 4, 3, 2, 1, 1, f(899)));
        CpuConvKernels.im2col(f(120), 2, 3, 5, 4, 3, 2, 1, 1, f(900)); // the same call with exact sizes passes
    }

    @Test
    void col2imRefusesNonPositiveSizesAndShortArrays() {
        rejects("col2im", "n = -1", () -> CpuConvKernels.col2im(f(900), -1, 3, 5, 4, 3, 2, 1, 1, f(120)));
        rejects("col2im", "c = 0", () -> CpuConvKernels.col2im(f(900), 2, 0, 5, 4, 3, 2, 1, 1, f(120)));
        rejects("col2im", "stride = -1", () -> CpuConvKernels.col2im(f(900), 2, 3, 5, 4, 3, 2, -1, 1, f(120)));
        rejects("col2im", "col has 899 elements, needs 900",
                () -> CpuConvKernels.col2im(f(899), 2, 3, 5, 4, 3, 2, 1, 1, f(120)));
        rejects("col2im", "dx has 119 elements, needs 120",
                () -> CpuConvKernels.col2im(f(900), 2, 3, 5, 4, 3, 2, 1, 1, f(119)));
        CpuConvKernels.col2im(f(900), 2, 3, 5, 4, 3, 2, 1, 1, f(120));
    }

    // layout kernels: n=2, f=3, p=5 -> 30 elements
    @Test
    void rowsToNchwRefusesBadSizesAndShortArraysAndTakesANullBias() {
        rejects("rowsToNchw", "n = 0", () -> CpuConvKernels.rowsToNchw(f(30), f(3), 0, 3, 5, f(30)));
        rejects("rowsToNchw", "f = -3", () -> CpuConvKernels.rowsToNchw(f(30), f(3), 2, -3, 5, f(30)));
        rejects("rowsToNchw", "p = 0", () -> CpuConvKernels.rowsToNchw(f(30), f(3), 2, 3, 0, f(30)));
        rejects("rowsToNchw", "rows has 29 elements, needs 30",
                () -> CpuConvKernels.rowsToNchw(f(29), f(3), 2, 3, 5, f(30)));
        rejects("rowsToNchw", "y has 29 elements, needs 30",
                () -> CpuConvKernels.rowsToNchw(f(30), f(3), 2, 3, 5, f(29)));
        rejects("rowsToNchw", "bias has 2 elements, needs 3",
                () -> CpuConvKernels.rowsToNchw(f(30), f(2), 2, 3, 5, f(30)));
        // bias null: a pure permutation, y[n, f, q] = rows[f, n*P + q]
        float[] rows = new float[30], y = new float[30];
        for (int i = 0; i < 30; i++) rows[i] = i;
        CpuConvKernels.rowsToNchw(rows, null, 2, 3, 5, y);
        for (int n = 0; n < 2; n++) for (int ch = 0; ch < 3; ch++) for (int q = 0; q < 5; q++) {
            assertEquals(rows[ch * 10 + n * 5 + q], y[(n * 3 + ch) * 5 + q]);
        }
    }

    @Test
    void nchwToRowsRefusesBadSizesAndShortArrays() {
        rejects("nchwToRows", "n = -1", () -> CpuConvKernels.nchwToRows(f(30), -1, 3, 5, f(30)));
        rejects("nchwToRows", "f = 0", () -> CpuConvKernels.nchwToRows(f(30), 2, 0, 5, f(30)));
        rejects("nchwToRows", "p = -5", () -> CpuConvKernels.nchwToRows(f(30), 2, 3, -5, f(30)));
        rejects("nchwToRows", "y has 29 elements, needs 30", () -> CpuConvKernels.nchwToRows(f(29), 2, 3, 5, f(30)));
        rejects("nchwToRows", "rows has 29 elements, needs 30", () -> CpuConvKernels.nchwToRows(f(30), 2, 3, 5, f(29)));
    }

    @Test
    void biasGradNchwRefusesBadSizesAndShortArrays() {
        rejects("biasGradNchw", "n = 0", () -> CpuConvKernels.biasGradNchw(f(30), 0, 3, 5, f(3)));
        rejects("biasGradNchw", "f = 0", () -> CpuConvKernels.biasGradNchw(f(30), 2, 0, 5, f(3)));
        rejects("biasGradNchw", "p = -1", () -> CpuConvKernels.biasGradNchw(f(30), 2, 3, -1, f(3)));
        rejects("biasGradNchw", "dy has 29 elements, needs 30",
                () -> CpuConvKernels.biasGradNchw(f(29), 2, 3, 5, f(3)));
        rejects("biasGradNchw", "db has 2 elements, needs 3", () -> CpuConvKernels.biasGradNchw(f(30), 2, 3, 5, f(2)));
    }

    // pooling: n=2, c=3, h=5, w=4, k=2, s=2 -> OH = 2, OW = 2; x has 120 elements, y and argmax 24
    @Test
    void maxPoolForwardRefusesBadSizesAndShortArrays() {
        int[] am = new int[24];
        rejects("maxPoolForward", "n = 0", () -> CpuConvKernels.maxPoolForward(f(120), 0, 3, 5, 4, 2, 2, f(24), am));
        rejects("maxPoolForward", "c = -1", () -> CpuConvKernels.maxPoolForward(f(120), 2, -1, 5, 4, 2, 2, f(24), am));
        rejects("maxPoolForward", "kernel = 0",
                () -> CpuConvKernels.maxPoolForward(f(120), 2, 3, 5, 4, 0, 2, f(24), am));
        rejects("maxPoolForward", "stride = 0",
                () -> CpuConvKernels.maxPoolForward(f(120), 2, 3, 5, 4, 2, 0, f(24), am));
        rejects("maxPoolForward", "x has 119 elements, needs 120",
                () -> CpuConvKernels.maxPoolForward(f(119), 2, 3, 5, 4, 2, 2, f(24), am));
        rejects("maxPoolForward", "y has 23 elements, needs 24",
                () -> CpuConvKernels.maxPoolForward(f(120), 2, 3, 5, 4, 2, 2, f(23), am));
        rejects("maxPoolForward", "argmax has 23 elements, needs 24",
                () -> CpuConvKernels.maxPoolForward(f(120), 2, 3, 5, 4, 2, 2, f(24), new int[23]));
        CpuConvKernels.maxPoolForward(f(120), 2, 3, 5, 4, 2, 2, f(24), am);
    }

    @Test
    void maxPoolBackwardRefusesShortArrays() {
        int[] am = new int[24];
        rejects("maxPoolBackward", "dy has 23 elements, needs 24",
                () -> CpuConvKernels.maxPoolBackward(f(23), am, 2, 3, 5, 4, 2, 2, f(120)));
        rejects("maxPoolBackward", "argmax has 23 elements, needs 24",
                () -> CpuConvKernels.maxPoolBackward(f(24), new int[23], 2, 3, 5, 4, 2, 2, f(120)));
        rejects("maxPoolBackward", "dx has 119 elements, needs 120",
                () -> CpuConvKernels.maxPoolBackward(f(24), am, 2, 3, 5, 4, 2, 2, f(119)));
        rejects("maxPoolBackward", "n = -2",
                () -> CpuConvKernels.maxPoolBackward(f(24), am, -2, 3, 5, 4, 2, 2, f(120)));
    }

    @Test
    void poolingChecksTheInputSizeAgainst2Pow31Minus1() {
        // exactly 2^31-1 elements (1 x 1 x 1 x (2^31-1), a prime) is allowed: the x length check is what fails
        rejects("maxPoolForward", "x has 0 elements, needs 2147483647",
                () -> CpuConvKernels.maxPoolForward(f(0), 1, 1, 1, Integer.MAX_VALUE, 1, 1, f(0), new int[0]));
        // 256^4 = 2^32 elements is too many, whatever the order of the factors
        rejects("maxPoolForward", "input exceeds 2^31-1 elements",
                () -> CpuConvKernels.maxPoolForward(f(0), 256, 256, 256, 256, 2, 2, f(0), new int[0]));
    }

    @Test
    void dropoutRefusesBadPNegativeNAndShortArraysButAcceptsNZero() {
        rejects("dropoutForward", "p must be in [0, 1), got 1.0",
                () -> CpuConvKernels.dropoutForward(f(7), 7, 1f, 1, 0, f(7), new byte[7]));
        rejects("dropoutForward", "n = -1",
                () -> CpuConvKernels.dropoutForward(f(7), -1, 0.5f, 1, 0, f(7), new byte[7]));
        rejects("dropoutForward", "x has 6 elements, needs 7",
                () -> CpuConvKernels.dropoutForward(f(6), 7, 0.5f, 1, 0, f(7), new byte[7]));
        rejects("dropoutForward", "y has 6 elements, needs 7",
                () -> CpuConvKernels.dropoutForward(f(7), 7, 0.5f, 1, 0, f(6), new byte[7]));
        rejects("dropoutForward", "keep has 6 elements, needs 7",
                () -> CpuConvKernels.dropoutForward(f(7), 7, 0.5f, 1, 0, f(7), new byte[6]));
        rejects("dropoutBackward", "p must be in [0, 1), got NaN",
                () -> CpuConvKernels.dropoutBackward(f(7), new byte[7], 7, Float.NaN, f(7)));
        rejects("dropoutBackward", "p must be in [0, 1), got -0.1",
                () -> CpuConvKernels.dropoutBackward(f(7), new byte[7], 7, -0.1f, f(7)));
        rejects("dropoutBackward", "n = -1", () -> CpuConvKernels.dropoutBackward(f(7), new byte[7], -1, 0.5f, f(7)));
        rejects("dropoutBackward", "dy has 6 elements, needs 7",
                () -> CpuConvKernels.dropoutBackward(f(6), new byte[7], 7, 0.5f, f(7)));
        rejects("dropoutBackward", "keep has 6 elements, needs 7",
                () -> CpuConvKernels.dropoutBackward(f(7), new byte[6], 7, 0.5f, f(7)));
        rejects("dropoutBackward", "dx has 6 elements, needs 7",
                () -> CpuConvKernels.dropoutBackward(f(7), new byte[7], 7, 0.5f, f(6)));
        // n = 0 is an empty batch, not an error
        CpuConvKernels.dropoutForward(f(0), 0, 0.5f, 1, 0, f(0), new byte[0]);
        CpuConvKernels.dropoutBackward(f(0), new byte[0], 0, 0.5f, f(0));
    }

    @Test
    void dropoutKeepsAnElementWhoseUniformEqualsPExactly() {
        long seed = 42, stream = 3;
        int n = 7, at = 4;
        float p = Rng.hashUniform(seed, stream, at); // keep iff u >= p: element `at` sits on the boundary
        float[] x = {1f, 2f, 3f, 4f, 5f, 6f, 7f}, y = new float[n];
        byte[] keep = new byte[n];
        CpuConvKernels.dropoutForward(x, n, p, seed, stream, y, keep);
        assertEquals(1, keep[at]);
        assertEquals(x[at] * (1f / (1f - p)), y[at]);
        byte[] expected = new byte[n];
        for (int i = 0; i < n; i++) expected[i] = (byte) (Rng.hashUniform(seed, stream, i) >= p ? 1 : 0);
        assertArrayEquals(expected, keep);
    }

    @Test
    void countCorrectRefusesBadSizesAndShortArrays() {
        rejects("countCorrect", "rows = 0", () -> CpuConvKernels.countCorrect(f(12), new int[3], 0, 4));
        rejects("countCorrect", "cols = -4", () -> CpuConvKernels.countCorrect(f(12), new int[3], 3, -4));
        rejects("countCorrect", "logits has 11 elements, needs 12",
                () -> CpuConvKernels.countCorrect(f(11), new int[3], 3, 4));
        rejects("countCorrect", "labels has 2 elements, needs 3",
                () -> CpuConvKernels.countCorrect(f(12), new int[2], 3, 4));
    }
}
