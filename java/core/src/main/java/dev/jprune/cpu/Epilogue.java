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
        int i = 0;
        if (Gemm.VECTOR) {
            VectorWarmUp.kernels();
            i = VectorKernels.biasRelu(src, srcOff, dst, dstOff, len, bias, relu);
        }
        if (relu) {
            for (; i < len; i++) dst[dstOff + i] = relu(src[srcOff + i] + bias);
        } else {
            for (; i < len; i++) dst[dstOff + i] = src[srcOff + i] + bias;
        }
    }

    /**
     * y[off + j] = relu(y[off + j] + bias[biasOff + j]) (or without the ReLU) for j &lt; len: a Linear layer's bias,
     * one per output column, on one row (or a run of columns of a row) of a GEMM's output, in place. Modifies only
     * y[off, off + len).
     */
    public static void biasRow(float[] y, int off, float[] bias, int biasOff, int len, boolean relu) {
        int j = 0;
        if (Gemm.VECTOR) {
            VectorWarmUp.kernels();
            j = VectorKernels.biasRow(y, off, bias, biasOff, len, relu);
        }
        biasRowTail(y, off, bias, biasOff, j, len, relu);
    }

    /** {@link #biasRow} on the scalar path alone (tests compare the two). */
    static void biasRowScalar(float[] y, int off, float[] bias, int biasOff, int len, boolean relu) {
        biasRowTail(y, off, bias, biasOff, 0, len, relu);
    }

    private static void biasRowTail(float[] y, int off, float[] bias, int biasOff, int j, int len, boolean relu) {
        if (relu) {
            for (; j < len; j++) y[off + j] = relu(y[off + j] + bias[biasOff + j]);
        } else {
            for (; j < len; j++) y[off + j] += bias[biasOff + j];
        }
    }
}
