package dev.jprune.prune;

import dev.jprune.train.TrainListener;

/** Progress of a pruning run: training callbacks plus phases and prune events. */
public interface PruneListener extends TrainListener {
    /** A new phase begins ("dense", "fine-tune", "rewind"). */
    default void onPhase(String phase, int epochs) {}

    /** A prune happened at fine-tuning step {@code step} (−1 outside training). */
    default void onPrune(long step, double targetSparsity, double achievedSparsity) {}

    /** The same event with the number of batches the prune's gradient scores accumulated (0 for MAGNITUDE); by
     *  default it calls {@link #onPrune(long, double, double)}. */
    default void onPrune(long step, double targetSparsity, double achievedSparsity, long scoreBatches) {
        onPrune(step, targetSparsity, achievedSparsity);
    }

    /** A listener that ignores every event. */
    PruneListener NONE = new PruneListener() {};
}
