package dev.jprune.cpu;

/** TEMPORARY placeholder until the blocked kernel lands from branch cpuk: delegates to NaiveGemm. */
public final class Gemm {
    private Gemm() {}
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int offA, int lda, float[] b, int offB, int ldb,
                            float beta, float[] c, int offC, int ldc) {
        NaiveGemm.gemm(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
    }
}
