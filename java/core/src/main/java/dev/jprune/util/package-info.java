/**
 * Deterministic helpers: {@link dev.jprune.util.Rng} (a fully specified seeded generator) and
 * {@link dev.jprune.util.Parallel} (data-parallel loops whose results never depend on the thread count, with a thread
 * count per {@link dev.jprune.util.Parallel.Context}).
 */
package dev.jprune.util;
