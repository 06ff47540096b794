package dev.jprune.train;

/** Progress callbacks; the library never prints, the CLI's reporter implements this. */
public interface TrainListener {
    /**
     * After each optimizer step. {@code gradNorm} is the pre-clip global L2 norm; {@code accuracy} the running
     * training accuracy of the epoch so far. Either (and the loss) may be NaN where a backend reports them per epoch.
     */
    default void onStep(int epoch, int step, int stepsPerEpoch, double loss, double gradNorm, double accuracy) {}

    /** After each epoch, with its statistics. */
    default void onEpoch(EpochStats stats) {}

    /** A phase stopped before its last epoch by a {@link StopRule}, after {@code epochs} epochs, for {@code reason}. */
    default void onEarlyStop(int epochs, String reason) {}

    /** A listener that ignores every event. */
    TrainListener NONE = new TrainListener() {};
}
