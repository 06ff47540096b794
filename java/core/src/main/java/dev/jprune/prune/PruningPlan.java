package dev.jprune.prune;

/**
 * A whole pruning run: dense training, the schedule, fine-tuning, optional lottery-ticket rewinding. Build one with
 * {@link #builder(PruneSpec)}; the constructor stays for code that lists every component.
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
    /** Lottery-ticket rewinding after the schedule: none, to the initial weights, or to a dense-training step. */
    public enum Rewind {
        /** No rewinding. */
        NONE,
        /** To the initial weights. */
        INIT,
        /** To the weights after dense-training step rewindStep. */
        STEP
    }

    /** Default epochs of dense training (the CLI's --epochs). */
    public static final int DEFAULT_DENSE_EPOCHS = 10;
    /** Default epochs of fine-tuning (the CLI's --fine-tune-epochs). */
    public static final int DEFAULT_FINE_TUNE_EPOCHS = 4;

    /**
     * A builder with the CLI's defaults for {@code spec}: a gradual schedule over the first 75% of fine-tuning with 20
     * prunes ({@link Schedule#gradual}), 10 dense epochs, 4 fine-tuning epochs at the training rate, no rewinding.
     */
    public static Builder builder(PruneSpec spec) { return new Builder(spec); }

    /** {@link #builder(PruneSpec)} with {@link PruneSpec#builder()}'s default spec. */
    public static Builder builder() { return new Builder(PruneSpec.builder().build()); }

    /** A builder holding this plan's values. */
    public Builder toBuilder() {
        Builder b = new Builder(spec).schedule(schedule).denseEpochs(denseEpochs).fineTuneEpochs(fineTuneEpochs)
                .fineTuneLr(fineTuneLr);
        b.rewind = rewind;
        b.rewindStep = rewindStep;
        return b;
    }

    /** Builds a {@link PruningPlan} (see {@link #builder(PruneSpec)} for the defaults); {@link #build} validates. */
    public static final class Builder {
        private PruneSpec spec;
        private Schedule schedule = Schedule.gradual(0.75, 20);
        private int denseEpochs = DEFAULT_DENSE_EPOCHS, fineTuneEpochs = DEFAULT_FINE_TUNE_EPOCHS;
        private float fineTuneLr;
        private Rewind rewind = Rewind.NONE;
        private long rewindStep;

        private Builder(PruneSpec spec) { this.spec = spec; }

        /** What to prune and how. */
        public Builder spec(PruneSpec s) { this.spec = s; return this; }
        /** When to prune: {@link Schedule#oneShot}, {@link Schedule#iterative}, {@link Schedule#gradual} (default). */
        public Builder schedule(Schedule s) { this.schedule = s; return this; }
        /** Epochs of dense training first (default 10; must equal the run's TrainConfig.epochs). */
        public Builder denseEpochs(int epochs) { this.denseEpochs = epochs; return this; }
        /** Epochs of masked fine-tuning (default 4). */
        public Builder fineTuneEpochs(int epochs) { this.fineTuneEpochs = epochs; return this; }
        /** Learning rate of fine-tuning; 0 (default) keeps the training rate. */
        public Builder fineTuneLr(float lr) { this.fineTuneLr = lr; return this; }
        /** Lottery-ticket rewinding to the initial weights after the schedule, then retraining. */
        public Builder rewindToInit() { this.rewind = Rewind.INIT; this.rewindStep = 0; return this; }
        /** Lottery-ticket rewinding to the weights after dense-training step {@code step}, then retraining. */
        public Builder rewindToStep(long step) { this.rewind = Rewind.STEP; this.rewindStep = step; return this; }
        /** No rewinding (the default). */
        public Builder noRewind() { this.rewind = Rewind.NONE; this.rewindStep = 0; return this; }

        /**
         * The plan.
         *
         * @throws IllegalArgumentException for a missing spec or schedule, negative epochs, a negative rewind step or a
         *     non-finite fine-tuning rate
         */
        public PruningPlan build() {
            return new PruningPlan(spec, schedule, denseEpochs, fineTuneEpochs, fineTuneLr, rewind, rewindStep);
        }
    }

    /**
     * @throws IllegalArgumentException for a missing spec, schedule or rewind, negative epochs or rewind step, or a
     *     non-finite fine-tuning rate
     */
    public PruningPlan {
        if (spec == null || schedule == null || rewind == null) throw new IllegalArgumentException(
                "spec, schedule and rewind are required");
        if (denseEpochs < 0 || fineTuneEpochs < 0) throw new IllegalArgumentException("epochs must be >= 0");
        if (rewind == Rewind.STEP && rewindStep < 0) throw new IllegalArgumentException("rewind step must be >= 0");
        if (!Float.isFinite(fineTuneLr)) throw new IllegalArgumentException("fine-tune learning rate must be finite");
    }
}
