package dev.jprune.prune;

/**
 * A whole pruning run: dense training, the schedule, fine-tuning, optional lottery-ticket rewinding.
 *
 * @param denseEpochs     epochs of dense training before pruning (SNIP prunes at initialisation instead and
 *                        then trains this many epochs with the mask)
 * @param fineTuneEpochs  epochs of masked training after (one-shot), across (iterative, split over rounds) or
 *                        during (gradual) pruning
 * @param fineTuneLr      learning rate for fine-tuning (≤ 0: keep the training rate)
 * @param rewind          lottery-ticket rewinding after the schedule: NONE, INIT, or STEP (to the weights at
 *                        dense-training step {@code rewindStep}); then the surviving weights retrain fineTuneEpochs
 */
public record PruningPlan(PruneSpec spec, Schedule schedule, int denseEpochs, int fineTuneEpochs, float fineTuneLr,
                          Rewind rewind, long rewindStep) {
    public enum Rewind { NONE, INIT, STEP }

    public PruningPlan {
        if (spec == null || schedule == null || rewind == null) throw new IllegalArgumentException("spec, schedule and rewind are required");
        if (denseEpochs < 0 || fineTuneEpochs < 0) throw new IllegalArgumentException("epochs must be >= 0");
        if (rewind == Rewind.STEP && rewindStep < 0) throw new IllegalArgumentException("rewind step must be >= 0");
        if (!Float.isFinite(fineTuneLr)) throw new IllegalArgumentException("fine-tune learning rate must be finite");
    }
}
