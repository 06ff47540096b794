package dev.jprune.prune;

/** What one pruning decision removes. */
public enum Granularity {
    /** Single weights. */
    UNSTRUCTURED,
    /** N of every M consecutive weights along the input dimension are kept (e.g. 2:4). */
    NM,
    /** Whole rows of a Linear weight (neurons) and whole output filters of a Conv2d, with their bias entries. */
    STRUCTURED
}
