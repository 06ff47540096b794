/**
 * The built-in architectures by name ({@link dev.jprune.models.Models}), each a {@link dev.jprune.models.ModelSpec}
 * with its input shape, task and default optimizer; {@code Models.save} / {@code load} write and read checkpoints.
 */
package dev.jprune.models;
