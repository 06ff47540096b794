/** Losses with their gradients fused: softmax cross-entropy (classification) and mean squared error (regression). */
package dev.jprune.nn.loss;
