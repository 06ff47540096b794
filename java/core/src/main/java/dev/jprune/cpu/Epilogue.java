package dev.jprune.cpu;

/**
 * dst[dstOff + i] = relu(src[srcOff + i] + bias) for i &lt; len, with relu(v) = v &gt; 0 ? v : 0 (NaN to 0, as
 * {@link CpuKernels#reluForward}) or the identity: a layer's bias and ReLU applied while its output is copied into
 * place. The Vector API path gives the same bits (one float add, one compare per element).
 */
public final class Epilogue {
    private Epilogue() {}

    /** Modifies only dst[dstOff, dstOff + len); src and dst may be the same array at the same offset. */
    public static void biasRelu(float[] src, int srcOff, float[] dst, int dstOff, int len, float bias, boolean relu) {
        int i = Gemm.VECTOR ? VectorKernels.biasRelu(src, srcOff, dst, dstOff, len, bias, relu) : 0;
        if (relu) {
            for (; i < len; i++) dst[dstOff + i] = CpuKernels.relu(src[srcOff + i] + bias);
        } else {
            for (; i < len; i++) dst[dstOff + i] = src[srcOff + i] + bias;
        }
    }
}
