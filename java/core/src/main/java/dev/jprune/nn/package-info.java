/**
 * Layers with forward/backward pairs ({@link dev.jprune.nn.Layer}), {@link dev.jprune.nn.Parameter} (value, gradient,
 * keep mask; pruned values are exactly 0) and {@link dev.jprune.nn.Sequential}, whose parameter names are PyTorch's
 * state_dict names ("0.weight", "0.bias", ...).
 */
package dev.jprune.nn;
