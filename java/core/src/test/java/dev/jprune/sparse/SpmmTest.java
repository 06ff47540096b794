package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.testutil.Close;
import dev.jprune.util.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Sparse kernels against the masked dense GEMM twin on fresh random inputs. */
class SpmmTest {
    static final double RTOL = 1e-5, ATOL = 1e-5;

    @ParameterizedTest(name = "linear N={0} in={1} out={2} density {3}")
    @CsvSource({
            "1,1,1,1.0", "1,7,129,0.5", "7,129,7,0.1", "129,7,33,0.5", "1,129,129,0.01", "7,784,30,0.1",
            "8,129,7,1.0", "9,33,65,0.0", "129,129,129,0.01", "256,300,100,0.1", "3,65,1,0.5", "16,1,9,1.0",
            "129,4096,9,0.1"}) // the last one makes the transposed path tile its batch (64 + 64 + 1)
    void linearMatchesMaskedDense(int n, int in, int out, double density) {
        Rng rng = new Rng(n * 7919L + in * 31L + out + (long) (density * 1000));
        float[] w = SparseFixtures.randomSparse(rng, out, in, density, 0, out - 1, out / 3);
        Csr csr = Csr.fromDense(w, out, in);
        float[] x = SparseFixtures.random(rng, n * in, -1f, 1f);
        float[] b = SparseFixtures.random(rng, out, -1f, 1f);
        float[] xCopy = x.clone();

        float[] ref = new float[n * out];
        NaiveSpmm.linear(csr, x, n, b, ref);
        float[] y = new float[n * out];
        Arrays.fill(y, Float.NaN); // poisoned: every element must be written
        Spmm.linear(csr, x, n, b, y);
        Close.assertClose("Spmm.linear", ref, y, RTOL, ATOL);
        assertArrayEquals(xCopy, x, "input not modified");

        // An empty row's output is exactly its bias.
        for (int s = 0; s < n; s++) assertEquals(b[0], y[s * out], "empty row 0, sample " + s);

        // Independent second reference: the masked dense weights straight through NaiveGemm (not via toDense).
        float[] ref2 = new float[n * out];
        dev.jprune.cpu.NaiveGemm.gemm(false, true, n, out, in, 1f, x, 0, in, w, 0, in, 0f, ref2, 0, out);
        for (int s = 0; s < n; s++) for (int j = 0; j < out; j++) ref2[s * out + j] += b[j];
        Close.assertClose("Spmm.linear vs dense", ref2, y, RTOL, ATOL);

        // Both paths at this very shape: bit-identical to each other (same summation order).
        float[] g = new float[n * out], t = new float[n * out];
        Arrays.fill(g, Float.NaN);
        Arrays.fill(t, Float.NaN);
        Spmm.linearGather(csr, x, n, b, g);
        Spmm.linearTransposed(csr, x, n, b, t);
        assertArrayEquals(g, t, "gather vs transposed path");
        assertArrayEquals(y, g, "dispatch vs explicit path");
    }

    @Test
    void bothLinearPathsAreBitIdentical() {
        // Sample blocking and the 4-sample unroll keep each element's summation order, so one sample computed alone
        // equals the same sample inside a large batch (any block position, unrolled or remainder) bit for bit.
        Rng rng = new Rng(42);
        int in = 129, out = 65, n = 39;
        Csr csr = Csr.fromDense(SparseFixtures.randomSparse(rng, out, in, 0.3), out, in);
        float[] x = SparseFixtures.random(rng, n * in, -1f, 1f);
        float[] b = SparseFixtures.random(rng, out, -1f, 1f);
        float[] big = new float[n * out];
        Spmm.linear(csr, x, n, b, big);
        for (int s = 0; s < n; s++) {
            float[] one = new float[out];
            Spmm.linear(csr, Arrays.copyOfRange(x, s * in, (s + 1) * in), 1, b, one);
            assertArrayEquals(Arrays.copyOfRange(big, s * out, (s + 1) * out), one, "sample " + s);
        }
    }

    @Test
    void linearWithoutBias() {
        Rng rng = new Rng(3);
        Csr csr = Csr.fromDense(SparseFixtures.randomSparse(rng, 7, 9, 0.5), 7, 9);
        float[] x = SparseFixtures.random(rng, 10 * 9, -1f, 1f);
        float[] ref = new float[70], y = new float[70];
        NaiveSpmm.linear(csr, x, 10, null, ref);
        Spmm.linear(csr, x, 10, null, y);
        Close.assertClose("Spmm.linear no bias", ref, y, RTOL, ATOL);
    }

    @Test
    void badArgumentsAreRejected() {
        Csr csr = Csr.fromDense(new float[] {1f, 0f, 0f, 2f, 3f, 0f}, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Spmm.linear(csr, new float[5], 2, null, new float[4]));
        assertTrue(e.getMessage().contains("Spmm.linear") && e.getMessage().contains("x has 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Spmm.linear(csr, new float[6], 2, null, new float[3]));
        assertTrue(e.getMessage().contains("y has 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Spmm.linear(csr, new float[6], 2, new float[3], new float[4]));
        assertTrue(e.getMessage().contains("bias has 3"), e.getMessage());
        float[] same = new float[12];
        assertThrows(IllegalArgumentException.class, () -> Spmm.linear(csr, same, 2, null, same));
        // both forced paths check their arguments too (a short x would otherwise be read past its end)
        e = assertThrows(IllegalArgumentException.class,
                () -> Spmm.linearGather(csr, new float[5], 2, null, new float[4]));
        assertTrue(e.getMessage().contains("x has 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Spmm.linearTransposed(csr, new float[5], 2, null, new float[4]));
        assertTrue(e.getMessage().contains("x has 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Spmm.linearGather(csr, new float[6], 2, null, new float[3]));
        assertTrue(e.getMessage().contains("y has 3"), e.getMessage());
    }
}
