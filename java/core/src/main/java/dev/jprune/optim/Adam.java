package dev.jprune.optim;

import dev.jprune.cpu.CpuKernels;
import dev.jprune.nn.Parameter;
import java.util.List;

/** Adam as torch.optim.Adam (bias-corrected, L2 weight decay added to the gradient, no amsgrad). */
public final class Adam implements Optimizer {
    private final List<Parameter> params;
    private float lr;
    /** Moment decay rates, the denominator's epsilon and the L2 weight decay (PyTorch's Adam arguments). */
    public final float beta1, beta2, eps, weightDecay;
    private final float[][] m, v;
    private int t;

    /**
     * Adam over {@code params} (PyTorch's update, bias-corrected) with the given rate, betas, epsilon and weight
     * decay.
     */
    public Adam(List<Parameter> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
        if (!(lr > 0) || !Float.isFinite(lr)) throw new IllegalArgumentException(
                "Adam: learning rate must be positive and finite, got " + lr);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException(
                "Adam: betas must be in [0, 1), got " + beta1 + ", " + beta2);
        if (!(eps > 0) || !Float.isFinite(eps)) throw new IllegalArgumentException(
                "Adam: eps must be positive and finite, got " + eps);
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) throw new IllegalArgumentException(
                "Adam: weight decay must be >= 0, got " + weightDecay);
        this.params = List.copyOf(params);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = new float[params.size()][];
        this.v = new float[params.size()][];
    }

    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(List<Parameter> params, float lr) { this(params, lr, 0.9f, 0.999f, 1e-8f, 0f); }

    @Override
    public void step(float gradScale, float clipValue) {
        OptimizerChecks.step("Adam", params, gradScale);
        t++;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (m[i] == null) { m[i] = new float[p.size()]; v[i] = new float[p.size()]; }
            CpuKernels.adamStep(p.value.data, p.grad.data, m[i], v[i], p.mask, p.size(), lr, beta1, beta2, eps,
                    weightDecay, t, gradScale, clipValue);
        }
    }

    @Override
    public void enforceMasks() {
        for (Parameter p : params) p.requireMaskFits("Adam.enforceMasks");
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (p.mask == null) continue;
            p.applyMask();
            if (m[i] == null) continue;
            for (int j = 0; j < p.size(); j++) if (p.mask[j] == 0) { m[i][j] = 0f; v[i][j] = 0f; }
        }
    }

    /** First and second moments of parameter i (null before the first step). For tests and checkpoints. */
    public float[] firstMoment(int i) { return m[i]; }
    /** The second-moment buffer of parameter {@code i} (the optimizer's own array, for tests and inspection). */
    public float[] secondMoment(int i) { return v[i]; }
    /** Steps taken so far (the bias correction's t). */
    public int stepCount() { return t; }

    /**
     * Replaces the step count and the moments of every parameter by copies (m[i] and v[i] both null: none yet), e.g. to
     * resume from a checkpoint or an average of data-parallel replicas. Call {@link #enforceMasks()} afterwards if
     * masks may prune positions where the moments are not 0. Modifies this optimizer's state only.
     *
     * @throws IllegalArgumentException on a negative step, a wrong number of arrays, or an array of the wrong length
     */
    public void setState(int step, float[][] firstMoments, float[][] secondMoments) {
        if (step < 0) throw new IllegalArgumentException("Adam.setState: negative step " + step);
        if (firstMoments.length != params.size() || secondMoments.length != params.size()) {
            throw new IllegalArgumentException("Adam.setState: " + firstMoments.length + " / " + secondMoments.length
                    + " moment arrays for " + params.size() + " parameters");
        }
        for (int i = 0; i < params.size(); i++) {
            float[] a = firstMoments[i], b = secondMoments[i];
            int n = params.get(i).size();
            if ((a == null) != (b == null) || (a != null && (a.length != n || b.length != n))) {
                throw new IllegalArgumentException("Adam.setState: moments of parameter " + i + " do not match its " + n
                        + " elements");
            }
        }
        for (int i = 0; i < params.size(); i++) {
            m[i] = firstMoments[i] == null ? null : firstMoments[i].clone();
            v[i] = secondMoments[i] == null ? null : secondMoments[i].clone();
        }
        t = step;
    }

    @Override public void reset() { java.util.Arrays.fill(m, null); java.util.Arrays.fill(v, null); t = 0; }
    @Override public List<Parameter> parameters() { return params; }
    @Override public float learningRate() { return lr; }
    @Override public void setLearningRate(float lr) { this.lr = OptimizerChecks.learningRate("Adam", lr); }
    @Override public String describe() {
        return "Adam(lr=" + lr + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps
                + ", weight_decay=" + weightDecay + ")";
    }
}
