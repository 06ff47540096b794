package dev.jprune.train;

import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import java.util.Map;

/**
 * Stops a run whose numbers stopped being numbers: a NaN or infinite loss, accuracy or weight is never reported or
 * written as a result. Each check throws an {@link ArithmeticException} whose message says where and what, and
 * suggests the usual cure (a smaller learning rate, clipping).
 */
public final class NonFinite {
    private static final String CURE =
            "training diverged; try a smaller learning rate or gradient clipping (command line: --lr, --clip-norm)";

    private NonFinite() {}

    /** Returns {@code s} when it covers samples and its loss is finite (accuracy finite, or NaN for regression). */
    public static EpochStats require(EpochStats s, String where) {
        if (s.samples() <= 0) {
            throw new ArithmeticException(where + ": trained on 0 samples (the training split is empty)");
        }
        if (!Double.isFinite(s.trainLoss())) {
            throw new ArithmeticException(where + ": training loss is " + s.trainLoss() + "; " + CURE);
        }
        if (Double.isInfinite(s.trainAccuracy())) {
            throw new ArithmeticException(where + ": training accuracy is " + s.trainAccuracy());
        }
        return s;
    }

    /**
     * Returns {@code ev} when it covers at least one sample and its loss and accuracy are finite. A NaN loss here
     * means the weights make non-finite logits (e.g. they diverged on the last training step).
     */
    public static Evaluation require(Evaluation ev, String where) {
        if (ev.samples() <= 0) {
            throw new ArithmeticException(where + ": evaluated on 0 samples (the test split is empty)");
        }
        if (!Double.isFinite(ev.loss())) {
            throw new ArithmeticException(where + ": loss is " + ev.loss() + " (the weights give non-finite outputs); "
                    + CURE);
        }
        // NaN accuracy is a regression evaluation (a classification one over >= 1 sample is a finite fraction).
        if (Double.isInfinite(ev.accuracy())) throw new ArithmeticException(where + ": accuracy is " + ev.accuracy());
        return ev;
    }

    /** Throws when a parameter of {@code net} holds a NaN or infinity, naming the parameter and the element. */
    public static void requireWeights(Sequential net, String where) {
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            float[] v = e.getValue().value.data;
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new ArithmeticException(where + ": parameter '" + e.getKey() + "' element " + i + " is "
                            + v[i] + "; " + CURE);
                }
            }
        }
    }
}
