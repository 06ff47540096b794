/**
 * Optimizers (SGD with momentum / Nesterov, Adam) that keep pruned weights and their state at 0, and gradient clipping.
 */
package dev.jprune.optim;
