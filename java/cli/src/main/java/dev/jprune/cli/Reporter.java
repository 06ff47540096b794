package dev.jprune.cli;

import dev.jprune.prune.PruneListener;
import dev.jprune.train.EpochStats;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The only place jprune prints. Results go to {@code out}; progress and notices to {@code err}. On a terminal the
 * progress bar redraws in place (epoch, step, loss, rate, ETA); otherwise one line per epoch, so logs stay short.
 */
public final class Reporter implements PruneListener {
    private final PrintStream out, err;
    private final boolean live;
    private final boolean quiet;
    private long epochStart, lastDraw;
    private double lossEma = Double.NaN;
    private String phase = "";
    private int batchSize = 1;
    private int epochsInPhase, epochInPhase;
    private boolean epochLines = true;
    /** No rate or ETA is shown before this much of the epoch has been timed (a rate over microseconds is noise). */
    static final double MIN_RATE_SECONDS = 0.05;

    private final LongSupplier clock;

    public Reporter(PrintStream out, PrintStream err, boolean live, boolean quiet) {
        this(out, err, live, quiet, System::nanoTime);
    }

    /** With {@code clock} (nanoseconds) in place of System.nanoTime, for tests of the progress bar. */
    Reporter(PrintStream out, PrintStream err, boolean live, boolean quiet, LongSupplier clock) {
        this.out = out;
        this.err = err;
        this.live = live;
        this.quiet = quiet;
        this.clock = clock;
    }

    public static Reporter system(boolean quiet) {
        return new Reporter(System.out, System.err, System.console() != null, quiet);
    }

    public void setBatchSize(int b) { this.batchSize = b; }

    /** Whether {@link #onEpoch} prints a line (off when the command prints its own per-epoch line). */
    public void setEpochLines(boolean on) { this.epochLines = on; }

    public void line(String s) { out.println(s); out.flush(); }

    public void linef(String fmt, Object... args) { line(String.format(Locale.ROOT, fmt, args)); }

    public void notice(String s) { clearBar(); err.println(s); err.flush(); }

    public void error(String s) { clearBar(); err.println("error: " + s); err.flush(); }

    private void clearBar() {
        if (live && lastDraw != 0) { err.print("\r\033[K"); lastDraw = 0; }
    }

    @Override
    public void onPhase(String phase, int epochs) {
        this.phase = phase;
        this.epochsInPhase = epochs;
        this.epochInPhase = 0;
        if (!quiet) notice("== " + phase + " (" + epochs + " epoch" + (epochs == 1 ? "" : "s") + ")");
    }

    @Override
    public void onStep(int epoch, int step, int steps, double loss, double gradNorm, double accuracy) {
        // The clock starts when step 0 has finished: the rate counts the steps after it, over the time they took. (It
        // used to count step 0's samples over the microseconds since its own end: "55773420 samples/s".)
        if (step == 0) { epochStart = clock.getAsLong(); lossEma = loss; }
        lossEma = 0.9 * lossEma + 0.1 * loss; // NaN when the backend reports losses only per epoch (GPU)
        if (!live || quiet) return;
        long now = clock.getAsLong();
        if (lastDraw != 0 && now - lastDraw < 100_000_000L && step + 1 < steps) return;
        lastDraw = now;
        double secs = (now - epochStart) / 1e9;
        String speed = "";
        if (step > 0 && secs >= MIN_RATE_SECONDS) {
            double rate = step * (double) batchSize / secs;
            double eta = secs / step * (steps - step - 1);
            speed = String.format(Locale.ROOT, " %.0f samples/s ETA %.0fs", rate, eta);
        }
        int width = 24, filled = (int) ((step + 1) * (long) width / steps);
        err.printf(Locale.ROOT, "\r\033[K%sepoch %d [%s%s] %d/%d%s%s%s",
                phase.isEmpty() ? "" : phase + " ", epoch + 1, "#".repeat(filled), ".".repeat(width - filled),
                step + 1, steps,
                Double.isNaN(lossEma) ? "" : String.format(Locale.ROOT, " loss %.4f", lossEma)
                        + (Double.isNaN(accuracy) ? "" : String.format(Locale.ROOT, " acc %.1f%%", 100 * accuracy)),
                Double.isNaN(gradNorm) ? "" : String.format(Locale.ROOT, " |g| %.3f", gradNorm), speed);
        err.flush();
    }

    @Override
    public void onEpoch(EpochStats s) {
        epochInPhase++;
        clearBar();
        if (quiet || !epochLines) return;
        String acc = Double.isNaN(s.trainAccuracy()) ? "" : String.format(Locale.ROOT, "  train acc %.2f%%",
                100 * s.trainAccuracy());
        notice(String.format(Locale.ROOT, "epoch %d (%d/%d %s): loss %.4f%s  %.0f samples/s  %.1fs",
                s.epoch() + 1, epochInPhase, epochsInPhase, phase, s.trainLoss(), acc, s.samplesPerSecond(),
                        s.seconds()));
    }

    @Override
    public void onEarlyStop(int epochs, String reason) {
        if (!quiet) notice("stopped " + phase + " after " + epochs + " epoch" + (epochs == 1 ? "" : "s") + ": "
                + reason);
    }

    @Override
    public void onPrune(long step, double target, double achieved) {
        if (quiet) return;
        String goal = Double.isNaN(target) ? "threshold" : String.format(Locale.ROOT, "target %.4f", target);
        String msg = String.format(Locale.ROOT, "prune%s: sparsity %.4f (%s)", step >= 0 ? " at step " + step : "",
                achieved, goal);
        clearBar();
        err.println(msg);
    }
}
