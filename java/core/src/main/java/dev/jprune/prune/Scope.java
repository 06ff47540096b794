package dev.jprune.prune;

/** GLOBAL: one ranking across all chosen tensors. PER_LAYER: each tensor pruned to the fraction on its own. */
public enum Scope { GLOBAL, PER_LAYER }
