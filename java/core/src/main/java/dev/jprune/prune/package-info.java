/**
 * Pruning: criteria ({@link dev.jprune.prune.Criterion}), exact deterministic selection (radix select, ties to the lower
 * index), granularities, schedules, what to prune ({@link dev.jprune.prune.PruneSpec}) and a whole run
 * ({@link dev.jprune.prune.PruningPlan}, {@link dev.jprune.prune.PruningRun}).
 *
 * <p>{@link dev.jprune.prune.ModelPruner} turns a spec into one call on a {@link dev.jprune.prune.SelectionEngine} (the
 * only place that dispatches on granularity, scope, density caps and threshold); the host engine and the GPU's produce
 * the same masks bit for bit. A backend that keeps its model on a device implements
 * {@link dev.jprune.prune.PruningBackend} so that scores accumulate and selections run there.
 */
package dev.jprune.prune;
