/**
 * Pruning: criteria ({@link dev.jprune.prune.Criterion}), exact deterministic selection (radix select, ties to the
 * lower index), granularities, schedules, what to prune ({@link dev.jprune.prune.PruneSpec}) and a whole run
 * ({@link dev.jprune.prune.PruningPlan}, {@link dev.jprune.prune.PruningRun}).
 *
 * <p>{@link dev.jprune.prune.ModelPruner} turns a spec into one call on a {@link dev.jprune.prune.SelectionEngine}
 * ({@link dev.jprune.prune.PruneTargets#select}, the only place that dispatches on granularity, scope, density caps
 * and threshold); the host engine and the GPU's produce
 * the same masks bit for bit. A backend that keeps its model on a device implements
 * {@link dev.jprune.prune.PruningBackend} so that scores accumulate and selections run there.
 *
 * <p>{@link dev.jprune.prune.CheckpointPruner} prunes the named tensors of any safetensors checkpoint (or sharded
 * checkpoint) without a model, out of core, through the same dispatch ({@link dev.jprune.prune.PruneTargets}).
 */
package dev.jprune.prune;
