package dev.jprune;

import java.util.List;
import java.util.Map;

/**
 * What a {@link Pruning} run did: accuracies before and after, the sparsity reached, every pruned layer's density,
 * every prune, the masks, where it ran and how long it took. Immutable (the masks are copies).
 *
 * @param denseAccuracy  test accuracy of the dense model in [0, 1] after dense training (NaN when there was none:
 *                       SNIP prunes at initialisation, and {@link Pruning#pruneOnce} does not evaluate)
 * @param prunedAccuracy test accuracy of the pruned, fine-tuned model in [0, 1] (NaN for {@link Pruning#pruneOnce})
 * @param sparsity       fraction of the candidate weights removed, in [0, 1]
 * @param layers         the pruned weight tensors in model order
 * @param prunes         every prune event in order
 * @param masks          keep masks (1 keep, 0 pruned) by parameter name ("0.weight", ...), for every masked parameter
 * @param device         what it ran on: "cpu" or the GPU's name
 * @param deviceReason   why that device (see {@link Backends#choose})
 * @param seconds        wall-clock time of the whole run
 */
public record PruningReport(double denseAccuracy, double prunedAccuracy, double sparsity, List<Layer> layers,
                            List<PruneEvent> prunes, Map<String, byte[]> masks, String device, String deviceReason,
                            double seconds) {
    /** Copies the lists and the map (not the mask arrays: {@link Pruning} hands over fresh copies). */
    public PruningReport {
        layers = List.copyOf(layers);
        prunes = List.copyOf(prunes);
        masks = Map.copyOf(masks);
    }

    /**
     * One pruned weight tensor.
     *
     * @param name       PyTorch state_dict name, e.g. "0.weight"
     * @param shape      the weight's shape, e.g. [300, 784]
     * @param parameters elements of the weight
     * @param kept       elements kept (mask 1)
     */
    public record Layer(String name, int[] shape, long parameters, long kept) {
        /** kept / parameters (1 for an empty tensor). */
        public double density() { return parameters == 0 ? 1 : kept / (double) parameters; }
    }

    /**
     * One prune.
     *
     * @param step             fine-tuning step of a gradual schedule, −1 outside training
     * @param targetSparsity   the sparsity the schedule asked for
     * @param achievedSparsity the sparsity reached (density bounds may move it)
     * @param scoreBatches     batches the gradient scores were accumulated over (0 for MAGNITUDE)
     */
    public record PruneEvent(long step, double targetSparsity, double achievedSparsity, long scoreBatches) {}
}
