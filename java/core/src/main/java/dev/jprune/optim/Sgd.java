package dev.jprune.optim;

import dev.jprune.cpu.CpuKernels;
import dev.jprune.nn.Parameter;
import java.util.List;

/** Stochastic gradient descent with momentum, Nesterov and L2 weight decay, as torch.optim.SGD (dampening 0). */
public final class Sgd implements Optimizer {
    private final List<Parameter> params;
    private float lr;
    /** Momentum in [0, 1) and L2 weight decay. */
    public final float momentum, weightDecay;
    /** Whether the momentum is Nesterov's. */
    public final boolean nesterov;
    private final float[][] buf;

    /** SGD over {@code params} (PyTorch's update) with the given rate, momentum, weight decay and Nesterov flag. */
    public Sgd(List<Parameter> params, float lr, float momentum, float weightDecay, boolean nesterov) {
        if (!(lr > 0) || !Float.isFinite(lr)) throw new IllegalArgumentException(
                "SGD: learning rate must be positive and finite, got " + lr);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("SGD: momentum must be in [0, 1), got "
                + momentum);
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) throw new IllegalArgumentException(
                "SGD: weight decay must be >= 0, got " + weightDecay);
        if (nesterov && momentum == 0) throw new IllegalArgumentException("SGD: Nesterov needs momentum > 0");
        this.params = List.copyOf(params);
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.buf = new float[params.size()][];
    }

    @Override
    public void step(float gradScale, float clipValue) {
        OptimizerChecks.step("SGD", params, gradScale);
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (momentum != 0 && buf[i] == null) buf[i] = new float[p.size()];
            CpuKernels.sgdStep(p.value.data, p.grad.data, buf[i], p.mask, p.size(), lr, momentum, weightDecay, nesterov,
                    gradScale, clipValue);
        }
    }

    @Override
    public void enforceMasks() {
        for (Parameter p : params) p.requireMaskFits("SGD.enforceMasks");
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (p.mask == null) continue;
            p.applyMask();
            if (buf[i] != null) for (int j = 0; j < p.size(); j++) if (p.mask[j] == 0) buf[i][j] = 0f;
        }
    }

    /** Momentum buffer of parameter i (null before the first step or without momentum). For tests and checkpoints. */
    public float[] momentumBuffer(int i) { return buf[i]; }

    /**
     * Replaces the momentum buffer of parameter i by a copy of {@code values} (null: none yet, as before the first
     * step), e.g. to resume from a checkpoint or an average of data-parallel replicas. Call {@link #enforceMasks()}
     * afterwards if masks may prune positions where {@code values} is not 0. Modifies this optimizer's state only.
     *
     * @throws IllegalArgumentException if {@code values} does not have the parameter's length
     */
    public void setMomentumBuffer(int i, float[] values) {
        if (values != null && values.length != params.get(i).size()) {
            throw new IllegalArgumentException("SGD.setMomentumBuffer: " + values.length + " values for parameter " + i
                    + " of " + params.get(i).size());
        }
        buf[i] = values == null ? null : values.clone();
    }

    @Override public void reset() { java.util.Arrays.fill(buf, null); }
    @Override public List<Parameter> parameters() { return params; }
    @Override public float learningRate() { return lr; }
    @Override public void setLearningRate(float lr) { this.lr = OptimizerChecks.learningRate("SGD", lr); }
    @Override public String describe() {
        return "SGD(lr=" + lr + ", momentum=" + momentum + (nesterov ? ", nesterov" : "") + ", weight_decay="
                + weightDecay + ")";
    }
}
