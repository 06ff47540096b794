package dev.jprune.nn.loss;

import dev.jprune.cpu.CpuKernels;
import dev.jprune.tensor.Tensor;

/** Mean squared error over all elements (PyTorch's F.mse_loss with reduction='mean'). */
public final class MeanSquaredError {
    private MeanSquaredError() {}

    /** Overwrites {@code dpred} with dL/dpred = 2(pred − target)/n and returns mean((pred − target)²). */
    public static double lossAndGrad(Tensor pred, Tensor target, Tensor dpred) {
        if (pred.size() != target.size()) {
            throw new IllegalArgumentException("MeanSquaredError: pred " + java.util.Arrays.toString(pred.shape())
                    + " vs target " + java.util.Arrays.toString(target.shape()));
        }
        Tensor.requireSameShape("MeanSquaredError dpred", pred, dpred);
        return CpuKernels.mse(pred.data, target.data, pred.size(), dpred.data);
    }
}
