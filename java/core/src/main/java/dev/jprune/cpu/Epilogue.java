package dev.jprune.cpu;

/**
 * dst[dstOff + i] = relu(src[srcOff + i] + bias) for i &lt; len, with relu(v) = v &gt; 0 ? v : 0 (NaN to 0, as
 * {@link CpuKernels#reluForward}) or the identity: a layer's bias and ReLU applied while its output is copied into
 * place. The Vector API path gives the same bits (one float add, one compare per element).
 */
public final class Epilogue {
    private Epilogue() {}

    /**
     * x &gt; 0 ? x : +0, branch-free (the bits of x, masked): the ReLU of every CPU path (NaN and −0 give +0). A
     * scalar helper, not a kernel: the kernels' GPU twins are {@link CpuKernels#reluForward}'s.
     */
    public static float relu(float x) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(x) & (x > 0f ? -1 : 0));
    }

    /** Modifies only dst[dstOff, dstOff + len); src and dst may be the same array at the same offset. */
    public static void biasRelu(float[] src, int srcOff, float[] dst, int dstOff, int len, float bias, boolean relu) {
        int i = Gemm.VECTOR ? VectorKernels.biasRelu(src, srcOff, dst, dstOff, len, bias, relu) : 0;
        if (relu) {
            for (; i < len; i++) dst[dstOff + i] = relu(src[srcOff + i] + bias);
        } else {
            for (; i < len; i++) dst[dstOff + i] = src[srcOff + i] + bias;
        }
    }
}
