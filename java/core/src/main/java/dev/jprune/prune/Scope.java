package dev.jprune.prune;

/** GLOBAL: one ranking across all chosen tensors. PER_LAYER: each tensor pruned to the fraction on its own. */
public enum Scope {
    /** One ranking across all chosen tensors. */
    GLOBAL,
    /** Each tensor pruned to the fraction on its own. */
    PER_LAYER
}
