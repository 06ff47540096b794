package dev.jprune.cpu;

/**
 * Reference GEMM: the plain triple loop, accumulated in double. It is the truth {@link Gemm} is tested against.
 * <p>C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, row-major with leading dimensions.
 * op(A) = A (A stored [M,K], lda &ge; K) or A^T (A stored [K,M], lda &ge; M); likewise op(B) with B stored
 * [K,N] (ldb &ge; N) or, transposed, [N,K] (ldb &ge; K). Only {@code c} is modified. beta == 0 ignores C's
 * old contents (NaN included), as BLAS does.
 */
public final class NaiveGemm {
    private NaiveGemm() {}

    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int offA, int lda, float[] b, int offB, int ldb,
                            float beta, float[] c, int offC, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[offA + p * lda + i] : a[offA + i * lda + p];
                    float bv = transB ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
                    s += (double) av * bv;
                }
                int ci = offC + i * ldc + j;
                c[ci] = (float) (alpha * s + (beta == 0f ? 0.0 : (double) beta * c[ci]));
            }
        }
    }
}
