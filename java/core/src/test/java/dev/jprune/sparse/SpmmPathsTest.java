package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.testutil.Close;
import dev.jprune.util.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Spmm paths the small cases do not reach: wide matrices, the pooled one-sample kernel, an empty batch. */
class SpmmPathsTest {
    static final double RTOL = 1e-5, ATOL = 1e-5;

    /** y = poisoned, then {@code path}; compared with the naive twin. */
    interface Path { void run(Csr w, float[] x, int n, float[] b, float[] y); }

    static float[] run(Path p, Csr w, float[] x, int n, float[] b) {
        float[] y = new float[n * w.rows];
        Arrays.fill(y, Float.NaN);
        p.run(w, x, n, b, y);
        return y;
    }

    /**
     * Over 65536 columns (no 16-bit indices) every path runs the scalar loop, with and without bias: equal to the
     * naive twin and bit-identical across paths.
     */
    @Test
    void widerThan16BitIndicesOnEveryPath() {
        Rng rng = new Rng(71);
        int in = 65537, out = 5;
        float[] wd = SparseFixtures.randomSparse(rng, out, in, 0.01, 2);
        wd[in - 1] = 0.75f; // the last column is used
        Csr w = Csr.fromDense(wd, out, in);
        assertNull(w.colIdx16);
        for (int n : new int[] {1, 3}) {
            float[] x = SparseFixtures.random(rng, n * in, -1f, 1f);
            for (float[] b : new float[][] {null, SparseFixtures.random(rng, out, -1f, 1f)}) {
                float[] ref = new float[n * out];
                NaiveSpmm.linear(w, x, n, b, ref);
                float[] y = run(Spmm::linear, w, x, n, b);
                Close.assertClose("wide linear n=" + n, ref, y, RTOL, ATOL);
                assertArrayEquals(y, run(Spmm::linearGather, w, x, n, b), "gather");
                assertArrayEquals(y, run(Spmm::linearTransposed, w, x, n, b), "transposed");
            }
        }
    }

    /** A matrix with enough nonzeros to split one sample over the pool (and a batch over row parts) is unchanged. */
    @Test
    void largeProductsSplitOverThePoolGiveTheSameBits() {
        Rng rng = new Rng(72);
        int in = 700, out = 501; // 350 700 nonzeros: over Spmm.PARALLEL_GATHER; x 4 samples over PARALLEL_MACS
        Csr w = Csr.fromDense(SparseFixtures.randomSparse(rng, out, in, 1.0, 3, 250), out, in);
        assertTrue(w.nnz() >= Spmm.PARALLEL_GATHER && 4L * w.nnz() >= Spmm.PARALLEL_MACS);
        float[] x = SparseFixtures.random(rng, 4 * in, -1f, 1f), b = SparseFixtures.random(rng, out, -1f, 1f);
        float[] ref = new float[4 * out];
        NaiveSpmm.linear(w, x, 4, b, ref);
        float[] t = run(Spmm::linearTransposed, w, x, 4, b), g = run(Spmm::linearGather, w, x, 4, b);
        Close.assertClose("large transposed", ref, t, RTOL, ATOL);
        assertArrayEquals(t, g, "gather on the pool = transposed");
        for (int s = 0; s < 4; s++) {
            float[] one = run(Spmm::linear, w, Arrays.copyOfRange(x, s * in, (s + 1) * in), 1, b);
            assertArrayEquals(Arrays.copyOfRange(t, s * out, (s + 1) * out), one, "sample " + s);
        }
    }

    /** A batch of 0 samples is legal on every path and writes nothing. */
    @Test
    void emptyBatchWritesNothing() {
        Csr w = Csr.fromDense(new float[] {1f, 0f, 2f, 3f}, 2, 2);
        for (Path p : new Path[] {Spmm::linear, Spmm::linearGather, Spmm::linearTransposed}) {
            float[] y = {7f, 8f};
            p.run(w, new float[0], 0, null, y);
            assertArrayEquals(new float[] {7f, 8f}, y);
        }
    }
}
