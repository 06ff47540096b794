package dev.jprune.nn.loss;

import dev.jprune.cpu.CpuKernels;
import dev.jprune.tensor.Tensor;

/** Fused softmax + cross-entropy, mean over the batch (PyTorch's F.cross_entropy with reduction='mean'). */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {}

    /**
     * logits [N, C], labels [N] in [0, C). Overwrites {@code dlogits} [N, C] with dL/dlogits and returns the
     * mean loss. Numerically stable (max subtracted before exp).
     *
     * @throws IllegalArgumentException for a null argument, logits not of rank 2, an empty batch (N = 0: the mean is
     *     undefined), fewer labels than rows, a label outside [0, C), or dlogits of another shape
     */
    public static double lossAndGrad(Tensor logits, int[] labels, Tensor dlogits) {
        if (logits == null || labels == null || dlogits == null) {
            throw new IllegalArgumentException("SoftmaxCrossEntropy: null argument");
        }
        if (logits.rank() != 2) throw new IllegalArgumentException("SoftmaxCrossEntropy: logits must be [N, C], got "
                + java.util.Arrays.toString(logits.shape()));
        int n = logits.dim(0), c = logits.dim(1);
        if (n == 0) throw new IllegalArgumentException("SoftmaxCrossEntropy: empty batch " + logits
                + " (the mean loss of 0 rows is undefined)");
        if (labels.length < n) throw new IllegalArgumentException("SoftmaxCrossEntropy: " + labels.length
                + " labels for " + n + " rows");
        Tensor.requireSameShape("SoftmaxCrossEntropy dlogits", logits, dlogits);
        return CpuKernels.softmaxCrossEntropy(logits.data, labels, n, c, dlogits.data);
    }

    /** The mean loss alone (allocates a scratch gradient). @throws IllegalArgumentException as lossAndGrad */
    public static double loss(Tensor logits, int[] labels) {
        return lossAndGrad(logits, labels, Tensor.zeros(logits.shape()));
    }
}
