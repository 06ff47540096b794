package dev.jprune.cli;

import dev.jprune.prune.PruneListener;
import dev.jprune.train.EpochStats;
import java.io.PrintStream;
import java.util.Locale;

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

    public Reporter(PrintStream out, PrintStream err, boolean live, boolean quiet) {
        this.out = out;
        this.err = err;
        this.live = live;
        this.quiet = quiet;
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
        if (step == 0) { epochStart = System.nanoTime(); lossEma = loss; }
        lossEma = 0.9 * lossEma + 0.1 * loss; // NaN when the backend reports losses only per epoch (GPU)
        if (!live || quiet) return;
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && step + 1 < steps) return;
        lastDraw = now;
        double secs = (now - epochStart) / 1e9;
        double rate = (step + 1) * (double) batchSize / Math.max(secs, 1e-9);
        double eta = secs / (step + 1) * (steps - step - 1);
        int width = 24, filled = (int) ((step + 1) * (long) width / steps);
        err.printf(Locale.ROOT, "\r\033[K%sepoch %d [%s%s] %d/%d%s%s %.0f samples/s ETA %.0fs",
                phase.isEmpty() ? "" : phase + " ", epoch + 1, "#".repeat(filled), ".".repeat(width - filled), step + 1, steps,
                Double.isNaN(lossEma) ? "" : String.format(Locale.ROOT, " loss %.4f", lossEma)
                        + (Double.isNaN(accuracy) ? "" : String.format(Locale.ROOT, " acc %.1f%%", 100 * accuracy)),
                Double.isNaN(gradNorm) ? "" : String.format(Locale.ROOT, " |g| %.3f", gradNorm), rate, eta);
        err.flush();
    }

    @Override
    public void onEpoch(EpochStats s) {
        epochInPhase++;
        clearBar();
        if (quiet || !epochLines) return;
        notice(String.format(Locale.ROOT, "epoch %d (%d/%d %s): loss %.4f  train acc %.2f%%  %.0f samples/s  %.1fs",
                s.epoch() + 1, epochInPhase, epochsInPhase, phase, s.trainLoss(), 100 * s.trainAccuracy(), s.samplesPerSecond(), s.seconds()));
    }

    @Override
    public void onPrune(long step, double target, double achieved) {
        if (quiet) return;
        String msg = String.format(Locale.ROOT, "prune%s: sparsity %.4f (target %.4f)", step >= 0 ? " at step " + step : "", achieved, target);
        clearBar();
        err.println(msg);
    }
}
