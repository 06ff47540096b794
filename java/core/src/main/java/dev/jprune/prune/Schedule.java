package dev.jprune.prune;

/** When pruning happens relative to training. */
public sealed interface Schedule {
    /** Prune once to the target, then fine-tune. */
    record OneShot() implements Schedule {}

    /** {@code rounds} of prune → fine-tune; round r keeps (1 − s_f)^(r/rounds) (a geometric schedule). */
    record Iterative(int rounds) implements Schedule {
        /**
         * @throws IllegalArgumentException for fewer than 1 round
         */
        public Iterative {
            if (rounds < 1) throw new IllegalArgumentException("iterative pruning needs at least 1 round, got "
                    + rounds);
        }
        /** Sparsity after round {@code r} (1-based) of a run to {@code target}: 1 − (1 − target)^(r/rounds). */
        public double sparsityAfterRound(int r, double target) {
            return 1 - Math.pow(1 - target, r / (double) rounds);
        }
    }

    /**
     * Zhu &amp; Gupta (2017): s_t = s_f + (s_i − s_f)·(1 − (t − t0)/(n·Δt))³ for t in {t0, t0 + Δt, …, t0 + n·Δt};
     * pruning is applied at those steps (t counts optimizer steps of fine-tuning from 0).
     */
    record Gradual(long t0, int n, long dt, double initialSparsity) implements Schedule {
        /**
         * @throws IllegalArgumentException for t0 &lt; 0, n &lt; 1, dt &lt; 1 or an initial sparsity outside [0, 1)
         */
        public Gradual {
            if (t0 < 0 || n < 1 || dt < 1) throw new IllegalArgumentException(
                    "gradual schedule needs t0 >= 0, n >= 1, dt >= 1; got t0=" + t0 + " n=" + n + " dt=" + dt);
            if (!(initialSparsity >= 0 && initialSparsity < 1)) throw new IllegalArgumentException(
                    "initial sparsity must be in [0, 1), got " + initialSparsity);
        }

        /** Whether step t is a pruning step. */
        public boolean isPruningStep(long t) {
            return t >= t0 && (t - t0) % dt == 0 && (t - t0) / dt <= n;
        }

        /** The formula, clamped: s_i before t0, s_f after t0 + nΔt. */
        public double sparsityAt(long t, double finalSparsity) {
            if (t < t0) return initialSparsity;
            double frac = Math.min(1.0, (t - t0) / (double) (n * dt));
            double r = 1 - frac;
            return finalSparsity + (initialSparsity - finalSparsity) * r * r * r;
        }

        /** The last pruning step, t0 + n·dt. */
        public long lastPruningStep() { return t0 + n * dt; }
    }

    /**
     * A {@link Gradual} schedule stated relative to fine-tuning, for when the step count is not known yet: it reaches
     * the target after {@code fraction} of the fine-tuning steps, pruning about {@code events} times.
     * {@link PruningRun} resolves it with {@link #over} once it knows the data set and batch size (the CLI's --schedule
     * gradual).
     *
     * @param fraction part of fine-tuning over which the target is reached, in (0, 1]
     * @param events   number of pruning steps, at least 1
     */
    record RelativeGradual(double fraction, int events) implements Schedule {
        /** @throws IllegalArgumentException for a fraction outside (0, 1] or fewer than 1 event */
        public RelativeGradual {
            if (!(fraction > 0 && fraction <= 1)) throw new IllegalArgumentException(
                    "gradual fraction must be in (0, 1], got " + fraction);
            if (events < 1) throw new IllegalArgumentException("gradual events must be >= 1, got " + events);
        }

        /** The schedule for {@code fineTuneSteps} optimizer steps of fine-tuning ({@link Schedule#gradualOver}). */
        public Gradual over(long fineTuneSteps) {
            return gradualOver(Math.max(1, fineTuneSteps), fraction, events);
        }
    }

    /** One prune to the target, then fine-tuning. */
    static Schedule oneShot() { return new OneShot(); }

    /** {@code rounds} rounds of prune, then fine-tune (see {@link Iterative}). */
    static Schedule iterative(int rounds) { return new Iterative(rounds); }

    /** A gradual schedule over the first {@code fraction} of fine-tuning with about {@code events} prunes. */
    static Schedule gradual(double fraction, int events) { return new RelativeGradual(fraction, events); }

    /**
     * A gradual schedule that reaches the target after {@code fraction} of {@code totalSteps}, pruning ~{@code events}
     * times.
     *
     * @throws IllegalArgumentException when totalSteps &lt; 0, fraction is not in (0, 1] or events &lt; 1
     */
    static Gradual gradualOver(long totalSteps, double fraction, int events) {
        if (totalSteps < 0) throw new IllegalArgumentException("gradual steps must be >= 0, got " + totalSteps);
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("gradual fraction must be in (0, 1], got " + fraction);
        }
        if (events < 1) throw new IllegalArgumentException("gradual events must be >= 1, got " + events);
        long span = Math.max(1, (long) (totalSteps * fraction));
        int n = (int) Math.max(1, Math.min(events, span));
        long dt = Math.max(1, span / n);
        return new Gradual(0, n, dt, 0.0);
    }
}
