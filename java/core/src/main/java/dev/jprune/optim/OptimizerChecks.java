package dev.jprune.optim;

import dev.jprune.nn.Parameter;
import java.util.List;

/** The argument checks Sgd and Adam share: a user-set learning rate, a step's scale and hand-set masks. */
final class OptimizerChecks {
    private OptimizerChecks() {}

    /** Returns {@code lr} when positive and finite; else throws naming the optimizer. */
    static float learningRate(String optimizer, float lr) {
        if (!(lr > 0) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException(optimizer + ": learning rate must be positive and finite, got " + lr);
        }
        return lr;
    }

    /**
     * Checks a step's arguments before anything is modified: a finite, non-negative gradient scale (a NaN one would
     * turn every weight into NaN) and masks as long as their parameters (a hand-set mask of another length).
     */
    static void step(String optimizer, List<Parameter> params, float gradScale) {
        if (!(gradScale >= 0) || !Float.isFinite(gradScale)) {
            throw new IllegalArgumentException(optimizer + ".step: gradient scale must be finite and >= 0, got "
                    + gradScale);
        }
        for (int i = 0; i < params.size(); i++) params.get(i).requireMaskFits(optimizer + " parameter " + i);
    }
}
