/**
 * Training: {@link dev.jprune.train.TrainConfig} (with a builder), the CPU training loop
 * {@link dev.jprune.train.Trainer}, and {@link dev.jprune.train.Backend}, where training runs (CPU or GPU; choose one
 * with {@link dev.jprune.Backends}). This package knows nothing of pruning: {@code dev.jprune.prune} builds on it.
 */
package dev.jprune.train;
