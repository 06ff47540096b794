package dev.jprune.prune;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The tensors one prune selects among — each a name, an element count and a {@code [rows, rowLength]} view — with
 * the {@link PruneSpec}: the one dispatch from a spec (granularity, scope, density caps, threshold, N:M) to a
 * {@link SelectionEngine} call. {@link ModelPruner} builds it from a model's Linear/Conv2d weights,
 * {@link CheckpointPruner} from the named tensors of a checkpoint; the engine decides where scores and masks live.
 * Immutable.
 */
public final class PruneTargets {
    /**
     * One candidate tensor.
     *
     * @param name      its name in messages ("0.weight", "model.layers.3.mlp.up_proj.weight")
     * @param rows      the first dimension (output units; 1 for a scalar)
     * @param rowLength elements per row (the product of the other dimensions)
     */
    public record Target(String name, int rows, int rowLength) {
        /**
         * @throws IllegalArgumentException when rows or rowLength is negative or their product exceeds an int
         */
        public Target {
            if (rows < 0 || rowLength < 0 || (long) rows * rowLength > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("prune target " + name + ": bad view [" + rows + ", " + rowLength
                        + "]");
            }
        }

        /** Number of elements. */
        public int size() { return rows * rowLength; }

        /** The {@code [rows, rowLength]} view of a tensor of {@code shape} (rows = shape[0], 1 for a scalar). */
        public static Target of(String name, int[] shape) {
            long n = 1;
            for (int d : shape) n *= d;
            int rows = shape.length == 0 ? 1 : shape[0];
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + " has " + n + " elements; a prune target holds at most "
                        + Integer.MAX_VALUE);
            }
            return new Target(name, rows, rows == 0 ? 0 : (int) (n / rows));
        }
    }

    /**
     * What {@link #select} asked the engine: the kept elements per target as the engine counted them, and for
     * structured granularity the selected rows of each target (else null).
     *
     * @param keptPerTarget kept elements per target
     * @param keptRows      structured: indices of the kept rows of each target, ascending; otherwise null
     */
    public record Selected(long[] keptPerTarget, int[][] keptRows) {}

    private final PruneSpec spec;
    private final List<Target> targets;

    /**
     * The dispatch of {@code spec} over {@code targets} (in target order).
     *
     * @throws IllegalArgumentException when N:M rows are shorter than M
     */
    public PruneTargets(PruneSpec spec, List<Target> targets) {
        this.spec = spec;
        this.targets = List.copyOf(targets);
        if (spec.granularity() == Granularity.NM) {
            for (Target t : this.targets) {
                if (t.rowLength() < spec.nmM()) {
                    throw new IllegalArgumentException(t.name() + ": rows of " + t.rowLength() + " are shorter than M="
                            + spec.nmM());
                }
            }
        }
    }

    /** The spec. */
    public PruneSpec spec() { return spec; }

    /** The targets, in target order. */
    public List<Target> targets() { return targets; }

    /** Number of elements the prunes select among (all targets'). */
    public long candidateCount() {
        long n = 0;
        for (Target t : targets) n += t.size();
        return n;
    }

    /** Whether prunes are capped global selections (unstructured, global scope, a min or max density per target). */
    public boolean capped() {
        return spec.granularity() == Granularity.UNSTRUCTURED && !spec.thresholdMode() && spec.scope() == Scope.GLOBAL
                && (spec.minDensity() > 0 || spec.maxDensity() < 1);
    }

    /** {@code d} for every target. */
    public double[] densities(double d) {
        double[] a = new double[targets.size()];
        Arrays.fill(a, d);
        return a;
    }

    /**
     * The kept count of a global unstructured prune to {@code sparsity}: {@link GlobalSelector#keepForSparsity} over
     * the candidates; when the prunes are {@link #capped}, clamped into the range the density bounds allow (a schedule
     * step they cannot meet prunes to the nearest count they allow; the final target is checked by
     * {@link #checkTarget}).
     */
    public long keepFor(double sparsity) {
        long keep = GlobalSelector.keepForSparsity(candidateCount(), sparsity);
        if (!capped()) return keep;
        long[] range = GlobalSelector.cappedKeepRange(bounds());
        return Math.max(range[0], Math.min(range[1], keep));
    }

    /** Throws IllegalArgumentException when the density bounds cannot reach {@code sparsity}, naming the sparsities
     *  they allow. */
    public void checkTarget(double sparsity) {
        if (!capped()) return;
        long keep = GlobalSelector.keepForSparsity(candidateCount(), sparsity);
        long[] range = GlobalSelector.cappedKeepRange(bounds());
        if (keep < range[0] || keep > range[1]) {
            double n = candidateCount();
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "sparsity %s is infeasible with density bounds [%s, %s] per layer: they allow sparsities from %.4f"
                            + " to %.4f",
                    sparsity, spec.minDensity(), spec.maxDensity(), 1 - range[1] / n, 1 - range[0] / n));
        }
    }

    private long[][] bounds() {
        long[] sizes = targets.stream().mapToLong(Target::size).toArray();
        return GlobalSelector.cappedBounds("prune", sizes, t -> targets.get(t).name(), densities(spec.minDensity()),
                densities(spec.maxDensity()));
    }

    /**
     * The one dispatch from the spec to the selection {@code engine} runs, for a prune to {@code sparsity} (ignored in
     * threshold and N:M modes). The engine writes its own output (masks, or a {@link MaskSink}); committing it is the
     * caller's.
     *
     * @throws IllegalArgumentException when sparsity is outside [0, 1], the engine has another tensor count, or it
     *     rejects its input
     */
    public Selected select(SelectionEngine engine, double sparsity) {
        if (!(sparsity >= 0 && sparsity <= 1)) {
            throw new IllegalArgumentException("sparsity must be in [0, 1], got " + sparsity);
        }
        int nt = targets.size();
        if (engine.tensorCount() != nt) {
            throw new IllegalArgumentException("select: engine has " + engine.tensorCount() + " tensors for " + nt
                    + " targets");
        }
        double[] each = densities(sparsity);
        switch (spec.granularity()) {
            case UNSTRUCTURED -> {
                long[] kept;
                if (spec.thresholdMode()) kept = engine.threshold(spec.thresholdEps());
                else if (spec.scope() == Scope.PER_LAYER) kept = engine.perLayer(each);
                else if (capped()) {
                    kept = engine.capped(keepFor(sparsity), densities(spec.minDensity()), densities(spec.maxDensity()));
                }
                else kept = engine.select(GlobalSelector.keepForSparsity(candidateCount(), sparsity));
                return new Selected(kept, null);
            }
            case NM -> {
                int[] rowLengths = targets.stream().mapToInt(Target::rowLength).toArray();
                return new Selected(engine.nm(rowLengths, spec.nmN(), spec.nmM()), null);
            }
            case STRUCTURED -> {
                int[] groups = targets.stream().mapToInt(Target::rows).toArray();
                SelectionEngine.Groups r;
                if (spec.thresholdMode()) {
                    r = engine.structuredThreshold(groups, spec.groupNorm(), spec.thresholdEps());
                } else if (spec.scope() == Scope.PER_LAYER) {
                    r = engine.structuredPerLayer(groups, spec.groupNorm(), each);
                } else {
                    long totalGroups = Arrays.stream(groups).asLongStream().sum();
                    long keep = GlobalSelector.keepForSparsity(totalGroups, sparsity);
                    r = engine.structured(groups, spec.groupNorm(), keep);
                }
                return new Selected(r.keptElements(), r.keptGroups());
            }
            default -> throw new AssertionError(spec.granularity());
        }
    }
}
