package dev.jprune.prune;

/** When pruning happens relative to training. */
public sealed interface Schedule {
    /** Prune once to the target, then fine-tune. */
    record OneShot() implements Schedule {}

    /** {@code rounds} of prune → fine-tune; round r keeps (1 − s_f)^(r/rounds) (a geometric schedule). */
    record Iterative(int rounds) implements Schedule {
        public Iterative {
            if (rounds < 1) throw new IllegalArgumentException("iterative pruning needs at least 1 round, got " + rounds);
        }
        public double sparsityAfterRound(int r, double target) {
            return 1 - Math.pow(1 - target, r / (double) rounds);
        }
    }

    /**
     * Zhu &amp; Gupta (2017): s_t = s_f + (s_i − s_f)·(1 − (t − t0)/(n·Δt))³ for t in {t0, t0 + Δt, …, t0 + n·Δt};
     * pruning is applied at those steps (t counts optimizer steps of fine-tuning from 0).
     */
    record Gradual(long t0, int n, long dt, double initialSparsity) implements Schedule {
        public Gradual {
            if (t0 < 0 || n < 1 || dt < 1) throw new IllegalArgumentException("gradual schedule needs t0 >= 0, n >= 1, dt >= 1; got t0=" + t0 + " n=" + n + " dt=" + dt);
            if (!(initialSparsity >= 0 && initialSparsity < 1)) throw new IllegalArgumentException("initial sparsity must be in [0, 1), got " + initialSparsity);
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

        public long lastPruningStep() { return t0 + n * dt; }
    }

    /** A gradual schedule that reaches the target after {@code fraction} of {@code totalSteps}, pruning ~{@code events} times. */
    static Gradual gradualOver(long totalSteps, double fraction, int events) {
        long span = Math.max(1, (long) (totalSteps * fraction));
        int n = (int) Math.max(1, Math.min(events, span));
        long dt = Math.max(1, span / n);
        return new Gradual(0, n, dt, 0.0);
    }
}
