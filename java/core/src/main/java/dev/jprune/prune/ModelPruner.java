package dev.jprune.prune;

import dev.jprune.nn.Layer;
import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Applies a {@link PruneSpec} to a model: finds the candidate weight tensors, turns scores into masks with the
 * exact selection of {@link GlobalSelector} / {@link NmSparsity} / {@link Structured}, sets
 * {@link Parameter#mask} and zeroes pruned weights. Pruning again (iterative, gradual) selects on scores that
 * respect the current masks, so already-pruned weights go first and masks only ever shrink.
 * Callers must then call {@code Optimizer.enforceMasks()} so optimizer state is zeroed at pruned positions.
 */
public final class ModelPruner {
    /**
     * A prunable tensor: layer index in the Sequential, PyTorch name, the parameter pruned ({@code weight}: a layer's
     * weight, or with {@link PruneSpec#pruneBiases} a layer's bias, then named "N.bias" with {@code bias} null), the
     * layer's bias when the weight is the target, and the [rows, rowLength] view ([size, 1] for a bias).
     */
    public record Target(int layerIndex, String name, Parameter weight, Parameter bias, int rows, int rowLength) {
        /** Whether this target is a bias (only with {@link PruneSpec#pruneBiases}). */
        public boolean isBias() { return weight.kind == Parameter.Kind.BIAS; }
    }

    /** What one prune did: the sparsity asked, kept weights per target, and (structured) kept rows. */
    public record Result(double requestedSparsity, long[] keptPerTarget, long candidates, int[][] keptRows) {
        /** Kept weights over all targets. */
        public long kept() { return Arrays.stream(keptPerTarget).sum(); }
        /** Fraction of the candidates pruned. */
        public double achievedSparsity() { return candidates == 0 ? 0 : 1 - kept() / (double) candidates; }
    }

    private final Sequential net;
    private final PruneSpec spec;
    private final List<Target> targets;
    private final PruneTargets dispatch;

    /**
     * A pruner of {@code net}'s Linear and Conv2d weights that {@code spec} selects.
     *
     * @throws IllegalArgumentException when nothing is left to prune, an excluded layer does not exist, or N:M rows
     *     are shorter than M
     */
    public ModelPruner(Sequential net, PruneSpec spec) {
        this.net = net;
        this.spec = spec;
        this.targets = findTargets(net, spec);
        if (targets.isEmpty()) throw new IllegalArgumentException(nothingToPrune(net, spec));
        this.dispatch = new PruneTargets(spec,
                targets.stream().map(t -> new PruneTargets.Target(t.name(), t.rows(), t.rowLength())).toList());
    }

    private static String nothingToPrune(Sequential net, PruneSpec spec) {
        long weighted = net.layers().stream().filter(l -> l.parameters().stream().anyMatch(p ->
                p.kind == Parameter.Kind.WEIGHT)).count();
        if (spec.granularity() == Granularity.STRUCTURED && weighted == 1 && spec.excludedLayers().isEmpty()) {
            return "nothing to prune: neuron/filter pruning never removes the last weight layer's rows (they are the"
                    + " model's outputs), and " + net.describe() + " has only that layer; prune its weights"
                    + " (--granularity weights)";
        }
        return "nothing to prune: no Linear/Conv2d weight left after exclusions in " + net.describe()
                + (spec.granularity() == Granularity.STRUCTURED
                        ? " (neuron/filter pruning always keeps the last weight layer)" : "");
    }

    static List<Target> findTargets(Sequential net, PruneSpec spec) {
        List<Target> all = new ArrayList<>();
        for (int i = 0; i < net.layers().size(); i++) {
            Layer l = net.layer(i);
            Parameter w = null, b = null;
            for (Parameter p : l.parameters()) {
                if (p.kind == Parameter.Kind.WEIGHT) w = p; else b = p;
            }
            if (w == null) continue;
            int rows = w.value.dim(0);
            all.add(new Target(i, i + "." + w.localName, w, b, rows, w.size() / rows));
        }
        for (int i : spec.excludedLayers()) {
            if (i < 0 || i >= net.layers().size()) throw new IllegalArgumentException("excluded layer " + i
                    + " does not exist (model has " + net.layers().size() + " layers)");
        }
        List<Target> out = new ArrayList<>();
        for (int k = 0; k < all.size(); k++) {
            Target t = all.get(k);
            if (spec.excludedLayers().contains(t.layerIndex())) continue;
            // Structured pruning removes a layer's output units; the last layer's are the model's outputs (the
            // classes), so it is never a structured target, whatever excludeLast says.
            if ((spec.excludeLast() || spec.granularity() == Granularity.STRUCTURED) && k == all.size() - 1) continue;
            out.add(t);
            if (spec.pruneBiases() && t.bias() != null) {
                Parameter b = t.bias();
                out.add(new Target(t.layerIndex(), t.layerIndex() + "." + b.localName, b, null, b.size(), 1));
            }
        }
        return List.copyOf(out); // N:M row lengths are checked by PruneTargets
    }

    /** The tensors it prunes (weights, and biases with {@link PruneSpec#pruneBiases}), in model order. */
    public List<Target> targets() { return targets; }
    /** The spec. */
    public PruneSpec spec() { return spec; }

    /** The targets' PyTorch names ("0.weight", ...), in target order. */
    public String[] names() { return targets.stream().map(Target::name).toArray(String[]::new); }
    /** The targets' element counts, in target order. */
    public int[] sizes() { return targets.stream().mapToInt(t -> t.weight().size()).toArray(); }
    /** The targets' value arrays (the live arrays, not copies), in target order. */
    public float[][] weights() { return targets.stream().map(t -> t.weight().value.data).toArray(float[][]::new); }
    /** The targets' gradient arrays (the live arrays, not copies), in target order. */
    public float[][] grads() { return targets.stream().map(t -> t.weight().grad.data).toArray(float[][]::new); }
    /** The targets' current masks (null where dense; the live arrays), in target order. */
    public byte[][] masks() { return targets.stream().map(t -> t.weight().mask).toArray(byte[][]::new); }

    /** Number of weights the prunes select among (all targets' elements). */
    public long candidateCount() {
        long n = 0;
        for (Target t : targets) n += t.weight().size();
        return n;
    }

    /** The targets as the dispatch sees them (names and [rows, rowLength] views), with the spec. */
    public PruneTargets dispatch() { return dispatch; }

    /** Whether prunes are capped global selections (see {@link PruneTargets#capped}). */
    public boolean capped() { return dispatch.capped(); }

    /** {@code d} for every target. */
    public double[] densities(double d) { return dispatch.densities(d); }

    /** The kept count of a global unstructured prune to {@code sparsity} (see {@link PruneTargets#keepFor}). */
    public long keepFor(double sparsity) { return dispatch.keepFor(sparsity); }

    /** Throws IllegalArgumentException when the density bounds cannot reach {@code sparsity} (the schedule's target),
     *  naming the sparsities they allow. Nothing is changed. */
    public void checkTarget(double sparsity) { dispatch.checkTarget(sparsity); }

    /** A fresh score accumulator over the targets, following the spec's accumulation mode. */
    public ScoreAccumulator newAccumulator() {
        if (spec.criterion() == Criterion.HYBRID) return newHybridAccumulator();
        return new ScoreAccumulator(spec.criterion(), spec.accumulate(), spec.emaMomentum(), sizes(), names());
    }

    /** A fresh score accumulator over the targets for a HYBRID spec: one part per gradient term. */
    private ScoreAccumulator newHybridAccumulator() {
        return new ScoreAccumulator(spec.mix(), spec.accumulate(), spec.emaMomentum(), sizes(), names());
    }

    /**
     * Scores for the next prune: MAGNITUDE reads the live weights; RANDOM draws {@link RandomScores} from the spec's
     * seed; HYBRID combines its terms ({@link HybridScores}: the live weights and {@code acc}'s parts); gradient
     * criteria read {@code acc}'s accumulated buffers (which must have seen at least one batch) — in threshold mode
     * with SUM accumulation as the mean per batch (each sum divided by the batch count as a float).
     */
    public ScoreSource scores(ScoreAccumulator acc) {
        Criterion c = spec.criterion();
        if (c == Criterion.RANDOM) return new RandomScores(spec.randomSeed(), sizes(), names());
        if (c == Criterion.HYBRID) return HybridScores.combine(spec.mix(), acc, weights(), masks(), names());
        if (!spec.needsGradients()) return new CriterionScoreSource(Criterion.MAGNITUDE, weights(), null, names());
        if (acc == null || acc.batches() == 0) throw new IllegalStateException("criterion " + spec.criterion()
                + " needs accumulated gradient scores; none were accumulated");
        ScoreSource sums = acc.source();
        if (!spec.thresholdMode() || acc.mode() != ScoreAccumulator.Mode.SUM) return sums;
        float batches = acc.batches();
        return new ScoreSource() {
            @Override public int tensorCount() { return sums.tensorCount(); }
            @Override public int size(int t) { return sums.size(t); }
            @Override public float score(int t, int i) { return sums.score(t, i) / batches; }
            @Override public void scores(int t, int from, int to, float[] out) {
                sums.scores(t, from, to, out);
                for (int j = 0; j < to - from; j++) out[j] = out[j] / batches;
            }
            @Override public String name(int t) { return sums.name(t); }
        };
    }

    /**
     * Whether a prune's scores must be formed on the host ({@link #scores}) even where a backend keeps the sums
     * elsewhere: RANDOM, HYBRID, and gradient scores compared as a mean in threshold mode.
     */
    public boolean scoresFormedOnHost() {
        Criterion c = spec.criterion();
        return c == Criterion.RANDOM || c == Criterion.HYBRID
                || (spec.thresholdMode() && spec.needsGradients() && spec.accumulate() == ScoreAccumulator.Mode.SUM);
    }

    /**
     * Prunes to {@code sparsity} (ignored in threshold and N:M modes) by {@code scores}, one tensor per target in
     * target order, on the host ({@link HostSelectionEngine}). Sets every target's mask and zeroes pruned weights (and,
     * structured, the pruned rows' bias entries, masked too). Modifies the targets' parameters only; on an exception
     * (bad sparsity, a NaN score, mismatched scores) nothing is modified.
     */
    public Result prune(double sparsity, ScoreSource scores) {
        if (scores.tensorCount() != targets.size()) throw new IllegalArgumentException("prune: " + scores.tensorCount()
                + " score tensors for " + targets.size() + " targets");
        for (int t = 0; t < targets.size(); t++) {
            if (scores.size(t) != targets.get(t).weight().size()) {
                throw new IllegalArgumentException("prune: scores for " + targets.get(t).name() + " have "
                        + scores.size(t) + " elements, weight has " + targets.get(t).weight().size());
            }
        }
        int nt = targets.size();
        byte[][] old = masks();
        boolean anyMask = Arrays.stream(old).anyMatch(m -> m != null);
        HostSelectionEngine engine = new HostSelectionEngine(
                anyMask ? ScoreSource.respectingMasks(scores, old) : scores);
        // The selection writes only the engine's new mask arrays; the parameters change after it succeeded (a NaN score
        // in the last tensor leaves every weight and mask as it was), and applyMask zeroes the pruned weights.
        Selected sel = select(engine, sparsity);
        byte[][] masks = engine.masks();
        for (int t = 0; t < nt; t++) {
            // Never revive what an earlier prune removed (respectingMasks ranks those last; caps, N:M, or a lower
            // sparsity than before could still pick them).
            if (old[t] != null) for (int i = 0; i < masks[t].length; i++) masks[t][i] &= old[t][i];
            targets.get(t).weight().mask = masks[t];
            targets.get(t).weight().applyMask();
        }
        int[][] keptRows = sel.keptRows();
        if (keptRows != null) {
            keptRows = liveRows(targets, masks, keptRows);
            maskBiases(targets, keptRows);
        }
        return new Result(sparsity, HostSelectionEngine.counts(masks), candidateCount(), keptRows);
    }

    /**
     * What {@link #select} asked the engine: the kept elements per target as the engine counted them, and for
     * structured granularity the selected rows of each target (else null).
     */
    public record Selected(long[] keptPerTarget, int[][] keptRows) {}

    /**
     * The one dispatch ({@link PruneTargets#select}) from this pruner's {@link PruneSpec} (granularity, scope, density
     * caps, threshold, N:M) to the selection {@code engine} runs, for a prune to {@code sparsity} (ignored in
     * threshold and N:M modes). The engine
     * writes its own output masks; committing them to the model (and never reviving pruned weights) is the caller's.
     *
     * @throws IllegalArgumentException when sparsity is outside [0, 1] or the engine rejects its input
     */
    public Selected select(SelectionEngine engine, double sparsity) {
        PruneTargets.Selected r = dispatch.select(engine, sparsity);
        return new Selected(r.keptPerTarget(), r.keptRows());
    }

    /**
     * Structured: of the selected rows, those still alive after the never-revive rule (a row of a removed neuron
     * stays removed even where a lower sparsity selects it again): selected and with a kept element (or empty).
     */
    public static int[][] liveRows(List<Target> targets, byte[][] masks, int[][] selected) {
        int[][] out = new int[selected.length][];
        for (int t = 0; t < selected.length; t++) {
            int len = targets.get(t).rowLength();
            byte[] m = masks[t];
            out[t] = Arrays.stream(selected[t]).filter(row -> {
                if (len == 0) return true;
                for (int c = row * len; c < (row + 1) * len; c++) if (m[c] != 0) return true;
                return false;
            }).toArray();
        }
        return out;
    }

    /**
     * Structured: the bias entry of a pruned row (neuron, filter) is masked and zeroed with it. Modifies the biases.
     */
    public static void maskBiases(List<Target> targets, int[][] keptRows) {
        for (int t = 0; t < targets.size(); t++) {
            Target tg = targets.get(t);
            if (tg.bias() == null) continue;
            byte[] bm = new byte[tg.rows()];
            for (int row : keptRows[t]) bm[row] = 1;
            tg.bias().mask = bm;
            tg.bias().applyMask();
        }
    }

    /** Per-target density (kept / size), in target order. */
    public double[] densities() {
        double[] d = new double[targets.size()];
        for (int t = 0; t < d.length; t++) d[t] = targets.get(t).weight().nonzeroMaskCount()
                / (double) targets.get(t).weight().size();
        return d;
    }

}
