package dev.jprune.nn.loss;

import dev.jprune.cpu.CpuKernels;
import dev.jprune.tensor.Tensor;

/** Mean squared error over all elements (PyTorch's F.mse_loss with reduction='mean'). */
public final class MeanSquaredError {
    private MeanSquaredError() {}

    /**
     * Overwrites {@code dpred} with dL/dpred = 2(pred − target)/n and returns mean((pred − target)²).
     *
     * @throws IllegalArgumentException for a null argument, an empty pred (n = 0: the mean is undefined), a target of
     *     another size or a dpred of another shape than pred
     */
    public static double lossAndGrad(Tensor pred, Tensor target, Tensor dpred) {
        if (pred == null || target == null || dpred == null) {
            throw new IllegalArgumentException("MeanSquaredError: null argument");
        }
        if (pred.size() == 0) throw new IllegalArgumentException("MeanSquaredError: empty prediction " + pred
                + " (the mean of 0 elements is undefined)");
        if (pred.size() != target.size()) {
            throw new IllegalArgumentException("MeanSquaredError: pred " + java.util.Arrays.toString(pred.shape())
                    + " vs target " + java.util.Arrays.toString(target.shape()));
        }
        Tensor.requireSameShape("MeanSquaredError dpred", pred, dpred);
        return CpuKernels.mse(pred.data, target.data, pred.size(), dpred.data);
    }
}
