package dev.jprune.spark;

/**
 * How often the replicas are averaged: every {@code k} local optimizer steps, or once per epoch. Each average is one
 * exchange of the model state (parameters and optimizer state) through the driver, which costs about as much as
 * {@code treeAggregate} of that many floats (0.1–1 s in local mode, docs/SCALE.md): choose k so that k steps of compute
 * outweigh it.
 *
 * @param stepsPerRound local steps between averages; 0 means once per epoch
 */
public record SyncPolicy(int stepsPerRound) {
    public SyncPolicy {
        if (stepsPerRound < 0) {
            throw new IllegalArgumentException("steps per averaging round must be >= 1 (or 0: once per epoch), got "
                    + stepsPerRound);
        }
    }

    /** Average every {@code k} local steps (k ≥ 1). */
    public static SyncPolicy everySteps(int k) {
        if (k < 1) throw new IllegalArgumentException("averaging every k steps needs k >= 1, got " + k);
        return new SyncPolicy(k);
    }

    /** Average once per epoch. */
    public static SyncPolicy oncePerEpoch() { return new SyncPolicy(0); }

    /** Steps per round for an epoch of {@code stepsPerEpoch} local steps. */
    long resolve(long stepsPerEpoch) {
        return stepsPerRound == 0 ? Math.max(1, stepsPerEpoch) : stepsPerRound;
    }
}
