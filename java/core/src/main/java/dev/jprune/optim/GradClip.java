package dev.jprune.optim;

import dev.jprune.cpu.CpuKernels;
import dev.jprune.nn.Parameter;
import java.util.List;

/**
 * Gradient clipping with PyTorch's meaning. The global L2 norm is computed in double: per tensor in index
 * order, tensors summed in list order, so it is deterministic.
 */
public final class GradClip {
    private GradClip() {}

    /** sqrt(Σ over all parameters of Σ g²), in double. Reads grads only. */
    public static double globalNorm(List<Parameter> params) {
        double s = 0;
        for (Parameter p : params) s += CpuKernels.sumSquares(p.grad.data, 0, p.size());
        return Math.sqrt(s);
    }

    /**
     * The factor clip_grad_norm_ multiplies gradients by: min(1, maxNorm / (norm + 1e-6)). The 1e-6 is PyTorch's;
     * it makes the clipped norm maxNorm·norm/(norm + 1e-6), i.e. maxNorm within 1e-6/norm relative.
     */
    public static float normScale(double norm, double maxNorm) {
        if (!(maxNorm > 0)) return 1f;
        if (!Double.isFinite(norm)) throw new ArithmeticException("clip-by-norm: gradient norm is " + norm);
        double c = maxNorm / (norm + 1e-6);
        return c < 1 ? (float) c : 1f;
    }

    /**
     * torch.nn.utils.clip_grad_norm_: scales all grads so the global norm is at most maxNorm. Modifies grads; returns
     * the pre-clip norm.
     */
    public static double clipByNorm(List<Parameter> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clip-by-norm: max_norm must be positive, got "
                + maxNorm);
        double norm = globalNorm(params);
        float s = normScale(norm, maxNorm);
        if (s < 1f) for (Parameter p : params) CpuKernels.scaleInPlace(p.grad.data, p.size(), s);
        return norm;
    }

    /** torch.nn.utils.clip_grad_value_: clamps every gradient element into [−c, c]. Modifies grads. */
    public static void clipByValue(List<Parameter> params, float c) {
        if (!(c > 0) || Float.isInfinite(c)) throw new IllegalArgumentException(
                "clip-by-value: bound must be positive and finite, got " + c);
        for (Parameter p : params) CpuKernels.clampInPlace(p.grad.data, p.size(), c);
    }
}
