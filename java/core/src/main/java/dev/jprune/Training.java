package dev.jprune;

import dev.jprune.data.Split;
import dev.jprune.models.ModelSpec;
import dev.jprune.train.Backend;
import dev.jprune.train.EpochStats;
import dev.jprune.train.Evaluation;
import dev.jprune.train.NonFinite;
import dev.jprune.train.TrainConfig;
import dev.jprune.train.TrainListener;
import dev.jprune.util.Parallel;
import java.util.ArrayList;
import java.util.List;

/**
 * Dense training in one call, on the device {@link Backends#choose} picks ({@link Device#AUTO} by default: the GPU when
 * usable, else the CPU): {@code Training.of(model).epochs(5).run(split)} trains on {@code split.train()}, evaluates on
 * {@code split.test()} and leaves the trained weights in the model. Settings start at the command line's defaults
 * ({@link TrainConfig#builder(ModelSpec)}). Classification models only (regression trains with
 * {@link dev.jprune.train.Trainer}).
 */
public final class Training {
    private final ModelSpec model;
    private TrainConfig.Builder train;
    private Device device = Device.AUTO;
    private int threads;
    private TrainListener listener = TrainListener.NONE;

    /**
     * What a training run did.
     *
     * @param epochs       statistics of every epoch, in order
     * @param test         accuracy and loss on the test split after the last epoch
     * @param device       what it ran on: "cpu" or the GPU's name
     * @param deviceReason why that device ({@link Backends#choose})
     */
    public record Report(List<EpochStats> epochs, Evaluation test, String device, String deviceReason) {
        /** Copies the list. */
        public Report {
            epochs = List.copyOf(epochs);
        }
    }

    private Training(ModelSpec model) {
        if (model == null) throw new IllegalArgumentException("Training.of: null model");
        this.model = model;
        this.train = TrainConfig.builder(model);
    }

    /** A runner for {@code model} (its weights are modified by {@link #run}) with the CLI's defaults. */
    public static Training of(ModelSpec model) { return new Training(model); }

    /** Epochs to train (default 10). */
    public Training epochs(int e) { train.epochs(e); return this; }
    /** Replaces every training setting with {@code cfg}'s. */
    public Training config(TrainConfig cfg) { train = cfg.toBuilder(); return this; }
    /** Where to train (default AUTO). */
    public Training device(Device d) { this.device = d; return this; }
    /** CPU threads, in a {@link Parallel.Context} of the run's own (default 0: the current context). */
    public Training threads(int n) {
        if (n < 0) throw new IllegalArgumentException("threads must be >= 0 (0: the current context), got " + n);
        this.threads = n;
        return this;
    }
    /** Progress callbacks (default none). */
    public Training listener(TrainListener l) { this.listener = l == null ? TrainListener.NONE : l; return this; }

    /**
     * Trains, then evaluates. Modifies the model's weights (and respects its masks: pruned weights stay 0).
     *
     * @throws IllegalArgumentException for invalid settings, data that does not fit the model (shape, classes), an
     *     empty split, or a GPU requested that cannot run it (all before any training)
     * @throws ArithmeticException when training diverges: a loss, the test evaluation or a weight is not finite
     */
    public Report run(Split data) {
        if (data == null) throw new IllegalArgumentException("Training.run: null data");
        model.requireData(data.train());
        requireNonEmpty("Training.run", data);
        TrainConfig cfg = train.build();
        Backends.Choice choice = Backends.choose(device, model);
        if (threads == 0) return train(choice, cfg, data);
        try (Parallel.Context ctx = Parallel.Context.ofThreads(threads)) {
            Report[] out = new Report[1];
            ctx.run(() -> out[0] = train(choice, cfg, data));
            return out[0];
        }
    }

    /** Refuses an empty training or test split before any work (else a run would report NaN figures). */
    static void requireNonEmpty(String where, Split data) {
        if (data.train().size() == 0) throw new IllegalArgumentException(where + ": the training split "
                + data.train().name() + " is empty");
        if (data.test().size() == 0) throw new IllegalArgumentException(where + ": the test split "
                + data.test().name() + " is empty");
    }

    private Report train(Backends.Choice choice, TrainConfig cfg, Split data) {
        List<EpochStats> stats = new ArrayList<>();
        try (Backend b = Backends.open(choice, model, cfg)) {
            for (int e = 0; e < cfg.epochs(); e++) {
                stats.add(NonFinite.require(b.trainEpoch(data.train(), e, listener), "epoch " + (e + 1)));
            }
            Evaluation ev = NonFinite.require(b.evaluate(data.test()), "trained model on " + data.test().name());
            b.syncToHost();
            NonFinite.requireWeights(model.net(), "trained model");
            return new Report(stats, ev, b.describe(), choice.reason());
        }
    }
}
